/**
 * Benchmark of the graph (`deno task graph:bench`; skipped unless GRAPH_BENCH=1): a generated world (GRAPH_BENCH_DAYS
 * days at GRAPH_BENCH_RATE events a minute, default 1 day at 1000) is loaded into a private warehouse (schemas
 * prefixed `gb_`), the star is built, and the graph is synced into the private Neo4j twice: on a fresh JVM (cold),
 * then again from scratch on the same JVM (warm). Then every metric is computed. Prints sync throughput
 * (relationships/s), each metric's time and Neo4j's heap use; asserts nothing about time.
 */
import { ok as assert } from "node:assert/strict";
import { createPostgres } from "../src/clients/postgres.ts";
import { cypher } from "../src/clients/neo4j.ts";
import { logger } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { METRICS_DEFAULTS } from "../src/graph/metrics.ts";
import { runMetrics } from "../src/graph/run.ts";
import { pgNames } from "../src/graph/store.ts";
import { syncGraph, type SyncSummary } from "../src/graph/sync.ts";
import { buildStar, privateNeo4j } from "./_graph_env.ts";

const PREFIX = "gb_";
const names = pgNames(PREFIX);
const DAYS = Number(Deno.env.get("GRAPH_BENCH_DAYS") ?? 1);
const RATE = Number(Deno.env.get("GRAPH_BENCH_RATE") ?? 1000);

const print = (what: string, figures: Record<string, unknown>) => console.log(`${what}: ${JSON.stringify(figures)}`);

Deno.test({
  name: "graph bench: sync throughput and metric times on a generated world",
  ignore: Deno.env.get("GRAPH_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const t0 = performance.now();
    const neo = await privateNeo4j();
    print("neo4j", { start_ms: Math.round(performance.now() - t0) });
    const sql = createPostgres(neo.cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "graph_bench_" });
    const deps = { sql, neo4j: neo.driver, log: logger("graph-bench"), names };
    const heap = async () => {
      const [row] = await cypher<{ used: number; max: number }>(
        neo.driver,
        `CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
         RETURN attributes.HeapMemoryUsage.value.properties.used AS used,
           attributes.HeapMemoryUsage.value.properties.max AS max`,
      );
      return { heap_used_mb: Math.round(row!.used / 2 ** 20), heap_max_mb: Math.round(row!.max / 2 ** 20) };
    };
    const figures = (s: SyncSummary, ms: number) => ({
      relationships: s.relationships_added + s.relationships_removed + s.relationships_merged,
      nodes: Object.values(s.nodes).reduce((a, b) => a + b, 0),
      neo4j_write_ms: s.apply_ms,
      relationships_per_s_of_neo4j_writes: s.relationships_per_s,
      total_ms: Math.round(ms),
      relationships_per_s_overall: Math.round(
        (s.relationships_added + s.relationships_removed + s.relationships_merged) / (ms / 1000),
      ),
    });
    try {
      let t = performance.now();
      const start = new Date(Date.UTC(2026, 10, 1));
      const end = new Date(start.getTime() + DAYS * 86_400_000);
      const drops = await generateDrops(start.toISOString(), end.toISOString(), RATE, 3);
      print("generated", { days: DAYS, rate: RATE, files: drops.files.length, ms: Math.round(performance.now() - t) });
      t = performance.now();
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      for (let i = 0; i < drops.files.length; i += 240) {
        await loadBatch(sql, PREFIX, drops, drops.files.slice(i, i + 240), seen);
      }
      await buildStar(sql, PREFIX, target);
      print("warehouse", { events: seen.size, ms: Math.round(performance.now() - t) });

      await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
      t = performance.now();
      const cold = await syncGraph(deps, { batchSize: 5000 });
      print("sync (cold JVM)", figures(cold, performance.now() - t));

      // Warm: the same sync again from an empty graph on the same JVM.
      await cypher(neo.driver, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS");
      await sql.unsafe(`drop schema ${names.graph} cascade`);
      t = performance.now();
      const warm = await syncGraph(deps, { batchSize: 5000 });
      print("sync (warm JVM)", figures(warm, performance.now() - t));
      assert(warm.relationships_added > 0);

      // Baseline on the same server at the same time: plain UNWIND CREATE of 100,000 relationships between existing
      // users, 5,000 per transaction (what the machine allows at best; the sync MERGEs and folds besides).
      const users = (await cypher<{ k: string }>(neo.driver, "MATCH (u:User) RETURN u.key AS k LIMIT 20000"))
        .map((r) => r.k);
      const session = neo.driver.session();
      t = performance.now();
      for (let b = 0; b < 20; b++) {
        const rows = Array.from({ length: 5000 }, (_, i) => ({
          s: users[(b * 5000 + i) % users.length],
          d: users[(b * 7919 + i * 31) % users.length],
        }));
        await session.executeWrite((x) =>
          x.run("UNWIND $rows AS r MATCH (a:User {key: r.s}), (b:User {key: r.d}) CREATE (a)-[:BENCH]->(b)", { rows })
        );
      }
      print("baseline CREATE", {
        relationships: 100_000,
        relationships_per_s: Math.round(1e5 / ((performance.now() - t) / 1000)),
      });
      await session.close();
      await cypher(neo.driver, "MATCH ()-[r:BENCH]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS");

      t = performance.now();
      const m = await runMetrics(deps, METRICS_DEFAULTS);
      print("metrics", { ...m, total_ms: Math.round(performance.now() - t), ...await heap() });
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
      await sql.end();
      await neo.driver.close();
      await Deno.remove(target, { recursive: true });
    }
  },
});
