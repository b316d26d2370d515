/**
 * Benchmark of the ClickHouse marts (prints figures, asserts no times): 7 simulated days (rate MARTS_BENCH_RATE
 * events a minute, default 100, 1% faults) loaded in hourly batches into private schemas (`mb7_`) with the star
 * schema built, then on a fresh private chDB folder a full build of every mart (`models build -s path:marts`), then
 * three one-minute increments: the next minute file loaded as its own batch and `models build` of everything (the
 * star's increment, then the marts'), each timed as a whole and as the marts' share (the sum of their nodes'
 * durations in run_results.json). The load average is printed beside every figure.
 *
 * Runs only with MARTS_BENCH=1 (`deno task marts:bench`). Each `models` call is a child process (chDB allows one
 * process per data folder), so the wall times include a process start (about 1 s). Generating, loading and building
 * the star over 7 days takes minutes, so the warehouse is kept between runs (a marker table records what it holds;
 * the held minutes are unloaded again at the end, and the star, which keeps their rows, recomputes the same minutes
 * when they are loaded again); `MARTS_BENCH_FRESH=1` regenerates it, `MARTS_BENCH_DROP=1` drops it at the end.
 * `MARTS_BENCH_KEEP=1` keeps the chDB folder and the target dir (with each increment's stderr beside run_results.json):
 * with `LOG_LEVEL=DEBUG` that log holds every ClickHouse statement's duration, node by node.
 */
import { ok as assert } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { configureLogging } from "../src/log.ts";
import { MemoryStore } from "../src/generator/mod.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { loadInBatches, models, tempMartsEnv } from "./_marts_env.ts";

const PREFIX = "mb7_";
const RATE = Number(Deno.env.get("MARTS_BENCH_RATE") ?? "100");
const SEED = 7;
const HELD = 3;

interface Marker {
  rate: number;
  seed: number;
  events: number;
  last_batch: number;
}

