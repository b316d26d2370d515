/**
 * Benchmark of the dashboard's pages on 30 days of marts (prints figures, asserts no times). 30 simulated days at a
 * reduced rate (DASHBOARD_BENCH_RATE events a minute, default 10, 1% faults: the marts' sizes follow the days and
 * the world, not the event rate) are generated in memory and loaded in daily batches into private schemas
 * (`db30_`), the models built on a private chDB folder, the marts exported; then `deno task dashboard --bench`
 * times every page twice: on the export snapshot (exports mode, the native default) and on the chDB folder itself
 * (`--source clickhouse`, as a ClickHouse server would be read). The load average is printed beside the figures.
 *
 * Runs only with DASHBOARD_BENCH=1 (`deno task dashboard:bench`). Building the warehouse takes minutes, so the chDB
 * folder and the export are kept in `out/dashboard-bench/` and reused; DASHBOARD_BENCH_FRESH=1 rebuilds them.
 */
import { ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { configureLogging } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops } from "../src/runner/testing.ts";
import { loadInBatches, type MartsEnv, models } from "./_marts_env.ts";

const PREFIX = "db30_";
const RATE = Number(Deno.env.get("DASHBOARD_BENCH_RATE") ?? "10");
const DIR = join(PROJECT_ROOT, "out", "dashboard-bench");
const loadavg = async () => (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");

async function run(args: string[], env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) throw new Error(`${args.join(" ")}: ${dec.decode(out.stderr).slice(-3000)}`);
  return dec.decode(out.stdout);
}

Deno.test({
  name: "dashboard bench: every page's server time on 30 days of marts",
  ignore: Deno.env.get("DASHBOARD_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env: MartsEnv = {
      prefix: PREFIX,
      chPath: join(DIR, "chdb"),
      database: "db30_marts",
      targetDir: join(DIR, "target"),
    };
    const exportsDir = join(DIR, "exports");
    const chEnv = { CLICKHOUSE_URL: `chdb://${env.chPath}`, CLICKHOUSE_DATABASE: env.database, LOG_FORMAT: "json" };
    const have = await Deno.stat(join(DIR, "built.json")).then(() => true, () => false);
    if (!have || Deno.env.get("DASHBOARD_BENCH_FRESH") === "1") {
      await Deno.remove(DIR, { recursive: true }).catch(() => {});
      await Deno.mkdir(env.targetDir, { recursive: true });
      const sql = createPostgres(config().postgres);
      try {
        let t = performance.now();
        const drops = await generateDrops("2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z", RATE, 7, 0.01);
        console.log(
          `generated 30 days at rate ${RATE}: ${drops.files.length} files in ${
            Math.round(performance.now() - t) / 1000
          } s (load ${await loadavg()})`,
        );
        await createPrivateWarehouse(sql, PREFIX);
        t = performance.now();
        await loadInBatches(sql, PREFIX, drops, drops.files, 1440, new Set());
        console.log(`loaded in daily batches in ${Math.round(performance.now() - t) / 1000} s`);
        t = performance.now();
        const build = await models(env, ["build"]);
        assert(build.code === 0, build.stderr.slice(-3000));
        console.log(`models build in ${Math.round(performance.now() - t) / 1000} s (load ${await loadavg()})`);
        await run(["tasks/export.ts", "--out", exportsDir, "--no-upload"], chEnv);
        await Deno.writeTextFile(join(DIR, "built.json"), JSON.stringify({ rate: RATE, files: drops.files.length }));
      } finally {
        await dropPrivateWarehouse(sql, PREFIX);
        await sql.end();
      }
    }
    for (
      const [label, args] of [
        ["export snapshot (exports mode)", ["--exports", exportsDir]],
        ["chDB folder read live (--source clickhouse)", ["--source", "clickhouse"]],
      ] as const
    ) {
      const out = await run(["tasks/dashboard.ts", "--bench", "--runs", "5", ...args], chEnv);
      const lines = out.trim().split("\n");
      const summary = JSON.parse(lines.at(-1)!);
      console.log(`\n${label}, load average ${summary.loadavg}:`);
      console.log("page                          first    cold median  cold max   cold CPU   warm median  (ms)");
      for (const l of lines.slice(0, -1)) {
        const p = JSON.parse(l);
        console.log(
          `${p.url.padEnd(28)} ${String(p.first_ms).padStart(7)} ${String(p.cold_median_ms).padStart(12)} ${
            String(p.cold_max_ms).padStart(10)
          } ${String(p.cold_cpu_median_ms).padStart(10)} ${
            String(p.warm_median_ms).padStart(12)
          }   ${p.status} ${p.bytes} bytes`,
        );
        assert(p.status === 200, `${p.url}: HTTP ${p.status}`);
      }
    }
  },
});
