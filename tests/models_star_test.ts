/**
 * The star schema's handling of replayed entities and of user versions, on the real project's models, built by
 * `deno task models` against private PostgreSQL schemas (prefix `rt_star_`) filled with two generated hours:
 *
 * - a replay (the same entity landed again under a new event_id) no longer stalls the build: staging keeps the
 *   first occurrence (by occurred_at, then event_id), a warn-level test counts the conflict, the build succeeds,
 *   and the incremental result equals a full refresh;
 * - type 7 users: each fact's `*_user_version_key` joins to exactly one dim_user row per fact row, and (with no late
 *   events) that version is the one whose validity interval holds the event time, checked by the SCD2 range join.
 *
 * Needs PostgreSQL.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import {
  createPrivateWarehouse,
  dropPrivateWarehouse,
  generateDrops,
  loadBatch,
  tableFingerprints,
} from "../src/runner/testing.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import { replayedEntities } from "../src/pipeline/report.ts";
import { loadProject } from "../src/runner/project.ts";

const PREFIX = "rt_star_";
const project = await loadProject(PROJECT_ROOT);
/** Facts that two generated hours always fill: their version keys must not all be -1. */
const BIG = ["fact_view", "fact_reaction", "fact_comment", "fact_publication", "fact_share"];

interface Run {
  code: number;
  summary: Record<string, unknown>;
  results: NodeResult[];
  stderr: string;
}

