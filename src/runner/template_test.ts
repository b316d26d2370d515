import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { render, scanPlaceholders, surrogateKey, unreferencedReads } from "./template.ts";

Deno.test("scanPlaceholders() finds ref, source, var, this, in_range and surrogate_key with their lines", () => {
  const sql = "select {{ surrogate_key('a', \"b\") }}\nfrom {{ ref('x') }}\njoin {{ source('landing', 'events') }}\n" +
    "where {{ in_range('t') }} and {{ var('k', 'd') }} <> 0 -- {{ this }}";
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
  const sql = "select * from {{ ref('x') }} where {{ in_range('t') }} and n = {{ var('n') }} -- {{ this }}";
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
