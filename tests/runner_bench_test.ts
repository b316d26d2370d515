/**
 * Benchmark of the model runner (prints figures, asserts no times): a full `models build` over one simulated day
 * at the generator's default rate (1000 events a minute), then an incremental build after one more minute of
 * data. Targets: the full day under 60 s, the one-minute increment under 5 s. Runs only with RUNNER_BENCH=1
 * (`deno task models:bench`), in private schemas (prefix `rb_`); it takes several minutes, mostly to generate
 * and load the day.
 */
import { ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import { runModels } from "../src/runner/mod.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";

const PREFIX = "rb_";

Deno.test({
  name: "bench: a full build of one simulated day, then a one-minute increment",
  ignore: Deno.env.get("RUNNER_BENCH") !== "1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cfg = config();
    const sql = createPostgres(cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "runner_bench_" });
    const deps = {
      root: PROJECT_ROOT,
      sql,
      clickhouse: () => Promise.reject(new Error("the star schema needs no ClickHouse")),
      log: logger("models-bench"),
      print: () => {},
      targets: {
        schemaPrefix: PREFIX,
        clickhouseDatabase: cfg.clickhouse.database,
        pg: { address: cfg.clickhouse.pgAddress, database: cfg.postgres.database, user: "", password: "" },
      },
    };
    const args = {
      command: "build" as const,
      selectors: [],
      exclude: [],
      fullRefresh: false,
      vars: {},
      targetDir: target,
      docsDir: join(target, "docs"),
    };
    try {
      // Faults off: the benchmark measures the runner, not the pipeline's quarantine.
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-21T00:01:00Z", 1000, 7, 0);
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      const day = drops.files.slice(0, 1440);
      let events = 0;
      for (let i = 0; i < day.length; i += 60) {
        events += (await loadBatch(sql, PREFIX, drops, day.slice(i, i + 60), seen)).loaded;
      }
      let t = performance.now();
      const full = await runModels(deps, args);
      const fullMs = performance.now() - t;
      const minute = (await loadBatch(sql, PREFIX, drops, drops.files.slice(1440), seen)).loaded;
      t = performance.now();
      const inc = await runModels(deps, args);
      const incMs = performance.now() - t;
      assert(full.failed === 0 && inc.failed === 0 && full.errors === 0 && inc.errors === 0);
      console.log(
        `full build of one day (${events} events, ${full.rows} rows, ${full.tests_passed} tests): ` +
          `${(fullMs / 1000).toFixed(1)} s (target < 60 s)`,
      );
      console.log(
        `incremental build after one minute (${minute} events, ${inc.rows} rows): ${(incMs / 1000).toFixed(1)} s ` +
          `(target < 5 s)`,
      );
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(target, { recursive: true });
    }
  },
});
