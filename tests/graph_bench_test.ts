/**
 * Benchmark of the graph (`deno task graph:bench [--days N] [--rate R]`; skipped unless GRAPH_BENCH=1, which the task
 * sets). The bench world: the generator's world over N days (default 1) at R events a minute (default 1000; the
 * world's launch population and back office scale with R, each user's activity does not), of which only the events
 * the graph's source models read are loaded into a private warehouse (schemas prefixed `gb_`): views, reactions,
 * comments, replies, ad impressions and clicks (most of the volume) are dropped before loading, which changes no row
 * of the graph's sources and makes a 30-day world affordable here. The graph's part of the star is built by the real
 * models and synced into the private Neo4j with `--writers` transactions in flight (default the sync's): on a fresh
 * JVM (cold), then again from scratch five times on the same JVM: two to warm it up (the JIT compiler is still at
 * work during them; Neo4j's CPU per sync falls until then) and three warm, each printed, whose median is the warm
 * figure (a server that syncs every minute is that warm); then once more with one writer, for comparison.
 * Right after, a plain single-writer `UNWIND ... CREATE` of 100,000 relationships runs on the same server (what one
 * transaction at a time allows at that moment). Then every metric is computed twice (the first run starts GDS and
 * plans its queries; the second meets a warm server, as a scheduled run does). The world ends at today's midnight
 * (UTC). Prints relationships/s of each, the CPU seconds Neo4j and this process spent on them (less load-dependent
 * than wall time), the load average beside each figure, each metric's time and Neo4j's heap; asserts nothing about
 * time.
 */
import { ok as assert } from "node:assert/strict";
import { parseArgs } from "node:util";
import { createPostgres } from "../src/clients/postgres.ts";
import { cypher } from "../src/clients/neo4j.ts";
import { logger } from "../src/log.ts";
import {
  createPrivateWarehouse,
  dropPrivateWarehouse,
  type Drops,
  generateDrops,
  loadBatch,
} from "../src/runner/testing.ts";
import { METRICS_DEFAULTS } from "../src/graph/metrics.ts";
import { runMetrics } from "../src/graph/run.ts";
import { pgNames } from "../src/graph/store.ts";
import { SYNC_WRITERS, syncGraph, type SyncSummary } from "../src/graph/sync.ts";
import { buildStar, privateNeo4j } from "./_graph_env.ts";

const PREFIX = "gb_";
const names = pgNames(PREFIX);
const { values: args } = parseArgs({
  args: Deno.args,
  options: { days: { type: "string" }, rate: { type: "string" }, writers: { type: "string" } },
  strict: true,
});
const DAYS = Number(args.days ?? Deno.env.get("GRAPH_BENCH_DAYS") ?? 1);
const RATE = Number(args.rate ?? Deno.env.get("GRAPH_BENCH_RATE") ?? 1000);
const WRITERS = Number(args.writers ?? SYNC_WRITERS);
/** Event types no source model of the graph reads: left out of the bench world's warehouse. */
const NOT_GRAPH = new Set([
  "publication.viewed",
  "reaction.added",
  "comment.created",
  "reply.created",
  "ad.impression",
  "ad.clicked",
]);

const print = (what: string, figures: Record<string, unknown>) => console.log(`${what}: ${JSON.stringify(figures)}`);
const loadAverage = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

/** CPU seconds (user + system) a process has used so far, or null when unknown. */
function cpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Drop the lines of event types the graph does not read from every file, in place. */
function keepGraphEvents(drops: Drops): number {
  const enc = new TextEncoder(), dec = new TextDecoder();
  let kept = 0;
  for (const f of drops.files) {
    const lines = dec.decode(drops.store.objects.get(f)!).split("\n").filter((line) => {
      const type = /"event_type":"([^"]*)"/.exec(line)?.[1];
      return line !== "" && !(type !== undefined && NOT_GRAPH.has(type));
    });
    kept += lines.length;
    drops.store.objects.set(f, enc.encode(lines.join("\n") + "\n"));
  }
  return kept;
}

