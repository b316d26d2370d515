/**
 * Benchmark of the ClickHouse marts (prints figures, asserts no times): 7 simulated days (rate MARTS_BENCH_RATE
 * events a minute, default 100, 1% faults) loaded in hourly batches into private schemas (`mb7_`) with the star
 * schema built, then on a fresh private chDB folder a full build of every mart (`models build -s path:marts`), then
 * one more minute file loaded as its own batch and `models build` of everything (the star's increment, then the
 * marts'), timed as a whole and as the marts' share (the sum of their nodes' durations in run_results.json).
 *
 * Runs only with MARTS_BENCH=1 (`deno task marts:bench`). Each `models` call is a child process (chDB allows one
 * process per data folder), so the figures include a process start (about 1 s).
 */
import { ok as assert } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { configureLogging } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { loadInBatches, type MartsEnv, models } from "./_marts_env.ts";

const PREFIX = "mb7_";
const RATE = Number(Deno.env.get("MARTS_BENCH_RATE") ?? "100");

Deno.test({
  name: "marts benchmark: full build over 7 days, then a one-minute increment",
  ignore: Deno.env.get("MARTS_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env: MartsEnv = {
      prefix: PREFIX,
      chPath: await Deno.makeTempDir({ prefix: "sp-marts-bench-ch-" }),
      database: "mb7_marts",
      targetDir: await Deno.makeTempDir({ prefix: "sp-marts-bench-target-" }),
    };
    const sql = createPostgres(config().postgres);
    try {
      let t = performance.now();
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-27T00:05:00Z", RATE, 7, 0.01);
      const days = drops.files.slice(0, 7 * 1440);
      const next = drops.files[7 * 1440]!;
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      await loadInBatches(sql, PREFIX, drops, days, 60, seen);
      const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${PREFIX}landing.events`);
      const n = row!.n;
      console.log(
        `generated and loaded 7 days, ${n} events (${RATE}/min): ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );

      t = performance.now();
      const star = await models(env, ["build", "--exclude", "path:marts"]);
      assert(star.code === 0, star.stderr.slice(-2000));
      console.log(`star schema build: ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const report = (label: string, ms: number, r: Awaited<ReturnType<typeof models>>) => {
        const marts = r.results.filter((x) => x.name.startsWith("mart_") || x.name.startsWith("int_"));
        const sum = marts.reduce((s, x) => s + x.duration_ms, 0);
        const slow = [...marts].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 4)
          .map((x) => `${x.name} ${(x.duration_ms / 1000).toFixed(2)} s (${x.mode ?? x.status})`).join(", ");
        console.log(
          `${label}: ${(ms / 1000).toFixed(1)} s wall, marts' nodes ${(sum / 1000).toFixed(1)} s; slowest: ${slow}`,
        );
      };

      t = performance.now();
      const full = await models(env, ["build", "-s", "path:marts"]);
      assert(full.code === 0, full.stderr.slice(-2000));
      report("full build of the marts over 7 days", performance.now() - t, full);

      await loadBatch(sql, PREFIX, drops, [next], seen);
      t = performance.now();
      const inc = await models(env, ["build"]);
      assert(inc.code === 0, inc.stderr.slice(-2000));
      report("one-minute increment (star + marts)", performance.now() - t, inc);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(env.chPath, { recursive: true });
      await Deno.remove(env.targetDir, { recursive: true });
    }
  },
});
