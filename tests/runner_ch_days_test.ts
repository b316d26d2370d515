/**
 * A ClickHouse `partition` incremental fed by batches: an increment replaces exactly the day partitions that
 * `etl.batch_days` records for the new batches (a late event's old day included, an untouched day left as it is),
 * and the mart equals its `--full-refresh`. Real PostgreSQL (private schemas `rt_chd_`) and the real ClickHouse
 * engine (chDB in a private folder, driven through `deno task models` in a child process, one process per folder).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { chdbQueries, inChdbProcess } from "./_chdb.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import { createPrivateWarehouse, dropPrivateWarehouse } from "../src/runner/testing.ts";

const PREFIX = "rt_chd_";

const FILES: Record<string, string> = {
  "models/project.yml": `name: chdays
models:
  marts: { engine: clickhouse, materialized: table }
seeds: { schema: core }
sources:
  landing: { schema: landing, tables: { events: null } }
  etl: { schema: etl, tables: { batches: null, batch_days: null } }
increments:
  batches: { source: etl.batches, id: batch_id, loaded_when: "status = 'loaded'" }
  events: { source: landing.events, batch_id: batch_id, time: occurred_at }
  days: { source: etl.batch_days, batch_id: batch_id, day: day }
`,
  "models/marts/mart_type_day.sql": `/*
materialized: incremental
incremental_strategy: partition
order_by: (day, event_type)
partition_by: day
time_column: day
grain: one row per day and event type
*/
select toDate(assumeNotNull(occurred_at)) as day, assumeNotNull(event_type) as event_type, count() as events
from {{ source('landing', 'events') }}
where {{ in_range('occurred_at') }}
group by day, event_type
`,
};

/** Load a batch of synthetic events at the given instants, recording its days as the pipeline does. */
async function loadEvents(sql: Sql, instants: string[]): Promise<number> {
  const [b] = await sql.unsafe<{ id: string }[]>(
    `insert into ${PREFIX}etl.batches (status, files) values ('claimed', 1) returning batch_id as id`,
  );
  const id = Number(b!.id);
  await sql.unsafe(
    `insert into ${PREFIX}landing.events (event_id, event_type, schema_version, occurred_at, actor_user_id, payload,
       batch_id, file_key, line_no, file_minute, is_late)
     select gen_random_uuid(), 'publication.viewed', 1, t, null, '{}'::jsonb, $1, 'synthetic', n::int, t, false
     from unnest($2::timestamptz[]) with ordinality as x(t, n)`,
    [id, instants],
  );
  await sql.unsafe(
    `insert into ${PREFIX}etl.batch_days (batch_id, day, events, late)
     select batch_id, (occurred_at at time zone 'UTC')::date, count(*), 0 from ${PREFIX}landing.events
     where batch_id = $1 group by 1, 2`,
    [id],
  );
  await sql.unsafe(`update ${PREFIX}etl.batches set status = 'loaded' where batch_id = $1`, [id]);
  return id;
}

async function models(root: string, chPath: string, args: string[], code = 0): Promise<NodeResult[]> {
  const target = join(root, "target");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tasks/models.ts",
      ...args,
      "--project-dir",
      root,
      "--schema-prefix",
      PREFIX,
      "--target-dir",
      target,
    ],
    cwd: PROJECT_ROOT,
    env: { CLICKHOUSE_URL: `chdb://${chPath}`, CLICKHOUSE_DATABASE: "rt_chd_marts", LOG_FORMAT: "json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, code, new TextDecoder().decode(out.stderr));
  return JSON.parse(await Deno.readTextFile(join(target, "run_results.json"))).results;
}

/** Rows of a query on a chDB folder, read in a separate process. */
async function chdbRows(chPath: string, query: string): Promise<Record<string, string>[]> {
  const [rows] = await chdbQueries(chPath, "rt_chd_marts", [query]);
  return rows as Record<string, string>[];
}

