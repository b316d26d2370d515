/**
 * The whole project builds on a fresh, tiny warehouse: the first six generated minutes of a new world (no ad
 * campaign yet, no friendship accepted, the graph's result tables still empty) are loaded into a private warehouse
 * (schemas `rt_mfresh_`) and `deno task models build` runs every node, the ClickHouse marts included, on a private
 * chDB folder. This is what the pipeline DAG does on the first minute of `deno task start`.
 *
 * It failed before mart_ads_daily read its campaigns through int_campaign: ClickHouse's postgresql() refuses to read
 * the structure of a table with an undimensioned array column (dim_campaign.target_topics) while it is empty.
 * Needs PostgreSQL and the chdb npm package.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { readMartDocs } from "../src/export/metrics_doc.ts";
import { configureLogging } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { chRows, models, tempMartsEnv } from "./_marts_env.ts";

const PREFIX = "rt_mfresh_";

Deno.test({
  name: "every model, the marts included, builds on the first six minutes of a fresh world",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env = await tempMartsEnv(PREFIX, "rt_mfresh_marts", "marts-fresh");
    const sql = createPostgres(config().postgres);
    try {
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-20T00:06:00Z", 1000, 1);
      await createPrivateWarehouse(sql, PREFIX);
      await loadBatch(sql, PREFIX, drops, drops.files, new Set());
      const [campaigns] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${PREFIX}landing.events
        where event_type = 'campaign.created'`);
      assertEquals(campaigns!.n, 0, "a fresh world has no campaign in its first minutes");

      const build = await models(env, ["build"]);
      assertEquals(build.code, 0, build.stderr.slice(-3000));
      assertEquals(build.results.filter((r) => r.status !== "success").map((r) => r.name), []);

      const marts = (await readMartDocs(PROJECT_ROOT)).map((m) => m.name).sort();
      const [tables] = await chRows(env, [
        `select name from system.tables where database = '${env.database}' and name like 'mart\\_%' ` +
        `and name not like '%\\_\\_%' order by name`,
      ]);
      assertEquals(tables!.map((t) => t.name), marts, "every mart exists");
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(env.chPath, { recursive: true });
      await Deno.remove(env.targetDir, { recursive: true });
    }
  },
});