Deno.test({
  name: "graph bench: sync throughput and metric times on a generated world",
  ignore: Deno.env.get("GRAPH_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let t = performance.now();
    const neo = await privateNeo4j();
    print("neo4j", { start_ms: Math.round(performance.now() - t), pid: neo.pid });
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
    /**
     * Run `f`, returning its result with its wall time, the CPU seconds of Neo4j and of this process (the client:
     * PostgreSQL reads, Bolt packing) and the load average after it.
     */
    const measured = async <T>(f: () => Promise<T>) => {
      const cpu0 = cpuSeconds(neo.pid), own0 = cpuSeconds(Deno.pid), t0 = performance.now();
      const result = await f();
      const cpu1 = cpuSeconds(neo.pid), own1 = cpuSeconds(Deno.pid);
      const cpu = cpu0 === null || cpu1 === null ? null : Math.round((cpu1 - cpu0) * 10) / 10;
      const client = own0 === null || own1 === null ? null : Math.round((own1 - own0) * 10) / 10;
      return { result, ms: performance.now() - t0, cpu, client, load: loadAverage() };
    };
    const syncFigures = (
      m: { result: SyncSummary; ms: number; cpu: number | null; client: number | null; load: string },
    ) => ({
      writers: m.result.writers,
      retried_batches: m.result.retried_batches,
      relationships: m.result.relationships_written,
      nodes: Object.values(m.result.nodes).reduce((a, b) => a + b, 0),
      neo4j_write_ms: m.result.apply_ms,
      relationships_per_s_of_neo4j_writes: m.result.relationships_per_s,
      total_ms: Math.round(m.ms),
      relationships_per_s_overall: Math.round(m.result.relationships_written / (m.ms / 1000)),
      neo4j_cpu_s: m.cpu,
      relationships_per_neo4j_cpu_s: m.cpu ? Math.round(m.result.relationships_written / m.cpu) : null,
      client_cpu_s: m.client,
      load_average: m.load,
    });
    try {
      t = performance.now();
      // Whole days up to today's midnight: events after now would be refused as from the future.
      const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
      const start = new Date(end.getTime() - DAYS * 86_400_000);
      const drops = await generateDrops(start.toISOString(), end.toISOString(), RATE, 3);
      const kept = keepGraphEvents(drops);
      print("generated", {
        days: DAYS,
        rate: RATE,
        files: drops.files.length,
        graph_lines_kept: kept,
        ms: Math.round(performance.now() - t),
        load_average: loadAverage(),
      });
      t = performance.now();
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      for (let i = 0; i < drops.files.length; i += 240) {
        await loadBatch(sql, PREFIX, drops, drops.files.slice(i, i + 240), seen);
      }
      drops.store.objects.clear();
      await buildStar(sql, PREFIX, target);
      print("warehouse", { events: seen.size, ms: Math.round(performance.now() - t), load_average: loadAverage() });

      await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
      const cold = await measured(() => syncGraph(deps, { batchSize: 5000, writers: WRITERS }));
      print("sync (cold JVM)", syncFigures(cold));
      print("sync profile (cold JVM)", cold.result.profile);

      // Warm: the same sync again from an empty graph on the same JVM; then once more with one writer (the
      // parallel writers' share of the figure).
      const again = async (writers: number) => {
        await cypher(neo.driver, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS");
        await sql.unsafe(`drop schema ${names.graph} cascade`);
        return await measured(() => syncGraph(deps, { batchSize: 5000, writers }));
      };
      const warmRuns = [];
      for (let i = 1; i <= 5; i++) {
        const m = await again(WRITERS);
        assert(m.result.relationships_added > 0);
        if (i <= 2) {
          print(`sync (warming up, run ${i})`, syncFigures(m));
          continue;
        }
        print(`sync (warm JVM, run ${i - 2})`, syncFigures(m));
        warmRuns.push(m);
      }
      const warm = warmRuns.sort((a, b) => a.result.apply_ms - b.result.apply_ms)[1]!;
      print("sync (warm JVM, the median run)", syncFigures(warm));
      print("sync profile (warm JVM, the median run)", warm.result.profile);
      if (WRITERS !== 1) print("sync (warm JVM, one writer)", syncFigures(await again(1)));

      // Baseline on the same server right after: plain UNWIND CREATE of 100,000 relationships between existing
      // users, 5,000 per transaction, no property (what the machine allows for relationships at that moment).
      const users = (await cypher<{ k: string }>(neo.driver, "MATCH (u:User) RETURN u.key AS k LIMIT 20000"))
        .map((r) => r.k);
      const session = neo.driver.session();
      const base = await measured(async () => {
        for (let b = 0; b < 20; b++) {
          const rows = Array.from({ length: 5000 }, (_, i) => ({
            s: users[(b * 5000 + i) % users.length],
            d: users[(b * 7919 + i * 31) % users.length],
          }));
          await session.executeWrite((x) =>
            x.run("UNWIND $rows AS r MATCH (a:User {key: r.s}), (b:User {key: r.d}) CREATE (a)-[:BENCH]->(b)", {
              rows,
            })
          );
        }
      });
      await session.close();
      print("baseline CREATE (same server, right after the warm sync)", {
        relationships: 100_000,
        relationships_per_s: Math.round(1e5 / (base.ms / 1000)),
        neo4j_cpu_s: base.cpu,
        relationships_per_neo4j_cpu_s: base.cpu ? Math.round(1e5 / base.cpu) : null,
        load_average: base.load,
      });
      await cypher(neo.driver, "MATCH ()-[r:BENCH]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS");

      // The first run pays for GDS's start and for planning every query; a scheduled run meets a warm server.
      for (const run of ["first run", "again (warm)"]) {
        const m = await measured(() => runMetrics(deps, METRICS_DEFAULTS, true));
        print(`metrics (${run})`, {
          ...m.result,
          total_ms: Math.round(m.ms),
          neo4j_cpu_s: m.cpu,
          load_average: m.load,
          ...await heap(),
        });
      }
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
      await sql.end();
      await neo.driver.close();
      await Deno.remove(target, { recursive: true });
    }
  },
});