Deno.test({
  name: "a ClickHouse partition incremental replaces exactly the days etl.batch_days records for the new batches",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "runner_chd_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-chd-" });
    const sql = createPostgres(config().postgres);
    try {
      for (const [path, text] of Object.entries(FILES)) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await createPrivateWarehouse(sql, PREFIX);
      const mart = "select toString(day) as day, events from rt_chd_marts.mart_type_day order by day";
      const parts = async () =>
        Object.fromEntries(
          (await chdbRows(
            chPath,
            "select partition_id as p, groupArray(name) as names from system.parts where database = 'rt_chd_marts' " +
              "and table = 'mart_type_day' and active group by p order by p",
          )).map((r) => [r.p, JSON.stringify(r.names)]),
        );

      const day = (d: number, hh: string) => `2026-11-${d}T${hh}:00:00Z`;
      await loadEvents(sql, [day(20, "10"), day(20, "11"), day(21, "09"), day(21, "23"), day(22, "08")]);
      const first = await models(root, chPath, ["build"]);
      assertEquals(first.map((r) => [r.name, r.mode]), [["mart_type_day", "full"]]);
      const before = await parts();
      assertEquals(Object.keys(before), ["20261120", "20261121", "20261122"]);

      // A batch with the current day's events and one late event of the 20th: the 21st is not touched.
      await loadEvents(sql, [day(22, "09"), day(22, "10"), day(20, "23")]);
      const inc = (await models(root, chPath, ["build"]))[0]!;
      assertEquals([inc.mode, inc.window], ["incremental", {
        start: "2026-11-20T00:00:00.000Z",
        end: "2026-11-23T00:00:00.000Z",
        ranges: [
          { start: "2026-11-20T00:00:00.000Z", end: "2026-11-21T00:00:00.000Z" },
          { start: "2026-11-22T00:00:00.000Z", end: "2026-11-23T00:00:00.000Z" },
        ],
      }]);
      const after = await parts();
      assertEquals(after["20261121"], before["20261121"], "the untouched day's partition is the same part");
      assertEquals(after["20261120"] !== before["20261120"] && after["20261122"] !== before["20261122"], true);
      const truth = [{ day: "2026-11-20", events: "3" }, { day: "2026-11-21", events: "2" }, {
        day: "2026-11-22",
        events: "3",
      }];
      assertEquals((await chdbRows(chPath, mart)).map((r) => ({ day: r.day, events: String(r.events) })), truth);
      // The REPLACE PARTITION left the two parts it replaced on disk, outdated. The next process to open the folder
      // removes them within about a second (CH_MERGE_TREE_SETTINGS); with ClickHouse's default delay of 30 to 40 s,
      // no build process (a few seconds each) ever did. Polled on disk, for up to 10 s.
      const leftover = await inChdbProcess<string[]>(
        chPath,
        "rt_chd_marts",
        `const [t] = await chQuery(ch, "select data_paths[1] as path, engine_full from system.tables " +
  "where database = 'rt_chd_marts' and name = 'mart_type_day'");
if (!t.engine_full.includes("cleanup_delay_period = 1")) throw new Error("created without the settings: " + t.engine_full);
let left = [];
for (let i = 0; i < 20; i++) {
  const active = new Set((await chQuery(ch, "select name from system.parts where database = 'rt_chd_marts' " +
    "and table = 'mart_type_day' and active")).map((r) => r.name));
  left = [];
  for await (const e of Deno.readDir(t.path)) {
    if (e.isDirectory && e.name !== "detached" && !active.has(e.name)) left.push(e.name);
  }
  if (left.length === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.log(JSON.stringify(left));`,
        { what: "outdated parts" },
      );
      assertEquals(leftover, [], "outdated parts still on disk after 10 s");

      await models(root, chPath, ["build", "--full-refresh"]);
      assertEquals((await chdbRows(chPath, mart)).map((r) => ({ day: r.day, events: String(r.events) })), truth);

      // A day recomputed to nothing (its events purged, the day reprocessed with --vars) loses its partition.
      await sql.unsafe(
        `delete from ${PREFIX}landing.events where occurred_at >= '2026-11-21' and occurred_at < '2026-11-22'`,
      );
      await models(root, chPath, ["build", "--vars", "start=2026-11-21 end=2026-11-22"]);
      assertEquals((await chdbRows(chPath, mart)).map((r) => r.day), ["2026-11-20", "2026-11-22"]);
      assertEquals(Object.keys(await parts()), ["20261120", "20261122"]);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});

/** Day marts over the base above: a running total (`lookahead: unbounded`), a 7-day sum (`lookahead: 6 days`) and
 * a flag on the newest day (`provisional`: every increment recomputes the days flagged). */
