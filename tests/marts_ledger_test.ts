/**
 * Acceptance of the marts against ground truth: three simulated days with injected faults (invalid lines,
 * duplicates, late events crossing midnight) are loaded into a private warehouse (schemas `rt_mledger_`) in
 * six-hour batches, the whole project is built (`deno task models build`: staging, star schema, then the
 * ClickHouse marts on a private chDB folder), and every figure of the marts built so far is compared with the
 * generator's ledgers (day ledger and entity ledger), which the generator counts as it acts, independently of the
 * warehouse: exactly for counts and distinct users, within 1e-9 for ratios. Windows (WAU, 7-day topic sums),
 * ranks and percentiles are recomputed here from the ledgers; M8 per day from the ledger's per-user degrees at day
 * end. The graph is synced into a private Neo4j and its metrics computed (schema `rt_mledger_graph`) between the
 * star schema and the marts, as the pipeline DAG does: the marts that copy the graph's results must equal those
 * tables exactly (the graph tests prove them against independent computations), and their degrees the ledger.
 *
 * Only ids are looked up in the star schema (the hash keys of ads, campaigns, users and topics), never figures.
 * Needs PostgreSQL, the chdb npm package and the Neo4j launcher (`deno task stack:up` builds it).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { configureLogging, logger } from "../src/log.ts";
import { METRICS_DEFAULTS } from "../src/graph/metrics.ts";
import { runMetrics } from "../src/graph/run.ts";
import { pgNames } from "../src/graph/store.ts";
import { syncGraph } from "../src/graph/sync.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops } from "../src/runner/testing.ts";
import { dayLedger, entityLedger, loadInBatches, models, tempMartsEnv } from "./_marts_env.ts";
import { denseRanks, GRAPH_CHECKS, LEDGER_CHECKS, type LedgerContext, quantileInclusive } from "./_marts_checks.ts";
import { type PrivateNeo4j, privateNeo4j } from "./_graph_env.ts";

const PREFIX = "rt_mledger_";
const DAYS = ["2026-11-20", "2026-11-21", "2026-11-22"];
/** Events a minute: enough for some publications to reach 1000 views within three days. */
const RATE = 120;

Deno.test("denseRanks() gives equal values one rank and no gaps", () => {
  assertEquals(denseRanks([5, 9, 5, 1]), [2, 1, 2, 3]);
});

Deno.test("quantileInclusive() interpolates between order statistics", () => {
  assertEquals(quantileInclusive([1, 2, 3, 4], 0.5), 2.5);
  assertEquals(quantileInclusive([10], 0.9), 10);
  assertEquals(quantileInclusive([0, 10], 0.1), 1);
});

Deno.test({
  name: "over 3 days with faults, every figure of the marts equals the generator's ledger",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    configureLogging({ level: "WARN", format: "json" });
    const env = await tempMartsEnv(PREFIX, "rt_mledger_marts", "marts-ledger");
    const sql = createPostgres(config().postgres);
    let neo4j: PrivateNeo4j | null = null;
    try {
      const drops = await generateDrops(`${DAYS[0]}T00:00:00Z`, "2026-11-23T00:00:00Z", RATE, 11, 0.03);
      await createPrivateWarehouse(sql, PREFIX);
      await loadInBatches(sql, PREFIX, drops, drops.files, 360, new Set());
      const late = await sql.unsafe(`select count(*)::int as n from ${PREFIX}landing.events
        where is_late and (occurred_at at time zone 'UTC')::date < (file_minute at time zone 'UTC')::date`);
      assert(late[0]!.n > 0, "the data holds late events that cross midnight");

      const star = await models(env, ["build", "--exclude", "path:marts"]);
      assertEquals(star.code, 0, star.stderr.slice(-3000));
      // Not started alongside the generator: generating blocks this process long enough for a connection to time out.
      const neo = neo4j = await privateNeo4j();
      const graph = { sql, neo4j: neo.driver, log: logger("marts-ledger-graph"), names: pgNames(PREFIX) };
      assertEquals((await syncGraph(graph, { batchSize: 5000 })).status, "synced");
      assertEquals((await runMetrics(graph, METRICS_DEFAULTS)).status, "computed");
      const build = await models(env, ["build"]);
      assertEquals(build.code, 0, build.stderr.slice(-3000));

      const days = DAYS.map((d) => dayLedger(drops, d));
      const entities = await Promise.all(DAYS.map((d) => entityLedger(drops, d)));

      const ctx: LedgerContext = { env, sql, dates: DAYS, days, entities };
      for (const [name, check] of Object.entries({ ...LEDGER_CHECKS, ...GRAPH_CHECKS })) {
        await t.step(name, () => check(ctx));
      }
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await neo4j?.driver.close();
      await Deno.remove(env.chPath, { recursive: true });
      await Deno.remove(env.targetDir, { recursive: true });
    }
  },
});
