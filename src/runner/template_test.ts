import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { dateKey, render, type RenderContext, scanPlaceholders, surrogateKey, unreferencedReads } from "./template.ts";

Deno.test("scanPlaceholders() finds ref, source, var, this, in_range and surrogate_key with their lines", () => {
  const sql = "select {{ surrogate_key('a', \"b\") }}\nfrom {{ ref('x') }}\njoin {{ source('landing', 'events') }}\n" +
    "where {{ in_range('t') }} and {{ var('k', 'string', 'd') }} <> '' -- {{ this }}";
  const ps = scanPlaceholders(sql, "m.sql", 5);
  assertEquals(ps.map((p) => [p.fn, p.at.line]), [
    ["surrogate_key", 5],
    ["ref", 6],
    ["source", 7],
    ["in_range", 8],
    ["var", 8],
    ["this", 8],
  ]);
  assertEquals(sql.slice(ps[1]!.start, ps[1]!.end), "{{ ref('x') }}");
});

Deno.test("scanPlaceholders() rejects unknown functions and unquoted arguments, naming the line", () => {
  assertThrows(() => scanPlaceholders("\n{{ reff('x') }}", "m.sql", 1), /m\.sql:2: unknown placeholder function reff/);
  assertThrows(() => scanPlaceholders("{{ ref(x) }}", "m.sql", 1), /quoted strings/);
  assertThrows(() => scanPlaceholders("{{ ref('a', 'b') }}", "m.sql", 1), /takes 1 argument/);
});

Deno.test("render() replaces placeholders and fails on a missing var with its location", () => {
  const sql = "select * from {{ ref('x') }} where {{ in_range('t') }} and n = {{ var('n', 'number') }} -- {{ this }}";
  const ps = scanPlaceholders(sql, "m.sql", 1);
  const ctx = {
    engine: "postgres" as const,
    ref: (m: string) => `core.${m}`,
    source: () => "landing.events",
    self: "core.me",
    vars: { n: "3" },
  };
  assertEquals(render(sql, ps, ctx), "select * from core.x where true and n = 3 -- core.me");
  assertEquals(
    render(sql, ps, { ...ctx, window: { start: "2026-01-01T00:00:00.000Z" } }),
    "select * from core.x where (t >= '2026-01-01T00:00:00.000Z'::timestamptz) and n = 3 -- core.me",
  );
  assertThrows(() => render(sql, ps, { ...ctx, vars: {} }), /m\.sql:1: var\('n'\) is not set/);
});

Deno.test("in_range() renders per engine, with an end when given", () => {
  const ps = scanPlaceholders("{{ in_range('day') }}", "m.sql", 1);
  const out = render("{{ in_range('day') }}", ps, {
    engine: "clickhouse",
    ref: () => "",
    source: () => "",
    self: "",
    vars: {},
    window: { start: "2026-01-01T00:00:00.000Z", end: "2026-01-02T00:00:00.000Z" },
  });
  assertEquals(
    out,
    "(day >= parseDateTime64BestEffort('2026-01-01T00:00:00.000Z', 6, 'UTC') and " +
      "day < parseDateTime64BestEffort('2026-01-02T00:00:00.000Z', 6, 'UTC'))",
  );
});

Deno.test("in_range('column', '6 days') widens every range backwards; a bad duration is refused", () => {
  const sql = "{{ in_range('day', '6 days') }}";
  const ctx = { engine: "postgres" as const, ref: () => "", source: () => "", self: "", vars: {} };
  const ranges = [
    { start: "2026-01-10T00:00:00.000Z", end: "2026-01-11T00:00:00.000Z" },
    { start: "2026-01-20T00:00:00.000Z", end: "2026-01-21T00:00:00.000Z" },
  ];
  const out = render(sql, scanPlaceholders(sql, "m.sql", 1), {
    ...ctx,
    window: { start: ranges[0]!.start, end: ranges[1]!.end, ranges },
  });
  assertEquals(
    out,
    "((day >= '2026-01-04T00:00:00.000Z'::timestamptz and day < '2026-01-11T00:00:00.000Z'::timestamptz) or " +
      "(day >= '2026-01-14T00:00:00.000Z'::timestamptz and day < '2026-01-21T00:00:00.000Z'::timestamptz))",
  );
  assertEquals(render(sql, scanPlaceholders(sql, "m.sql", 1), ctx), "true");
  assertThrows(() => scanPlaceholders("{{ in_range('day', 'a week') }}", "m.sql", 3), /m\.sql:3: .*duration/);
});