const WINDOWED: Record<string, string> = {
  "models/marts/mart_running.sql": `/*
materialized: incremental
incremental_strategy: partition
order_by: day
partition_by: day
time_column: day
lookahead: unbounded
grain: one row per day
*/
with before as (
  select sum(events) as events from {{ ref('mart_type_day') }} where not {{ in_range('day') }}
),

days as (
  select day, sum(events) as events from {{ ref('mart_type_day') }} where {{ in_range('day') }} group by day
)

select d.day as day, b.events + sum(d.events) over (order by d.day) as running
from days as d
cross join before as b
`,
  "models/marts/mart_week.sql": `/*
materialized: incremental
incremental_strategy: partition
order_by: day
partition_by: day
time_column: day
lookahead: 6 days
grain: one row per day
*/
with days as (
  select day, sum(events) as events from {{ ref('mart_type_day') }} where {{ in_range('day', '6 days') }} group by day
)

select day, week from (
  select day, sum(events) over (order by day range between 6 preceding and current row) as week from days
)
where {{ in_range('day') }}
`,
  "models/marts/mart_newest.sql": `/*
materialized: incremental
incremental_strategy: partition
order_by: day
partition_by: day
time_column: day
provisional: newest
grain: one row per day
*/
select day, toBool(day = (select max(day) from {{ ref('mart_type_day') }})) as newest
from (select distinct day from {{ ref('mart_type_day') }} where {{ in_range('day') }})
`,
};

Deno.test({
  name: "windowed day marts recompute the later days a touched day's windows reach (lookahead) and provisional days",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "runner_chw_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-chw-" });
    const sql = createPostgres(config().postgres);
    try {
      for (const [path, text] of Object.entries({ ...FILES, ...WINDOWED })) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await createPrivateWarehouse(sql, PREFIX);
      const at = (d: number) => `2026-11-${d}T12:00:00Z`;
      const rows = async () => {
        const [running, week, newest] = await chdbQueries(chPath, "rt_chd_marts", [
          "select toString(day) as d, toString(running) as v from mart_running order by day",
          "select toString(day) as d, toString(week) as v from mart_week order by day",
          "select toString(day) as d from mart_newest where newest order by day",
        ]);
        const pairs = (rs: Record<string, unknown>[]) => rs.map((r) => `${String(r.d).slice(8)}:${r.v}`).join(" ");
        return { running: pairs(running!), week: pairs(week!), newest: newest!.map((r) => String(r.d)) };
      };
      await loadEvents(sql, [at(20), at(20), at(21), at(22), at(22), at(22), at(23), at(28)]);
      await models(root, chPath, ["build"]);
      assertEquals(await rows(), {
        running: "20:2 21:3 22:6 23:7 28:8",
        week: "20:2 21:3 22:6 23:7 28:5",
        newest: ["2026-11-28"],
      });

      // A late event of the 20th alone: the running totals of every later day and the 7-day sums of the days up to
      // the 26th move; the 28th's week (22nd to 28th) does not contain the 20th and is left as it is.
      await loadEvents(sql, [at(20)]);
      const late = await models(root, chPath, ["build"]);
      const window = (name: string) => late.find((r) => r.name === name)!.window;
      assertEquals(window("mart_running"), { start: "2026-11-20T00:00:00.000Z" });
      assertEquals(window("mart_week"), { start: "2026-11-20T00:00:00.000Z", end: "2026-11-27T00:00:00.000Z" });
      assertEquals(await rows(), {
        running: "20:3 21:4 22:7 23:8 28:9",
        week: "20:3 21:4 22:7 23:8 28:5",
        newest: ["2026-11-28"],
      });

      // A new day: the 28th was the newest (provisional) and is recomputed though the batch does not touch it.
      await loadEvents(sql, [at(29)]);
      await models(root, chPath, ["build"]);
      const truth = {
        running: "20:3 21:4 22:7 23:8 28:9 29:10",
        week: "20:3 21:4 22:7 23:8 28:5 29:3",
        newest: ["2026-11-29"],
      };
      assertEquals(await rows(), truth);
      await models(root, chPath, ["build", "--full-refresh"]);
      assertEquals(await rows(), truth);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});

/** A PostgreSQL fact incremental by minute, and its ClickHouse copy (`time_range`: by the same minutes). */
const COPY: Record<string, string> = {
  "models/project.yml": FILES["models/project.yml"]!.replace(
    "models:\n",
    "models:\n  core: { engine: postgres, schema: core, materialized: table }\n",
  ),
  "models/core/fact_ev.sql": `/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
grain: one row per event
*/
select event_id, occurred_at from {{ source('landing', 'events') }} where {{ in_range('occurred_at') }}
`,
  "models/marts/ev_copy.sql": `/*
materialized: incremental
incremental_strategy: time_range
order_by: (day, occurred_at)
partition_by: day
time_column: occurred_at
grain: one row per event
*/
select toDate(assumeNotNull(f.occurred_at)) as day, assumeNotNull(f.occurred_at) as occurred_at,
  toString(f.event_id) as event_id
from {{ ref('fact_ev') }} as f
where {{ in_range('f.occurred_at') }}
`,
};

