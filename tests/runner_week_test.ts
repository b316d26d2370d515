/**
 * A simulated week built the way production runs it: loads and `models build` interleaved, then compared with a
 * `--full-refresh` of the same data. On real PostgreSQL, in private schemas (prefix `rt_week_`).
 *
 * Exactly what runs (a week at one-minute steps would be about 10,000 builds, too many for a test):
 *
 * - the generator simulates 7 days (2026-11-20 .. 2026-11-27) of one world at 8 events a minute with 10% of
 *   injected faults (invalid lines, duplicates, and events held back 1 to 180 minutes: late events);
 * - the runner's test loader (src/runner/testing.ts: the event contract, duplicates by event_id, etl.batches and
 *   etl.batch_days as the pipeline writes them) loads the week in 12-hour batches, each followed by a build;
 * - except around the first midnight whose first quarter hour carries late events of the day before: from 23:55
 *   to 00:15 every minute file is its own batch followed by a build (20 one-minute steps crossing midnight);
 * - during one of those builds, right after the staging table of user changes is built, the next minute's batch
 *   lands (a hook), so the dimension built later in that run must leave it for the next build;
 * - at the end, every staging and core table equals its `--full-refresh` rebuild (row count and checksum), and
 *   the facts hold as many rows as the generator's ledger has valid events.
 *
 * Needs PostgreSQL (`deno task stack:up --only postgres`).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import type { EventType } from "../src/events/mod.ts";
import { run, type RunnerArgs, type RunnerDeps } from "../src/runner/mod.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import {
  createPrivateWarehouse,
  dropPrivateWarehouse,
  generateDrops,
  ledgerByType,
  loadBatch,
  tableFingerprints,
} from "../src/runner/testing.ts";

const cfg = config();
const PREFIX = "rt_week_";

function deps(sql: Sql, over: Partial<RunnerDeps> = {}): RunnerDeps {
  return {
    root: PROJECT_ROOT,
    sql,
    clickhouse: () => Promise.reject(new Error("this test opens no ClickHouse")),
    log: logger("models-week"),
    print: () => {},
    targets: { schemaPrefix: PREFIX, clickhouseDatabase: cfg.clickhouse.database, pg: { collection: "unused" } },
    ...over,
  };
}

function args(targetDir: string, over: Partial<RunnerArgs> = {}): RunnerArgs {
  return {
    command: "build",
    selectors: ["engine:postgres"], // the star schema (ClickHouse marts have their own tests)
    exclude: [],
    fullRefresh: false,
    vars: {},
    targetDir,
    docsDir: join(targetDir, "docs"),
    ...over,
  };
}

/** The minute of a drop file, from its name. */
function minuteOf(file: string): number {
  const m = /events_(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-00Z\.jsonl$/.exec(file)!;
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:00Z`);
}

/** Whether a file holds an event that occurred before `before` (a late event of the previous day). */
function holdsEventBefore(text: string, before: number): boolean {
  for (const m of text.matchAll(/"occurred_at":"([^"]+)"/g)) if (Date.parse(m[1]!) < before) return true;
  return false;
}

Deno.test({
  name: "a week of faulty data built in steps (12-hour batches, one-minute steps across midnight, a batch landing " +
    "mid-build) equals a --full-refresh",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "runner_week_" });
    try {
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z", 8, 21, 0.1);
      const text = (f: string) => new TextDecoder().decode(drops.store.objects.get(f)!);
      const DAY = 86_400_000, MINUTE = 60_000;
      // The first midnight whose first 15 minute files carry late events of the day before.
      const midnight = [1, 2, 3, 4, 5, 6].map((d) => Date.parse("2026-11-20T00:00:00Z") + d * DAY).find((m) =>
        drops.files.some((f) => minuteOf(f) >= m && minuteOf(f) < m + 15 * MINUTE && holdsEventBefore(text(f), m))
      );
      assert(midnight !== undefined, "some midnight should have late events of the day before in its first minutes");

      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      const build = async (over: Partial<RunnerDeps> = {}) => {
        const s = await run(deps(sql, over), args(target));
        assertEquals([s.errors, s.failed, s.tests_failed], [0, 0, 0]);
      };
      // Steps: 12-hour batches, except one batch per minute from 23:55 to 00:15 around the chosen midnight.
      const steps: string[][] = [];
      let bulk: string[] = [];
      for (const f of drops.files) {
        const m = minuteOf(f);
        if (m >= midnight - 5 * MINUTE && m < midnight + 15 * MINUTE) {
          if (bulk.length) steps.push(bulk);
          bulk = [];
          steps.push([f]);
          continue;
        }
        bulk.push(f);
        if ((m + MINUTE) % (12 * 60 * MINUTE) === 0) {
          steps.push(bulk);
          bulk = [];
        }
      }
      if (bulk.length) steps.push(bulk);
      const midBuild = steps.findIndex((s) => minuteOf(s[0]!) === midnight + 5 * MINUTE);
      let lateAcrossMidnight = 0;
      for (let i = 0; i < steps.length; i++) {
        if (i === midBuild + 1) continue; // it landed during the previous build
        await loadBatch(sql, PREFIX, drops, steps[i]!, seen);
        if (i !== midBuild) {
          await build();
          continue;
        }
        let landed = false;
        await build({
          afterNode: async (r: NodeResult) => {
            if (r.name !== "stg_user_changes") return;
            await loadBatch(sql, PREFIX, drops, steps[i + 1]!, seen);
            landed = true;
          },
        });
        assert(landed, "the next minute's batch should land during the build");
      }
      const [late] = await sql.unsafe<{ n: string }[]>(
        `select count(*) as n from ${PREFIX}landing.events
         where is_late and occurred_at < $1 and file_minute >= $1 and file_minute < $2`,
        [new Date(midnight), new Date(midnight + 15 * MINUTE)],
      );
      lateAcrossMidnight = Number(late!.n);
      assert(lateAcrossMidnight > 0, "late events of the day before should land after midnight");

      const fingerprints = async () => ({
        ...await tableFingerprints(sql, `${PREFIX}staging`),
        ...await tableFingerprints(sql, `${PREFIX}core`),
      });
      const stepped = await fingerprints();
      const ledger = ledgerByType(drops, drops.files);
      const sum = (types: EventType[]) => types.reduce((a, t) => a + (ledger[t] ?? 0), 0);
      const count = async (table: string) =>
        Number((await sql.unsafe<{ n: string }[]>(`select count(*) as n from ${PREFIX}core.${table}`))[0]!.n);
      assertEquals(await count("fact_view"), sum(["publication.viewed"]));
      assertEquals(await count("fact_comment"), sum(["comment.created", "reply.created"]));
      assertEquals(await count("fact_reaction"), sum(["reaction.added"]));

      const s = await run(deps(sql), args(target, { fullRefresh: true }));
      assertEquals([s.errors, s.failed, s.tests_failed], [0, 0, 0]);
      const full = await fingerprints();
      assert(Object.keys(full).length >= 30, Object.keys(full).join());
      assertEquals(stepped, full);
      console.log(
        `${steps.length} steps (${steps.length - 1} builds), ${seen.size} events, midnight ` +
          `${new Date(midnight).toISOString()} with ${lateAcrossMidnight} late event(s) of the day before`,
      );
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(target, { recursive: true });
    }
  },
});