const loadavg = async () => (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");

async function cachedMarker(sql: Sql): Promise<Marker | null> {
  const [exists] = await sql.unsafe<{ t: string | null }[]>(`select to_regclass('${PREFIX}etl.bench_marker') as t`);
  if (!exists?.t) return null;
  const [row] = await sql.unsafe<{ spec: string }[]>(`select spec #>> '{}' as spec from ${PREFIX}etl.bench_marker`);
  const m = row ? JSON.parse(row.spec) as Marker : undefined;
  return m && m.rate === RATE && m.seed === SEED ? m : null;
}

async function unloadHeld(sql: Sql, marker: Marker) {
  for (const t of ["landing.events", "etl.batch_days", "etl.batches"]) {
    await sql.unsafe(`delete from ${PREFIX}${t} where batch_id > ${marker.last_batch}`);
  }
}

/** Generate and load the 7 days (hourly batches), keeping the next HELD minute files aside. */
async function buildWarehouse(sql: Sql): Promise<Marker> {
  const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-27T00:05:00Z", RATE, SEED, 0.01);
  await createPrivateWarehouse(sql, PREFIX);
  await loadInBatches(sql, PREFIX, drops, drops.files.slice(0, 7 * 1440), 60, new Set());
  await sql.unsafe(`create table ${PREFIX}etl.bench_held (key text primary key, body bytea not null)`);
  for (const f of drops.files.slice(7 * 1440, 7 * 1440 + HELD)) {
    await sql.unsafe(`insert into ${PREFIX}etl.bench_held (key, body) values ($1, $2)`, [
      f,
      drops.store.objects.get(f)!,
    ]);
  }
  const [row] = await sql.unsafe<{ n: number; b: string }[]>(
    `select (select count(*)::int from ${PREFIX}landing.events) as n, (select max(batch_id) from ${PREFIX}etl.batches) as b`,
  );
  const marker: Marker = { rate: RATE, seed: SEED, events: row!.n, last_batch: Number(row!.b) };
  await sql.unsafe(`create table ${PREFIX}etl.bench_marker (spec jsonb not null)`);
  await sql.unsafe(`insert into ${PREFIX}etl.bench_marker values ($1::jsonb)`, [JSON.stringify(marker)]);
  return marker;
}

/** Load one held minute file as its own batch (ids already in landing count as duplicates, as in the pipeline). */
async function loadHeld(sql: Sql, key: string): Promise<number> {
  const [row] = await sql.unsafe<{ body: Uint8Array }[]>(`select body from ${PREFIX}etl.bench_held where key = $1`, [
    key,
  ]);
  const store = new MemoryStore();
  store.objects.set(key, row!.body);
  const ids = new TextDecoder().decode(row!.body).split("\n").map((l) => /"event_id":"([0-9a-f-]{36})"/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
  const present = await sql.unsafe<{ id: string }[]>(
    `select event_id::text as id from ${PREFIX}landing.events where event_id = any($1::uuid[])`,
    [ids],
  );
  return (await loadBatch(sql, PREFIX, { store, files: [key] }, [key], new Set(present.map((r) => r.id)))).loaded;
}

Deno.test({
  name: "marts benchmark: full build over 7 days, then one-minute increments",
  ignore: Deno.env.get("MARTS_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env = await tempMartsEnv(PREFIX, "mb7_marts", "marts-bench");
    const sql = createPostgres(config().postgres);
    try {
      let t = performance.now();
      let marker = Deno.env.get("MARTS_BENCH_FRESH") === "1" ? null : await cachedMarker(sql);
      if (marker) {
        await unloadHeld(sql, marker);
        console.log(`7-day warehouse (${marker.events} events, ${RATE}/min) kept from an earlier run`);
      } else {
        marker = await buildWarehouse(sql);
        console.log(
          `generated and loaded 7 days, ${marker.events} events (${RATE}/min): ` +
            `${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
      }

      t = performance.now();
      const star = await models(env, ["build", "--exclude", "path:marts"]);
      assert(star.code === 0, star.stderr.slice(-2000));
      console.log(`star schema build: ${((performance.now() - t) / 1000).toFixed(1)} s (load ${await loadavg()})`);

      const report = async (label: string, ms: number, r: Awaited<ReturnType<typeof models>>) => {
        const marts = r.results.filter((x) => x.name.startsWith("mart_") || x.name.startsWith("int_"));
        const sum = marts.reduce((s, x) => s + x.duration_ms, 0);
        const star = r.results.filter((x) => !marts.includes(x)).reduce((s, x) => s + x.duration_ms, 0);
        const slow = [...marts].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 8)
          .map((x) =>
            `${x.name} ${(x.duration_ms / 1000).toFixed(2)} s (${x.mode ?? x.status}, tests ${
              (x.tests.reduce((a, t) => a + t.duration_ms, 0) / 1000).toFixed(2)
            } s)`
          ).join(", ");
        console.log(
          `${label}: ${(ms / 1000).toFixed(1)} s wall, marts' nodes ${(sum / 1000).toFixed(2)} s, star's nodes ` +
            `${(star / 1000).toFixed(2)} s (load ${await loadavg()}); slowest: ${slow}`,
        );
      };

      t = performance.now();
      const full = await models(env, ["build", "-s", "path:marts"]);
      assert(full.code === 0, full.stderr.slice(-2000));
      await report("full build of the marts over 7 days", performance.now() - t, full);

      const held = await sql.unsafe<{ key: string }[]>(`select key from ${PREFIX}etl.bench_held order by key`);
      for (const { key } of held) {
        const events = await loadHeld(sql, key);
        t = performance.now();
        const inc = await models(env, ["build"]);
        assert(inc.code === 0, inc.stderr.slice(-2000));
        if (Deno.env.get("MARTS_BENCH_KEEP") === "1") {
          await Deno.writeTextFile(`${env.targetDir}/${key.slice(-22, -6)}.log`, inc.stderr);
        }
        await report(
          `one-minute increment ${key.slice(-22, -6)} (${events} events, star + marts)`,
          performance.now() - t,
          inc,
        );
      }
      await unloadHeld(sql, marker);
      if (Deno.env.get("MARTS_BENCH_DROP") === "1") await dropPrivateWarehouse(sql, PREFIX);
    } finally {
      await sql.end();
      if (Deno.env.get("MARTS_BENCH_KEEP") === "1") {
        console.log(`kept for profiling: chDB ${env.chPath}, target ${env.targetDir}`);
      } else {
        await Deno.remove(env.chPath, { recursive: true });
        await Deno.remove(env.targetDir, { recursive: true });
      }
    }
  },
});
