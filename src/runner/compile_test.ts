import { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert/strict";
import {
  chCreateTableAs,
  compileNode,
  genericTestSql,
  pgIncrementDelete,
  snapshotSelect,
  tableIndexes,
  type Targets,
} from "./compile.ts";
import { finishProject } from "./project.ts";
import { nodesOf, PROJECT } from "./_test_utils.ts";

const TARGETS: Targets = {
  schemaPrefix: "t_",
  clickhouseDatabase: "marts",
  pg: { collection: "sp_pg" },
};

async function project() {
  const nodes = await nodesOf([
    ["models/staging/stg_a.sql", "select event_id from {{ source('landing', 'events') }}"],
    [
      "models/core/fact_a.sql",
      "/*\nmaterialized: incremental\ntime_column: occurred_at\n*/\n" +
      "select {{ surrogate_key('event_id') }} as k from {{ ref('stg_a') }} where {{ in_range('occurred_at') }}",
    ],
    [
      "models/marts/mart_a.sql",
      "/*\nmaterialized: incremental\norder_by: day\npartition_by: day\ntime_column: day\n*/\n" +
      "select {{ surrogate_key('k') }} as k2 from {{ ref('fact_a') }} where {{ in_range('day') }}",
    ],
  ]);
  return finishProject("/", PROJECT, nodes);
}

Deno.test("compileNode() renders PostgreSQL refs and sources with the schema prefix", async () => {
  const p = await project();
  assertEquals(compileNode(p.nodes.get("stg_a")!, p, TARGETS, { vars: {} }), "select event_id from t_landing.events");
  const fact = compileNode(p.nodes.get("fact_a")!, p, TARGETS, {
    vars: {},
    window: { start: "2026-01-01T00:00:00.000Z" },
  });
  assert(fact.includes("from t_staging.stg_a where (occurred_at >= '2026-01-01T00:00:00.000Z'::timestamptz)"), fact);
});

Deno.test("compileNode() renders a ClickHouse ref to a PostgreSQL model as a postgresql() read", async () => {
  const p = await project();
  const mart = compileNode(p.nodes.get("mart_a")!, p, TARGETS, { vars: {} });
  assert(mart.includes("from postgresql(sp_pg, schema = 't_core', table = 'fact_a') where true"), mart);
  assert(mart.includes("reinterpretAsInt64(sipHash64(toString(k)))"), mart);
});

Deno.test("compileNode() refuses a PostgreSQL model reading a ClickHouse model", async () => {
  const nodes = await nodesOf([
    ["models/marts/mart_b.sql", "/*\norder_by: id\n*/\nselect 1 as id"],
    ["models/core/back.sql", "select * from {{ ref('mart_b') }}"],
  ]);
  const p = finishProject("/", PROJECT, nodes);
  assertThrows(() => compileNode(p.nodes.get("back")!, p, TARGETS, { vars: {} }), /cannot ref ClickHouse model/);
});

Deno.test("compileNode() uses an override relation for the node under audit", async () => {
  const p = await project();
  const sql = compileNode(p.nodes.get("fact_a")!, p, TARGETS, {
    vars: {},
    overrides: new Map([["stg_a", "t_staging.stg_a__new"]]),
  });
  assert(sql.includes("from t_staging.stg_a__new"));
});

Deno.test("genericTestSql() with an increment reads its rows, and looks unique keys up in the whole relation", () => {
  const inc = { increment: "m.f__incr" };
  assertEquals(
    genericTestSql("clickhouse", { kind: "expression", expression: "a >= 0", severity: "error" }, "(preview)", inc),
    "select * from m.f__incr as m where not (a >= 0)",
  );
  assertEquals(
    genericTestSql("clickhouse", { kind: "unique", column: "k", severity: "error" }, "(preview)", inc),
    "select k, count(*) as n from (preview) as m where k in (select k from m.f__incr as s) group by k having count(*) > 1",
  );
});

Deno.test("genericTestSql() compiles each generic test to a query of failing rows", () => {
  assertEquals(
    genericTestSql("postgres", { kind: "not_null", column: "k", severity: "error" }, "core.f"),
    "select k from core.f as m where k is null",
  );
  assertEquals(
    genericTestSql("postgres", { kind: "unique", column: "k", severity: "error" }, "core.f"),
    "select k, count(*) as n from core.f as m where k is not null group by k having count(*) > 1",
  );
  assertEquals(
    genericTestSql("postgres", { kind: "accepted_values", column: "c", values: ["a", 1], severity: "error" }, "core.f"),
    "select c, count(*) as n from core.f as m where c not in ('a', 1) group by c",
  );
  assertEquals(
    genericTestSql(
      "postgres",
      { kind: "relationships", column: "k", to: "d", field: "dk", severity: "warn" },
      "core.f",
      {
        parent: "core.d",
      },
    ),
    "select m.k from core.f as m where m.k is not null and not exists (select 1 from core.d as p where p.dk = m.k)",
  );
  assertEquals(
    genericTestSql(
      "clickhouse",
      { kind: "relationships", column: "k", to: "d", field: "dk", severity: "error" },
      "m.f",
      {
        parent: "m.d",
      },
    ),
    "select k from m.f as m where k is not null and k not in (select dk from m.d)",
  );
  assertEquals(
    genericTestSql("postgres", { kind: "expression", expression: "a >= 0", severity: "error", where: "b" }, "core.f"),
    "select * from (select * from core.f where b) as m where not (a >= 0)",
  );
});

Deno.test("genericTestSql() scopes an audit to an increment; unique still sees the whole table", () => {
  assertEquals(
    genericTestSql("postgres", { kind: "unique", column: "k", severity: "error" }, "core.f", { scope: "t >= 1" }),
    "select k, count(*) as n from core.f as m where k in (select k from (select * from core.f where t >= 1) as s) " +
      "group by k having count(*) > 1",
  );
});

Deno.test("pgIncrementDelete() deletes by window for time_range and by key for delete+insert", async () => {
  const p = await project();
  const fact = p.nodes.get("fact_a")!;
  assertEquals(
    pgIncrementDelete(fact, "core.fact_a", "inc", { start: "2026-01-01T00:00:00.000Z" }),
    "delete from core.fact_a where (occurred_at >= '2026-01-01T00:00:00.000Z'::timestamptz)",
  );
  // Several touched slices: only rows inside one of them are deleted (and selected, through in_range).
  assertEquals(
    pgIncrementDelete(fact, "core.fact_a", "inc", {
      start: "2026-01-01T07:59:00.000Z",
      end: "2026-01-01T10:06:00.000Z",
      ranges: [
        { start: "2026-01-01T07:59:00.000Z", end: "2026-01-01T08:00:00.000Z" },
        { start: "2026-01-01T10:05:00.000Z", end: "2026-01-01T10:06:00.000Z" },
      ],
    }),
    "delete from core.fact_a where (" +
      "(occurred_at >= '2026-01-01T07:59:00.000Z'::timestamptz and occurred_at < '2026-01-01T08:00:00.000Z'::timestamptz)" +
      " or " +
      "(occurred_at >= '2026-01-01T10:05:00.000Z'::timestamptz and occurred_at < '2026-01-01T10:06:00.000Z'::timestamptz))",
  );
  const byKey = {
    ...fact,
    config: { ...fact.config, incremental_strategy: "delete+insert" as const, unique_key: ["a", "b"] },
  };
  assertEquals(
    pgIncrementDelete(byKey, "core.x", "inc", undefined),
    "delete from core.x where (a, b) in (select a, b from inc)",
  );
});

Deno.test("snapshotSelect() adds valid_to and is_current over the durable key", () => {
  assertEquals(
    snapshotSelect("select 1", "user_key", "valid_from", "version_key"),
    "select s.*, lead(s.valid_from) over (partition by user_key order by valid_from, version_key) as valid_to,\n" +
      "  lead(s.valid_from) over (partition by user_key order by valid_from, version_key) is null as is_current\n" +
      "from (\nselect 1\n) as s",
  );
});

Deno.test("chCreateTableAs() writes engine, partition, order and the MergeTree cleanup settings", async () => {
  const p = await project();
  assertEquals(
    chCreateTableAs(p.nodes.get("mart_a")!, "marts.mart_a__new", "select 1"),
    "create table marts.mart_a__new engine = MergeTree() partition by day order by day " +
      "settings cleanup_delay_period = 1, cleanup_delay_period_random_add = 0 as\nselect 1",
  );
});

Deno.test("tableIndexes() adds an index for each unique-tested column of an incremental, after the declared ones", async () => {
  const nodes = await nodesOf([
    [
      "models/core/fact_u.sql",
      "/*\nmaterialized: incremental\ntime_column: at\nindexes: [[at], [k, at]]\ncolumns:\n" +
      "  k: { tests: [unique] }\n  e: { tests: [unique, not_null] }\n  n: { tests: [not_null] }\n*/\nselect 1",
    ],
    ["models/core/dim_t.sql", "/*\ncolumns:\n  e: { tests: [unique] }\n*/\nselect 1"],
  ]);
  assertEquals(tableIndexes(nodes.get("fact_u")!), [["at"], ["k", "at"], ["e"]]);
  // A table is rebuilt whole, and audited whole: no extra index.
  assertEquals(tableIndexes(nodes.get("dim_t")!), []);
});
