/**
 * The ClickHouse path of the model runner, end to end through `deno task models` in a subprocess (chDB allows one
 * data directory per process): a tiny project whose marts read a PostgreSQL model through `postgresql()`, on a
 * private chDB directory and private PostgreSQL schemas (prefix `rt_ch_`). Covers the table (EXCHANGE TABLES),
 * view and partition-replacing incremental materializations, a singular test across engines, write-audit-publish
 * on ClickHouse, and that ClickHouse is opened only when a ClickHouse model is selected; and that PostgreSQL's
 * password appears in no compiled file, log line, stored view or table, nor in the chDB folder once the runner ends.
 * Needs PostgreSQL and the chdb npm package.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { chdbQueries } from "./_chdb.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { dropPrivateWarehouse } from "../src/runner/testing.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import { pgLiteral } from "../src/runner/quote.ts";

const PREFIX = "rt_ch_";

const FILES: Record<string, string> = {
  "models/project.yml": `name: chscratch
models:
  core: { engine: postgres, schema: core, materialized: table }
  marts: { engine: clickhouse, materialized: table }
  tests: { engine: clickhouse }
seeds: { schema: core }
sources: {}
`,
  "models/core/pg_events.sql": `/*
grain: one row per synthetic event, three days
*/
select g as id, ('2026-01-01'::date + (g % 3))::timestamptz + make_interval(mins => g) as at,
  g * {{ var('scale', 'number', '1') }} as amount
from generate_series(1, 30) as g
`,
  "models/core/pg_midnight.sql": `/*
grain: one row per instant, every 30 s from 23:58:30 to 00:02:00 UTC
*/
select id, at, {{ date_key('at') }} as date_key
from (select g as id, '2026-01-01T23:58:00Z'::timestamptz + make_interval(secs => g * 30) as at
  from generate_series(1, 8) as g) as t
`,
  "models/marts/mart_midnight.sql": `/*
order_by: id
grain: one row per instant of pg_midnight
tests:
  - expression: ch_date_key = pg_date_key
*/
select assumeNotNull(id) as id, date_key as pg_date_key, {{ date_key('at') }} as ch_date_key
from {{ ref('pg_midnight') }}
`,
  "models/marts/mart_daily.sql": `/*
materialized: incremental
order_by: day
partition_by: day
time_column: at
grain: one row per day
columns:
  day: { tests: [unique, not_null] }
tests:
  - expression: events > 0
*/
select toDate(assumeNotNull(at)) as day, count() as events, sum(amount) as amount
from {{ ref('pg_events') }}
where {{ in_range('at') }}
group by day
`,
  "models/marts/mart_ids.sql": `/*
order_by: id
grain: one row per event
columns:
  id: { tests: [not_null] }
tests:
  - expression: amount = id
*/
select assumeNotNull(id) as id, amount, {{ surrogate_key('id') }} as k
from {{ ref('pg_events') }}
`,
  "models/marts/mart_days_view.sql": `/*
materialized: view
*/
select day, events from {{ ref('mart_daily') }}
`,
  "models/marts/mart_label.sql": `/*
order_by: tuple()
description: a string var stored as a value (the injection test passes SQL in it)
*/
select {{ var('label', 'string', 'plain') }} as label
`,
  "models/marts/mart_pg_view.sql": `/*
materialized: view
description: a stored ClickHouse view straight over PostgreSQL (it keeps the postgresql() read in its definition)
*/
select id, {{ var('label', 'string', 'plain') }} as label from {{ ref('pg_events') }}
`,
  "models/tests/mart_daily_adds_up.sql": `/*
description: the daily mart counts every PostgreSQL row exactly once
*/
select 1 as mismatch
where (select sum(events) from {{ ref('mart_daily') }}) != (select count() from {{ ref('pg_events') }})
`,
};

interface Run {
  code: number;
  summary: Record<string, unknown>;
  results: NodeResult[];
  stdout: string;
  stderr: string;
}

async function models(root: string, chPath: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const target = join(root, "target");
  await Deno.remove(join(target, "run_results.json")).catch(() => {});
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
    env: { CLICKHOUSE_URL: `chdb://${chPath}`, CLICKHOUSE_DATABASE: "rt_marts", LOG_FORMAT: "json", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  let results: NodeResult[] = [];
  try {
    results = JSON.parse(await Deno.readTextFile(join(target, "run_results.json"))).results;
  } catch { /* commands like ls write none */ }
  return {
    code: out.code,
    summary: JSON.parse(stdout.trim().split("\n").at(-1)!),
    results,
    stdout,
    stderr: dec.decode(out.stderr),
  };
}