Deno.test("surrogateKey() hashes the columns' text per engine, with -1 for a null single column", () => {
  assertEquals(
    surrogateKey("postgres", ["id"]),
    "(case when (id) is null then -1 else hashtextextended((id)::text, 0) end)",
  );
  assertEquals(
    surrogateKey("clickhouse", ["id"]),
    "if(isNull(id), toInt64(-1), reinterpretAsInt64(sipHash64(toString(id))))",
  );
  assertEquals(
    surrogateKey("postgres", ["a", "b"]),
    "hashtextextended(concat_ws('|', coalesce((a)::text, ''), coalesce((b)::text, '')), 0)",
  );
});

Deno.test("unreferencedReads() flags from/join of another model's table, not CTEs, comments or strings", () => {
  const sql = "with dim_user as (select 1)\nselect * from core.fact_view f join dim_user u on true\n" +
    "join {{ ref('dim_date') }} d on true -- from fact_comment\nwhere x = 'from fact_share'";
  assertEquals(unreferencedReads(sql, new Set(["fact_view", "dim_user", "fact_comment", "fact_share", "dim_date"])), [
    "fact_view",
  ]);
});

const renderVar = (engine: "postgres" | "clickhouse", placeholder: string, vars: Record<string, string>) => {
  const ctx: RenderContext = { engine, ref: () => "", source: () => "", self: "", vars };
  return render(placeholder, scanPlaceholders(placeholder, "m.sql", 3), ctx);
};

Deno.test("var() renders a typed literal per engine for date, timestamp, number and string", () => {
  const cases: [string, string, string, string][] = [
    ["date", "2026-11-01", "'2026-11-01'::date", "toDate('2026-11-01')"],
    [
      "timestamp",
      "2026-11-01T12:30:00+02:00",
      "'2026-11-01T10:30:00.000Z'::timestamptz",
      "parseDateTime64BestEffort('2026-11-01T10:30:00.000Z', 6, 'UTC')",
    ],
    [
      "timestamp",
      "2026-11-01",
      "'2026-11-01T00:00:00.000Z'::timestamptz",
      "parseDateTime64BestEffort('2026-11-01T00:00:00.000Z', 6, 'UTC')",
    ],
    ["number", "42", "42", "42"],
    ["number", "-1.5e3", "(-1.5e3)", "(-1.5e3)"],
    ["string", "it's", "'it''s'", "'it\\'s'"],
    ["string", "a\\b", "E'a\\\\b'", "'a\\\\b'"],
  ];
  for (const [type, value, pg, ch] of cases) {
    const ph = `{{ var('v', '${type}') }}`;
    assertEquals([renderVar("postgres", ph, { v: value }), renderVar("clickhouse", ph, { v: value })], [pg, ch]);
  }
  assertEquals(renderVar("postgres", "{{ var('v', 'number', '7') }}", {}), "7");
});

Deno.test("var() rejects a value that is not of its type, naming the var, the type and the file", () => {
  const injection = "1; drop table core.fact_view; --";
  assertThrows(
    () => renderVar("postgres", "{{ var('scale', 'number') }}", { scale: injection }),
    /m\.sql:3: var\('scale'\) is declared number: expected a number like 42 or -1\.5, got "1; drop table/,
  );
  assertThrows(
    () => renderVar("postgres", "{{ var('d', 'date') }}", { d: "2026-02-30" }),
    /declared date: expected a date/,
  );
  assertThrows(
    () => renderVar("clickhouse", "{{ var('d', 'date') }}", { d: "2026-01-01' or 1=1 --" }),
    /declared date: expected a date/,
  );
  assertThrows(
    () => renderVar("postgres", "{{ var('t', 'timestamp') }}", { t: "yesterday" }),
    /declared timestamp: expected a timestamp/,
  );
  assertThrows(() => renderVar("postgres", "{{ var('s', 'string') }}", { s: "a\0b" }), /NUL/);
});

Deno.test("var() without a known type is refused when the model is read, listing the types", () => {
  assertThrows(() => scanPlaceholders("{{ var('n') }}", "m.sql", 1), /var\(\) takes 2-3 argument/);
  assertThrows(
    () => scanPlaceholders("{{ var('n', 'sql') }}", "m.sql", 1),
    /m\.sql:1: var\('n'\) declares type 'sql'; a var's type is one of date, timestamp, number, string/,
  );
});

Deno.test("date_key() renders the UTC yyyymmdd integer per engine", () => {
  assertEquals(dateKey("postgres", "occurred_at"), "(to_char((occurred_at) at time zone 'UTC', 'YYYYMMDD'))::integer");
  assertEquals(dateKey("clickhouse", "at"), "toInt32(toYYYYMMDD(at, 'UTC'))");
  const ps = scanPlaceholders("select {{ date_key('at') }}", "m.sql", 1);
  assertEquals(ps.map((p) => p.fn), ["date_key"]);
});