Deno.test({
  name: "a ClickHouse time_range copy follows a PostgreSQL fact minute by minute, late events and late builds included",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "runner_chm_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-chm-" });
    const sql = createPostgres(config().postgres);
    try {
      for (const [path, text] of Object.entries(COPY)) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await createPrivateWarehouse(sql, PREFIX);
      // The truth is landing itself: every loaded event, by id (the fact copies landing, the copy the fact).
      const landing = async () =>
        (await sql.unsafe<{ id: string }[]>(`select event_id::text as id from ${PREFIX}landing.events order by 1`))
          .map((r) => r.id);
      const copied = async () =>
        (await chdbRows(chPath, "select event_id from rt_chd_marts.ev_copy order by event_id")).map((r) => r.event_id);
      const t = (d: number, hhmm: string) => `2026-11-${d}T${hhmm}:30Z`;

      await loadEvents(sql, [t(20, "10:00"), t(20, "10:00"), t(20, "11:00"), t(21, "09:00"), t(21, "23:59")]);
      const first = await models(root, chPath, ["build"]);
      assertEquals(first.map((r) => [r.name, r.mode]), [["fact_ev", "full"], ["ev_copy", "full"]]);
      assertEquals(await copied(), await landing());

      // A late event in a minute of the 20th that already holds an event, and one on the 21st: the copy recomputes
      // those two minutes only, and keeps every other row of both days.
      await loadEvents(sql, [t(20, "10:00"), t(21, "12:00")]);
      const inc = (await models(root, chPath, ["build"])).find((r) => r.name === "ev_copy")!;
      assertEquals([inc.mode, inc.window], ["incremental", {
        start: "2026-11-20T10:00:00.000Z",
        end: "2026-11-21T12:01:00.000Z",
        ranges: [
          { start: "2026-11-20T10:00:00.000Z", end: "2026-11-20T10:01:00.000Z" },
          { start: "2026-11-21T12:00:00.000Z", end: "2026-11-21T12:01:00.000Z" },
        ],
      }]);
      assertEquals(await copied(), await landing());

      // A batch loaded after the star's build and before the marts' (a marts-only build): the fact has not
      // processed it, so the copy must not take it yet; the next whole build brings its minutes in.
      await loadEvents(sql, [t(20, "11:00"), t(22, "08:00")]);
      const early = (await models(root, chPath, ["build", "-s", "ev_copy"]))[0]!;
      assertEquals([early.name, early.status], ["ev_copy", "up_to_date"]);
      await models(root, chPath, ["build"]);
      assertEquals(await copied(), await landing());

      await models(root, chPath, ["build", "--full-refresh"]);
      assertEquals(await copied(), await landing());
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});

Deno.test({
  name: "the audit of a day increment finds a duplicate key inside the increment (unique checked where it can occur)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "runner_chu_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-chu-" });
    const sql = createPostgres(config().postgres);
    try {
      const files = {
        "models/project.yml": FILES["models/project.yml"]!,
        // Two rows per day and type when a day has events on both odd and even lines: a duplicate key.
        "models/marts/mart_dup.sql": `/*
materialized: incremental
incremental_strategy: partition
order_by: (day, event_type)
partition_by: day
time_column: day
grain: one row per day and event type (broken on purpose when a day has two events)
columns:
  "(day, event_type)": { tests: [unique] }
*/
select toDate(assumeNotNull(occurred_at)) as day, assumeNotNull(event_type) as event_type, count() as events
from {{ source('landing', 'events') }}
where {{ in_range('occurred_at') }}
group by day, event_type, line_no % 2
`,
      };
      for (const [path, text] of Object.entries(files)) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await createPrivateWarehouse(sql, PREFIX);
      await loadEvents(sql, ["2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z"]);
      const [first] = await models(root, chPath, ["build"]);
      assertEquals([first!.status, first!.mode], ["success", "full"]);
      await loadEvents(sql, ["2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"]);
      const [inc] = await models(root, chPath, ["build"], 1);
      assertEquals([inc!.status, inc!.mode], ["fail", "incremental"]);
      assertEquals(inc!.tests.map((t) => [t.status, t.failures]), [["fail", 1]]);
      const [rows] = await chdbQueries(chPath, "rt_chd_marts", ["select toString(day) as d from mart_dup order by d"]);
      assertEquals(rows!.map((r) => r.d), ["2026-11-20", "2026-11-21"], "the failing increment was not published");
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});