/** Rows of a query on a chDB folder, read in a separate process (one chDB folder per process). */
async function chdbRows(chPath: string, query: string): Promise<Record<string, string>[]> {
  const [rows] = await chdbQueries(chPath, "rt_marts", [query]);
  return rows as Record<string, string>[];
}

/** Every file under `dir` whose bytes contain `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const want = new TextEncoder().encode(needle);
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const path = join(d, e.name);
      if (e.isDirectory) await walk(path);
      else if (e.isFile) {
        const bytes = await Deno.readFile(path);
        outer: for (let i = 0; i + want.length <= bytes.length; i++) {
          for (let j = 0; j < want.length; j++) if (bytes[i + j] !== want[j]) continue outer;
          found.push(path);
          break;
        }
      }
    }
  };
  await walk(dir);
  return found;
}

const byName = (r: Run, name: string) => r.results.find((x) => x.name === name)!;

Deno.test({
  name: "ClickHouse marts: table, view and partition incremental over a postgresql() read, with WAP",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const root = await Deno.makeTempDir({ prefix: "runner_ch_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-ch-" });
    const sql = createPostgres(config().postgres);
    try {
      for (const [path, text] of Object.entries(FILES)) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await dropPrivateWarehouse(sql, PREFIX);

      await t.step("a PostgreSQL-only selection never opens ClickHouse", async () => {
        const r = await models(root, "/proc/no-chdb-here", ["build", "-s", "path:models/core"]);
        assertEquals([r.code, r.summary.status, r.summary.success], [0, "ok", 2], r.stderr);
      });

      await t.step("build creates the marts from the star schema and every test passes", async () => {
        const r = await models(root, chPath, ["build"]);
        assertEquals([r.code, r.summary.errors, r.summary.failed, r.summary.tests_failed], [0, 0, 0, 0], r.stderr);
        assertEquals(byName(r, "mart_daily").rows_affected, 3);
        assertEquals(byName(r, "mart_daily").mode, "full");
        assertEquals(byName(r, "mart_ids").rows_affected, 30);
        assertEquals(byName(r, "mart_days_view").status, "success");
        // date_key() on both engines: the UTC day, by hand: 23:58:30-23:59:30 is Jan 1, 00:00:00-00:02:00 Jan 2.
        assertEquals(byName(r, "mart_midnight").tests.map((x) => x.status), ["pass"]);
        assertEquals(
          await chdbRows(
            chPath,
            "select ch_date_key as d, count() as n from rt_marts.mart_midnight group by d order by d",
          ),
          [{ d: 20260101, n: 3 }, { d: 20260102, n: 5 }],
        );
        const adds = byName(r, "mart_daily").tests.find((x) => x.name === "mart_daily_adds_up");
        assertEquals(adds?.status, "pass");
      });

      await t.step("an increment replaces only the touched day partitions", async () => {
        const r = await models(root, chPath, ["build", "-s", "mart_daily+", "--vars", "start=2026-01-02T05:00:00Z"]);
        assertEquals([r.code, r.summary.tests_failed], [0, 0], r.stderr);
        const daily = byName(r, "mart_daily");
        assertEquals([daily.mode, daily.window?.start, daily.rows_affected], [
          "incremental",
          "2026-01-02T00:00:00.000Z",
          2,
        ]);
        const check = await models(root, chPath, ["test", "-s", "mart_daily+"]);
        assertEquals([check.code, check.summary.tests_failed], [0, 0], check.stderr);
        assert(check.results.some((x) => x.name === "mart_daily_adds_up" && x.status === "success"));
      });

      await t.step("a failing test leaves the previous ClickHouse table in place", async () => {
        const r = await models(root, chPath, ["build", "--vars", "scale=2", "-s", "pg_events", "mart_ids"]);
        assertEquals(r.code, 1);
        assertEquals(byName(r, "mart_ids").status, "fail");
        assert(byName(r, "mart_ids").message!.includes("previous version stays in place"));
        // Its two tests ran as one scan of the table (countIf per test); the expression is the one that failed.
        assertEquals(byName(r, "mart_ids").tests.map((x) => [x.name, x.status, x.failures]), [
          ["not_null_mart_ids_id", "pass", 0],
          ["expression_mart_ids_amount_id", "fail", 30],
        ]);
        // The live table still holds amount = id although PostgreSQL now has amount = 2 * id.
        const live = await models(root, chPath, ["test", "-s", "mart_ids"]);
        assertEquals([live.code, live.summary.tests_failed, live.summary.tests_passed], [0, 0, 2], live.stderr);
      });
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});

Deno.test({
  name: "no compiled file, log line or stored ClickHouse view or table holds the PostgreSQL password",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "runner_ch_secret_" });
    const chPath = await Deno.makeTempDir({ prefix: "sp-runner-ch-secret-" });
    const sql = createPostgres(config().postgres);
    // A role of its own, so that the password is a string found nowhere else (quotes and a backslash included).
    const role = "rt_ch_secret_reader";
    // Searched for by its random middle, which any escaping of the whole leaves as it is.
    const secret = crypto.randomUUID();
    const password = `pw'${secret}\\x`;
    const env = { POSTGRES_USER: role, POSTGRES_PASSWORD: password };
    try {
      for (const [path, text] of Object.entries(FILES)) {
        await Deno.mkdir(join(root, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.unsafe(`drop role if exists ${role}`);
      await sql.unsafe(`create role ${role} login password ${pgLiteral(password)}`);
      await sql.unsafe(`grant ${role} to current_user`);
      await sql.unsafe(`grant connect, create on database ${config().postgres.database} to ${role}`);

      // A string var carrying SQL: it must arrive as a value, and nothing of it may run.
      const injection = "x');drop/**/table/**/rt_marts.mart_ids;--\\'";
      const built = await models(root, chPath, ["build", "--vars", `label=${injection}`], env);
      assertEquals([built.code, built.summary.errors, built.summary.tests_failed], [0, 0, 0], built.stderr);
      assertEquals(built.results.find((r) => r.name === "mart_pg_view")?.status, "success");
      // A second process reads the stored view over PostgreSQL: the collection is defined again at connect.
      const tested = await models(root, chPath, ["test", "-s", "mart_pg_view", "mart_ids"], env);
      assertEquals([tested.code, tested.summary.tests_failed], [0, 0], tested.stderr);

      const stored = await chdbRows(
        chPath,
        "select name, engine, create_table_query as ddl from system.tables where database = 'rt_marts' order by name",
      );
      assertEquals(stored.map((t) => t.name), [
        "mart_daily",
        "mart_days_view",
        "mart_ids",
        "mart_label",
        "mart_midnight",
        "mart_pg_view",
      ]);
      assertEquals(await chdbRows(chPath, "select label from rt_marts.mart_label"), [{ label: injection }]);
      const pgView = stored.find((t) => t.name === "mart_pg_view")!;
      assert(pgView.ddl!.includes("postgresql(socialpulse_pg"), pgView.ddl!);
      assertEquals(stored.filter((t) => t.ddl!.includes(secret)).map((t) => t.name), []);
      assertEquals(await filesHolding(join(root, "target"), secret), []);
      for (const r of [built, tested]) assert(!(r.stdout + r.stderr).includes(secret), "a log line holds it");
      // With no runner process open, the chDB folder holds it nowhere (the collection is dropped at close).
      assertEquals(await filesHolding(chPath, secret), []);
      // The collection logs in as the modeller role (tasks/models.ts works as it): its password follows the same rule.
      const modeller = config().postgres.roles.modeller.password;
      assertEquals(stored.filter((t) => t.ddl!.includes(modeller)).map((t) => t.name), []);
      assertEquals(await filesHolding(join(root, "target"), modeller), []);
      for (const r of [built, tested]) {
        assert(!(r.stdout + r.stderr).includes(modeller), "a log line holds the modeller's");
      }
      assertEquals(await filesHolding(chPath, modeller), []);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.unsafe(`drop owned by ${role}`);
      await sql.unsafe(`drop role if exists ${role}`);
      await sql.end();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(chPath, { recursive: true });
    }
  },
});
