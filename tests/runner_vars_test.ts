/**
 * `{{ var() }}` against the real PostgreSQL: a string var holding quotes, backslashes, dollar quotes and a
 * statement terminator comes back as exactly the same text (nothing of it runs as SQL), with either setting of
 * `standard_conforming_strings`; typed vars come back as values of their type. The ClickHouse side is covered end
 * to end in runner_clickhouse_test.ts. Needs PostgreSQL.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { render, scanPlaceholders } from "../src/runner/template.ts";

const NASTY = [
  "plain",
  "it's",
  "'; drop table pg_catalog.pg_class; --",
  "a\\'; select 1; --",
  "back\\slash\\",
  "$$ dollar $$",
  "E'\\x00'",
  'кириллица ✓ "quoted"',
];

function renderPg(sql: string, vars: Record<string, string>): string {
  return render(sql, scanPlaceholders(sql, "vars.sql", 1), {
    engine: "postgres",
    ref: () => "",
    source: () => "",
    self: "",
    vars,
  });
}

Deno.test({
  name: "var() string literals round-trip injection strings on PostgreSQL, whatever standard_conforming_strings says",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(config().postgres);
    try {
      for (const scs of ["on", "off"]) {
        const conn = await sql.reserve();
        try {
          await conn.unsafe(`set standard_conforming_strings = ${scs}`);
          await conn.unsafe(`set escape_string_warning = off`);
          for (const s of NASTY) {
            const query = renderPg("select {{ var('s', 'string') }} as v, 1 as marker", { s });
            const rows = await conn.unsafe<{ v: string; marker: number }[]>(query);
            assertEquals(rows.map((r) => [r.v, r.marker]), [[s, 1]], `${scs}: ${query}`);
          }
        } finally {
          conn.release();
        }
      }
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "var() renders dates, timestamps and numbers as values of their type on PostgreSQL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(config().postgres);
    try {
      const query = renderPg(
        "select pg_typeof({{ var('d', 'date') }})::text as dt, {{ var('d', 'date') }}::text as d, " +
          "pg_typeof({{ var('t', 'timestamp') }})::text as tt, " +
          "extract(epoch from {{ var('t', 'timestamp') }})::bigint as epoch, 10 -{{ var('n', 'number') }} as n",
        { d: "2026-02-28", t: "2026-02-28T23:30:00-01:00", n: "-5" },
      );
      const [row] = await sql.unsafe<{ dt: string; d: string; tt: string; epoch: string; n: number }[]>(query);
      assertEquals(
        { ...row },
        {
          dt: "date",
          d: "2026-02-28",
          tt: "timestamp with time zone",
          epoch: String(Date.UTC(2026, 2, 1, 0, 30) / 1000),
          n: 15,
        },
      );
    } finally {
      await sql.end();
    }
  },
});
