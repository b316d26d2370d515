/**
 * The marts built the way production builds them, one-minute batch after one-minute batch, equal a full refresh.
 * A day and a half of faulty data (invalid lines, duplicates, events held back up to three hours: late events that
 * cross midnight) is loaded into a private warehouse (schemas `rt_minc_<pid>_<random>_`, so that two runs at once do
 * not collide; dropped at the end) in two big batches and built; then 30
 * one-minute files from 23:45 to 00:15 are loaded one at a time, each followed by `deno task models build`
 * (the star schema incrementally on PostgreSQL, the day-partitioned marts by the days the batch touches, the local
 * copies of the facts, `int_view_events` and `int_action_events`, by the minutes it touches). After
 * increments 10, 20 and 30, every mart's row count and checksum must equal those of a `--full-refresh` of the marts
 * on the same data; `is_final` of a day never goes back from true to false; and at the end the marts still equal
 * the generator's ledgers (the same checks as the acceptance test).
 * Needs PostgreSQL and the chdb npm package.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { configureLogging } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops, loadBatch } from "../src/runner/testing.ts";
import { chRows, dayLedger, entityLedger, type MartsEnv, models, tempMartsEnv } from "./_marts_env.ts";
import { LEDGER_CHECKS } from "./_marts_checks.ts";

const PREFIX = `rt_minc_${Deno.pid}_${crypto.randomUUID().slice(0, 8)}_`;
const DAYS = ["2026-11-20", "2026-11-21"];

/** Row count and an order-independent checksum (NULLs included) of every mart and base table of the database. */
async function fingerprints(env: MartsEnv): Promise<Record<string, string>> {
  const [tables] = await chRows(env, [
    `select name from system.tables where database = '${env.database}' and (name like 'mart\\_%' or ` +
    `name like 'int\\_%') and name not like '%\\_\\_%' and engine like '%MergeTree' order by name`,
  ]);
  const names = tables!.map((t) => t.name as string);
  const sums = await chRows(
    env,
    names.map((n) => `select toString(count()) as n, toString(sum(cityHash64(toString(tuple(*))))) as h from ${n}`),
  );
  return Object.fromEntries(names.map((n, i) => [n, `${sums[i]![0]!.n}:${sums[i]![0]!.h}`]));
}

Deno.test({
  name: "marts built after each of 30 one-minute batches across midnight equal a full refresh, and the ledger",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env = await tempMartsEnv(PREFIX, `${PREFIX}marts`, "marts-inc");
    const sql = createPostgres(config().postgres);
    try {
      const drops = await generateDrops(`${DAYS[0]}T00:00:00Z`, "2026-11-22T00:00:00Z", 12, 5, 0.08);
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      const steps = drops.files.map((f, i) => [f, i] as const).filter(([f]) =>
        f >= "events/date=2026-11-20/hour=23/events_2026-11-20T23-45" &&
        f < "events/date=2026-11-21/hour=00/events_2026-11-21T00-15"
      ).map(([, i]) => i);
      assertEquals(steps.length, 30);
      const first = steps[0]!, last = steps.at(-1)!;
      // Everything before the steps in two batches, and everything after the steps too: the steps are the newest
      // batches, yet the late events they carry fall on both sides of midnight.
      await loadBatch(sql, PREFIX, drops, drops.files.slice(0, 600), seen);
      await loadBatch(sql, PREFIX, drops, drops.files.slice(600, first), seen);
      const build = async () => {
        const r = await models(env, ["build"]);
        assertEquals(r.code, 0, r.stderr.slice(-3000));
        return r;
      };
      await build();

      const finality = new Map<string, boolean>();
      const checkFinality = async () => {
        const [rows] = await chRows(env, ["select toString(day) as day, is_final from mart_platform_daily"]);
        for (const r of rows!) {
          const was = finality.get(r.day as string);
          assert(!(was === true && r.is_final === false), `is_final of ${r.day} went back to false`);
          finality.set(r.day as string, r.is_final as boolean);
        }
      };

      let lateAcrossMidnight = 0;
      for (const [n, i] of steps.entries()) {
        await loadBatch(sql, PREFIX, drops, [drops.files[i]!], seen);
        const r = await build();
        const marts = r.results.filter((x) => x.name.startsWith("int_") && x.mode === "incremental");
        const span = (x: (typeof marts)[number]) =>
          x.window?.end ? Date.parse(x.window.end) - Date.parse(x.window.start) : 0;
        if (marts.some((x) => span(x) > 86_400_000)) lateAcrossMidnight++;
        await checkFinality();
        if ((n + 1) % 10 === 0) {
          const incremental = await fingerprints(env);
          const full = await models(env, ["build", "-s", "path:marts", "--full-refresh"]);
          assertEquals(full.code, 0, full.stderr.slice(-3000));
          assertEquals(incremental, await fingerprints(env), `after increment ${n + 1}`);
        }
      }
      assert(lateAcrossMidnight > 0, "some one-minute batch touched two days (a late event across midnight)");
      assert(finality.get(DAYS[0]!) === false, "the first day is provisional minutes after its midnight");

      // The rest of the second day, then the marts equal the ledger of both days.
      await loadBatch(sql, PREFIX, drops, drops.files.slice(last + 1), seen);
      await build();
      await checkFinality();
      assertEquals([...finality.values()], [true, false], "the first day became final, the second not");
      const days = DAYS.map((d) => dayLedger(drops, d));
      const entities = await Promise.all(DAYS.map((d) => entityLedger(drops, d)));
      for (const [name, check] of Object.entries(LEDGER_CHECKS)) {
        if (name.startsWith("mart_publication_spread")) continue; // no publication reaches 1000 views at this rate
        await check({ env, sql, dates: DAYS, days, entities });
      }
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(env.chPath, { recursive: true });
      await Deno.remove(env.targetDir, { recursive: true });
    }
  },
});
