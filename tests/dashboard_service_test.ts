/**
 * The dashboard as `deno task start` runs it (src/dashboard/service.ts): started detached with a pid file in a
 * private DEV_DIR, answering at the URL it returns; a second start finds it running and returns the same URL; stop
 * ends it and removes the pid file. With chDB it serves the export snapshot (here: an empty exports folder, so the
 * marts pages say that no export exists yet, with a 503) and never opens the warehouse's chDB folder, which the test
 * proves by holding that folder itself, in a separate process, while the dashboard runs. Needs PostgreSQL and chdb.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { configureLogging, logger } from "../src/log.ts";
import { startDashboardService, stopDashboardService } from "../src/dashboard/service.ts";
import { chdbQueries } from "./_chdb.ts";

Deno.test({
  name: "deno task start's dashboard: started detached, found running again, stopped, beside a held chDB folder",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "ERROR", format: "json" });
    const devDir = await Deno.makeTempDir({ prefix: "sp-dashboard-service-" });
    const exportsDir = join(devDir, "exports");
    const warehouse = join(devDir, "warehouse-chdb");
    await Deno.mkdir(exportsDir);
    const cfg = { ...config(), devDir };
    const log = logger("test-dashboard-service");
    const command = [
      Deno.execPath(),
      "run",
      "-A",
      join(PROJECT_ROOT, "tasks", "dashboard.ts"),
      "--exports",
      exportsDir,
    ];
    // The child inherits this environment: the warehouse is a chDB folder of the test's.
    Deno.env.set("CLICKHOUSE_URL", `chdb://${warehouse}`);
    let pid: number | null = null;
    try {
      const started = await startDashboardService(cfg, log, command, 18090);
      assert(/^http:\/\/127\.0\.0\.1:\d+\/$/.test(started.url), started.url);
      pid = Number(await Deno.readTextFile(join(devDir, "run", "dashboard.pid")));
      assert(pid > 0);

      const health = await (await fetch(new URL("/healthz", started.url))).json();
      assertEquals(health, { ok: true, snapshot: null });
      const overview = await fetch(started.url);
      const html = await overview.text();
      assertEquals(overview.status, 503);
      assert(html.includes("No export snapshot under"), html.slice(0, 500));

      // The warehouse's chDB folder is free while the dashboard runs: another process opens it.
      const [[row]] = await chdbQueries(warehouse, "default", ["select 1 as one"]) as [[{ one: number }]];
      assertEquals(Number(row.one), 1);

      const again = await startDashboardService(cfg, log, command, 18090);
      assertEquals(again.url, started.url);
      assertEquals(Number(await Deno.readTextFile(join(devDir, "run", "dashboard.pid"))), pid);

      assertEquals(await stopDashboardService(cfg, log), true);
      const gone = await Deno.stat(`/proc/${pid}`).then(() => false, () => true);
      assert(gone, `process ${pid} ended`);
      pid = null;
      assertEquals(await Deno.stat(join(devDir, "run", "dashboard.pid")).then(() => true, () => false), false);
      assertEquals(await stopDashboardService(cfg, log), false, "a second stop finds nothing running");
    } finally {
      if (pid !== null) await stopDashboardService(cfg, log);
      Deno.env.delete("CLICKHOUSE_URL");
      await Deno.remove(devDir, { recursive: true });
    }
  },
});