async function models(target: string, args: string[]): Promise<Run> {
  await Deno.remove(join(target, "run_results.json")).catch(() => {});
  const out = await new Deno.Command(Deno.execPath(), {
    // The star schema only (the marts need ClickHouse); a ClickHouse that cannot open makes any slip loud.
    args: [
      "run",
      "-A",
      "tasks/models.ts",
      ...args,
      "--select",
      "engine:postgres",
      "--schema-prefix",
      PREFIX,
      "--target-dir",
      target,
    ],
    cwd: PROJECT_ROOT,
    env: { LOG_FORMAT: "json", CLICKHOUSE_URL: "chdb:///proc/no-chdb-here" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  let results: NodeResult[] = [];
  try {
    results = JSON.parse(await Deno.readTextFile(join(target, "run_results.json"))).results;
  } catch { /* no results written */ }
  return {
    code: out.code,
    summary: JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!),
    results,
    stderr: dec.decode(out.stderr),
  };
}

/** Land copies of events as a new loaded batch, each under a new event_id and at the given time. */
async function landReplays(sql: Sql, replays: { of: string; eventId: string; occurredAt: string }[]): Promise<void> {
  const [b] = await sql.unsafe<{ batch_id: string }[]>(
    `insert into ${PREFIX}etl.batches (status, files) values ('claimed', 1) returning batch_id`,
  );
  for (const r of replays) {
    await sql.unsafe(
      `insert into ${PREFIX}landing.events
         (event_id, event_type, schema_version, occurred_at, actor_user_id, payload, batch_id, file_key, line_no,
          file_minute, is_late)
       select $1::uuid, event_type, schema_version, $2::timestamptz, actor_user_id, payload, $3, 'replay.jsonl', 1,
         date_trunc('minute', $2::timestamptz), false
       from ${PREFIX}landing.events where event_id = $4::uuid`,
      [r.eventId, r.occurredAt, b!.batch_id, r.of],
    );
  }
  await sql.unsafe(
    `insert into ${PREFIX}etl.batch_days (batch_id, day, events, late)
     select batch_id, (occurred_at at time zone 'UTC')::date, count(*), 0 from ${PREFIX}landing.events
     where batch_id = $1 group by 1, 2`,
    [b!.batch_id],
  );
  await sql.unsafe(
    `update ${PREFIX}etl.batches set status = 'loaded', loaded_at = now(), loaded = $2 where batch_id = $1`,
    [b!.batch_id, replays.length],
  );
}

const warnOf = (r: Run) =>
  r.results.flatMap((n) => n.tests).find((t) => t.name === "unique_stg_entity_occurrences_entity_id");

Deno.test({
  name: "replayed entities: first occurrence wins, a warning counts them, the build goes on; type 7 user versions",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const sql = createPostgres(config().postgres);
    const target = await Deno.makeTempDir({ prefix: "models_star_" });
    try {
      await createPrivateWarehouse(sql, PREFIX);
      // No injected faults: no late events, so every version is the one current at its event (checked below).
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-20T02:00:00Z", 200, 11, 0);
      const seen = new Set<string>();
      for (let i = 0; i < drops.files.length; i += 30) {
        await loadBatch(sql, PREFIX, drops, drops.files.slice(i, i + 30), seen);
      }
      const first = await models(target, ["build"]);
      assertEquals([first.code, first.summary.tests_failed, warnOf(first)?.status], [0, 0, "pass"], first.stderr);

      // Two shares with at least a minute of room after them, and their landing rows.
      const shares = await sql.unsafe<{ event_id: string; occurred_at: Date; share_id: string }[]>(
        `select event_id::text, occurred_at, payload ->> 'share_id' as share_id from ${PREFIX}landing.events
         where event_type = 'share.created' and occurred_at < '2026-11-20T01:50:00Z' order by occurred_at limit 2`,
      );
      assertEquals(shares.length, 2);
      const a = shares[0]!;
      const b = shares[1]!;
      const shareRows = async (shareId: string) =>
        await sql.unsafe<{ n: string; at: Date }[]>(
          `select count(*) as n, min(occurred_at) as at from ${PREFIX}core.fact_share where share_id = $1::uuid`,
          [shareId],
        );

      await t.step("a replay one minute later: the build succeeds, the first stays, one warning", async () => {
        const replayId = crypto.randomUUID();
        await landReplays(sql, [{
          of: a.event_id,
          eventId: replayId,
          occurredAt: new Date(a.occurred_at.getTime() + 60_000).toISOString(),
        }]);
        const r = await models(target, ["build"]);
        assertEquals([r.code, r.summary.failed, r.summary.errors, r.summary.tests_failed], [0, 0, 0, 0], r.stderr);
        assertEquals([warnOf(r)?.status, warnOf(r)?.severity, warnOf(r)?.failures], ["warn", "warn", 1]);
        const [row] = await shareRows(a.share_id);
        assertEquals([Number(row!.n), row!.at.toISOString()], [1, a.occurred_at.toISOString()]);
        const staged = await sql.unsafe<{ event_id: string }[]>(
          `select event_id::text from ${PREFIX}staging.stg_shares where share_id = $1::uuid`,
          [a.share_id],
        );
        assertEquals(staged.map((s) => s.event_id), [a.event_id]);
        const [replayed] = await sql.unsafe<{ event_id: string; winner: string }[]>(
          `select event_id::text, winner_event_id::text as winner from ${PREFIX}staging.stg_replayed_events`,
        );
        assertEquals([replayed?.event_id, replayed?.winner], [replayId, a.event_id]);
        // What `deno task etl:report` prints under "Replayed entities".
        assertEquals(await replayedEntities(sql, `${PREFIX}staging`), [{ event_type: "share.created", replays: 1 }]);
      });

      await t.step("a replay at the same instant with a smaller event_id wins the tie, deterministically", async () => {
        // The smallest possible uuid sorts before the original's event_id.
        const replayId = "00000000-0000-4000-8000-000000000000";
        await landReplays(sql, [{ of: b.event_id, eventId: replayId, occurredAt: b.occurred_at.toISOString() }]);
        const r = await models(target, ["build"]);
        assertEquals([r.code, r.summary.tests_failed, warnOf(r)?.failures], [0, 0, 1], r.stderr);
        const staged = await sql.unsafe<{ event_id: string }[]>(
          `select event_id::text from ${PREFIX}staging.stg_shares where share_id = $1::uuid`,
          [b.share_id],
        );
        assertEquals(staged.map((s) => s.event_id), [replayId]);
        const [row] = await shareRows(b.share_id);
        assertEquals(Number(row!.n), 1);
      });

      await t.step("the incremental warehouse equals a full refresh", async () => {
        const incremental = await tableFingerprints(sql, `${PREFIX}core`);
        const r = await models(target, ["build", "--full-refresh"]);
        assertEquals([r.code, r.summary.tests_failed, warnOf(r)?.failures], [0, 0, 2], r.stderr);
        assertEquals(await tableFingerprints(sql, `${PREFIX}core`), incremental);
      });

      await t.step(
        "every fact's user version key joins to exactly one dim_user row, current at the event",
        async () => {
          const columns = await sql.unsafe<{ table_name: string; column_name: string }[]>(
            `select table_name, column_name from information_schema.columns
           where table_schema = '${PREFIX}core' and table_name like 'fact\\_%'
             and column_name like '%user\\_version\\_key' order by 1`,
          );
          // Every fact table has one (tests/models_contract_test.ts checks the headers the same way).
          const facts = await sql.unsafe<{ name: string }[]>(
            `select table_name as name from information_schema.tables
             where table_schema = '${PREFIX}core' and table_name like 'fact\\_%' order by 1`,
          );
          assert(facts.length >= 15, `only ${facts.length} fact tables`);
          assertEquals(facts.filter((f) => !columns.some((c) => c.table_name === f.name)).map((f) => f.name), []);
          const filled: string[] = [];
          for (const { table_name: fact, column_name: version } of columns) {
            const durable = version.replace(/_version_key$/, "_key");
            // The event time is the fact's time column (ended_at for sessions).
            const at = project.nodes.get(fact)?.config.time_column ?? "occurred_at";
            const f = `${PREFIX}core.${fact}`;
            const d = `${PREFIX}core.dim_user`;
            const [c] = await sql.unsafe<{ facts: string; joined: string; unknown: string; wrong: string }[]>(
              `select
               (select count(*) from ${f}) as facts,
               (select count(*) from ${f} as f join ${d} as d on d.user_version_key = f.${version}) as joined,
               (select count(*) from ${f} where ${version} = -1) as unknown,
               -- the version that the SCD2 validity intervals say was current at the event
               (select count(*) from ${f} as f left join ${d} as d on d.user_key = f.${durable} and d.user_key <> -1
                  and f.${at} >= d.valid_from and (f.${at} < d.valid_to or d.valid_to is null)
                where coalesce(d.user_version_key, -1) <> f.${version}) as wrong`,
            );
            if (Number(c!.facts) > 0) filled.push(fact);
            assertEquals(
              { fact, joined: Number(c!.joined), wrong: Number(c!.wrong) },
              { fact, joined: Number(c!.facts), wrong: 0 },
            );
            if (BIG.includes(fact)) assert(Number(c!.unknown) < Number(c!.facts), `${fact}: every version is -1`);
          }
          for (const big of BIG) {
            assert(filled.includes(big), `${big} is empty`);
          }
        },
      );
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(target, { recursive: true });
    }
  },
});
