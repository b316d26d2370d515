/**
 * Singular tests (models/tests/) in an increment's audit read the slices the new batches touch, not whole tables,
 * and still fail on a break inside those slices. A small faulty warehouse (private schemas `rt_sing_`) is built in
 * full; then one old dimension row is deleted (outside any later increment) and, during the next build, one row of
 * the new batch's slices is deleted right after its dimension is built (a hook between two nodes). The audit of the
 * fact that anchors the test must fail on exactly the new row (blocking: the fact's increment is not published),
 * while `models test`, which checks whole relations, found the old one before.
 * Needs PostgreSQL.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import { run, type RunnerArgs } from "../src/runner/mod.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";

const cfg = config();
const PREFIX = "rt_sing_";
const TEST = "assert_every_publication_fact_has_its_dimension_row";

function deps(sql: Sql, afterNode?: (r: NodeResult) => Promise<void>) {
  return {
    root: PROJECT_ROOT,
    sql,
    clickhouse: () => Promise.reject(new Error("this test opens no ClickHouse")),
    log: logger("models-test"),
    print: () => {},
    targets: {
      schemaPrefix: PREFIX,
      clickhouseDatabase: cfg.clickhouse.database,
      pg: { collection: "socialpulse_pg" },
    },
    ...(afterNode ? { afterNode } : {}),
  };
}

function args(target: string, over: Partial<RunnerArgs> = {}): RunnerArgs {
  return {
    command: "build",
    selectors: ["engine:postgres"],
    exclude: [],
    fullRefresh: false,
    vars: {},
    targetDir: target,
    docsDir: join(target, "docs"),
    ...over,
  };
}

async function results(target: string): Promise<NodeResult[]> {
  return JSON.parse(await Deno.readTextFile(join(target, "run_results.json"))).results;
}

Deno.test({
  name: "a singular test in an increment's audit reads the new batches' slices and fails on a break inside them",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "runner_singular_" });
    try {
      const drops = await generateDrops("2026-11-20T06:00:00Z", "2026-11-20T09:00:00Z", 60, 13);
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      await loadBatch(sql, PREFIX, drops, drops.files.slice(0, 60), seen);
      await loadBatch(sql, PREFIX, drops, drops.files.slice(60, 120), seen);
      const full = await run(deps(sql), args(target));
      assertEquals([full.errors, full.failed], [0, 0]);
      const built = (await results(target)).find((r) => r.name === "fact_publication")!;
      assertEquals([built.mode, built.tests.find((t) => t.name === TEST)?.status], ["full", "pass"]);

      // A break outside every later increment: a publication of the first hour loses its dimension row.
      const [old] = await sql.unsafe<{ key: string }[]>(
        `select publication_key::text as key from ${PREFIX}core.dim_publication
         where created_at < '2026-11-20T07:00:00Z' and publication_key <> -1 order by created_at limit 1`,
      );
      await sql.unsafe(`delete from ${PREFIX}core.dim_publication where publication_key = ${old!.key}`);
      // `models test` checks whole relations: it finds that break.
      await assertRejects(() => run(deps(sql), args(target, { command: "test", selectors: [TEST] })), /failed/);
      const tested = (await results(target)).find((r) => r.name === TEST)!.tests[0]!;
      assertEquals(tested.failures, 1);
      assert(tested.message!.includes(old!.key), tested.message!);

      // The next batch; right after dim_publication takes it, one of its new publications loses its row.
      const { batchId } = await loadBatch(sql, PREFIX, drops, drops.files.slice(120, 130), seen);
      let broken: string | undefined;
      const hook = async (r: NodeResult) => {
        if (r.name !== "dim_publication") return;
        assertEquals(r.mode, "incremental");
        const [row] = await sql.unsafe<{ key: string }[]>(
          `select d.publication_key::text as key from ${PREFIX}core.dim_publication as d
           join ${PREFIX}landing.events as e on e.event_type = 'publication.created'
             and e.payload->>'publication_id' = d.publication_id::text
           where e.batch_id = ${batchId} order by d.created_at limit 1`,
        );
        broken = row!.key;
        await sql.unsafe(`delete from ${PREFIX}core.dim_publication where publication_key = ${broken}`);
      };
      await assertRejects(() => run(deps(sql, hook), args(target)), /node\(s\) failed/);
      assert(broken !== undefined, "the hook ran");
      const fact = (await results(target)).find((r) => r.name === "fact_publication")!;
      assertEquals([fact.status, fact.mode], ["fail", "incremental"]);
      const audit = fact.tests.find((t) => t.name === TEST)!;
      // Exactly the row broken inside the increment's slices: the old one is outside the audit's scope.
      assertEquals([audit.status, audit.failures], ["fail", 1]);
      assert(audit.message!.includes(broken!), audit.message!);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(target, { recursive: true });
    }
  },
});
