/**
 * `is_final` of mart_platform_daily follows the pipeline's late window from the configuration
 * (PIPELINE_LATE_WINDOW_HOURS), and `--vars late_window_hours=N` overrides it. Five hours across a midnight are
 * loaded into a private warehouse (`rt_late_`) and `deno task models` builds mart_platform_daily and what it reads
 * on a private chDB folder. The first day is final exactly when its end plus the window is at or before the newest
 * loaded action, which the test reads from the landed events itself.
 * Needs PostgreSQL and the chdb npm package.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { chdbQueries } from "./_chdb.ts";

const PREFIX = "rt_late_";
const DATABASE = "rt_late_marts";

/** `deno task models <args>` in a child process with PIPELINE_LATE_WINDOW_HOURS set; fails on a non-zero exit. */
async function models(chPath: string, target: string, windowHours: number, args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/models.ts", ...args, "--schema-prefix", PREFIX, "--target-dir", target],
    cwd: PROJECT_ROOT,
    env: {
      CLICKHOUSE_URL: `chdb://${chPath}`,
      CLICKHOUSE_DATABASE: DATABASE,
      LOG_FORMAT: "json",
      PIPELINE_LATE_WINDOW_HOURS: String(windowHours),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr).slice(-3000));
}

Deno.test({
  name: "is_final moves with PIPELINE_LATE_WINDOW_HOURS, and --vars late_window_hours overrides it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(config().postgres);
    const chPath = await Deno.makeTempDir({ prefix: "sp-late-ch-" });
    const target = await Deno.makeTempDir({ prefix: "sp-late-target-" });
    try {
      const drops = await generateDrops("2026-11-20T21:00:00Z", "2026-11-21T02:00:00Z", 20, 3);
      await createPrivateWarehouse(sql, PREFIX);
      await loadBatch(sql, PREFIX, drops, drops.files, new Set());
      const [row] = await sql.unsafe<{ newest: Date }[]>(
        `select max(occurred_at) as newest from ${PREFIX}landing.events where actor_user_id is not null`,
      );
      const newest = row!.newest.getTime();
      const dayEnd = Date.parse("2026-11-21T00:00:00Z");
      // The newest action lies between 01:00 and 02:00 of the second day: final with a 1-hour window, not with 2 or 3.
      assert(newest >= dayEnd + 3_600_000 && newest < dayEnd + 2 * 3_600_000, new Date(newest).toISOString());
      const isFinal = async () => {
        const [rows] = await chdbQueries(chPath, DATABASE, [
          "select toString(day) as day, is_final from mart_platform_daily order by day",
        ]);
        return rows!.map((r) => [r.day, r.is_final]);
      };
      const expected = (hours: number) => [
        ["2026-11-20", dayEnd + hours * 3_600_000 <= newest],
        ["2026-11-21", false],
      ];

      await models(chPath, target, 3, ["build", "-s", "+mart_platform_daily"]);
      assertEquals(await isFinal(), expected(3));
      assertEquals(expected(3)[0]![1], false);
      await models(chPath, target, 1, ["build", "-s", "mart_platform_daily", "--full-refresh"]);
      assertEquals(await isFinal(), expected(1));
      assertEquals(expected(1)[0]![1], true);
      await models(chPath, target, 1, [
        "build",
        "-s",
        "mart_platform_daily",
        "--full-refresh",
        "--vars",
        "late_window_hours=2",
      ]);
      assertEquals(await isFinal(), expected(2));
      assertEquals(expected(2)[0]![1], false);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(chPath, { recursive: true });
      await Deno.remove(join(target), { recursive: true });
    }
  },
});
