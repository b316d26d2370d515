import { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert/strict";
import { ModelError, parseHeader, resolveConfig, splitHeader } from "./header.ts";

const at = { file: "models/core/x.sql", line: 1 };

Deno.test("splitHeader() separates the leading block comment from the SQL and keeps line numbers", () => {
  const text = "\n/*\nmaterialized: table\n*/\nselect 1\n";
  const s = splitHeader(text);
  assertEquals(s.yaml.trim(), "materialized: table");
  assertEquals(s.yamlLine, 2);
  assertEquals(s.sqlLine, 4);
  assertEquals(s.sql.trim(), "select 1");
});

Deno.test("splitHeader() treats a file without a leading comment as all SQL", () => {
  assertEquals(splitHeader("select 1 /* not a header */").yaml, "");
});

Deno.test("parseHeader() reads YAML with a real parser (anchors, flow maps, block scalars)", () => {
  const h = parseHeader(
    "description: >\n  two\n  lines\ntags: [a, b]\ncolumns:\n  id: { tests: [unique, not_null] }\n",
    at,
  );
  assertEquals(h.description, "two lines\n");
  assertEquals(h.tags, ["a", "b"]);
  assertEquals(h.columns, { id: { tests: ["unique", "not_null"] } });
});

Deno.test("parseHeader() names the file and the line of an unknown key", () => {
  const err = (() => {
    try {
      parseHeader("materialized: table\n\nmaterialised: view\n", { file: "m.sql", line: 2 });
    } catch (e) {
      return e as ModelError;
    }
  })();
  assert(err instanceof ModelError);
  assert(err.message.startsWith("m.sql:"), err.message);
  assert(err.message.includes("materialised"), err.message);
});

Deno.test("parseHeader() points at the line of a bad value", () => {
  assertThrows(
    () => parseHeader("tags: [x]\nmaterialized: tabel\n", { file: "m.sql", line: 10 }),
    (e: Error) => e.message.startsWith("m.sql:11:") && e.message.includes("materialized"),
  );
});

Deno.test("parseHeader() reports invalid YAML with its line", () => {
  assertThrows(() => parseHeader("a: [1, 2\nb: c\n", at), (e: Error) => e.message.includes("not valid YAML"));
});

Deno.test("resolveConfig() layers base defaults, folder defaults and the header", () => {
  const cfg = resolveConfig(
    { engine: "postgres", schema: "core", materialized: "table", tags: ["core"] },
    {
      materialized: "incremental",
      time_column: "occurred_at",
      unique_key: "event_id",
      tags: ["fact"],
      columns: {
        event_id: { description: "id", tests: ["unique", { accepted_values: { values: [1], severity: "warn" } }] },
      },
      tests: [{ expression: "a > 0" }],
    },
    at,
    "core",
  );
  assertEquals(cfg.materialized, "incremental");
  assertEquals(cfg.incremental_strategy, "time_range");
  assertEquals(cfg.unique_key, ["event_id"]);
  assertEquals(cfg.tags, ["core", "fact"]);
  assertEquals(cfg.lookback, "0 minutes");
  assertEquals(cfg.columns[0]!.tests, [
    { kind: "unique", column: "event_id", severity: "error" },
    { kind: "accepted_values", column: "event_id", values: [1], severity: "warn" },
  ]);
  assertEquals(cfg.tests, [{ kind: "expression", expression: "a > 0", severity: "error" }]);
});

Deno.test("resolveConfig() refuses combinations a materialization cannot run", () => {
  const bad = (h: Parameters<typeof resolveConfig>[1], folder = {}) => () => resolveConfig(folder, h, at, "core");
  assertThrows(bad({ materialized: "incremental" }), /time_column/);
  assertThrows(bad({ materialized: "incremental", incremental_strategy: "delete+insert" }), /unique_key/);
  assertThrows(bad({ materialized: "snapshot", unique_key: "k" }), /durable_key/);
  assertThrows(bad({ materialized: "table" }, { engine: "clickhouse" }), /order_by/);
  assertThrows(bad({ materialized: "incremental", order_by: "x" }, { engine: "clickhouse" }), /partition_by/);
  assertThrows(bad({ order_by: "x" }), /ClickHouse settings/);
  assertThrows(bad({ lookahead: "6 days", order_by: "x" }, { engine: "clickhouse" }), /'lookahead' is for incremental/);
  const pgIncremental = { materialized: "incremental" as const, time_column: "t", provisional: "not done" };
  assertThrows(bad(pgIncremental), /'provisional' is for ClickHouse incremental/);
});

Deno.test("resolveConfig() keeps a ClickHouse incremental's lookahead and provisional predicate", () => {
  const header = { materialized: "incremental" as const, order_by: "day", partition_by: "day", time_column: "day" };
  const cfg = resolveConfig(
    { engine: "clickhouse" },
    { ...header, lookahead: "unbounded", provisional: "not is_final" },
    at,
    "marts",
  );
  assertEquals([cfg.lookahead, cfg.provisional], ["unbounded", "not is_final"]);
  assertThrows(() => parseHeader("lookahead: a week", at), /like '6 days', or 'unbounded'/);
});

Deno.test("resolveConfig() gives ClickHouse incrementals the partition strategy", () => {
  const cfg = resolveConfig(
    { engine: "clickhouse" },
    { materialized: "incremental", order_by: "day", partition_by: "day", time_column: "day" },
    at,
    "marts",
  );
  assertEquals(cfg.incremental_strategy, "partition");
});

Deno.test("resolveConfig() takes a ClickHouse time_range incremental, without lookahead or provisional days", () => {
  const header = {
    materialized: "incremental" as const,
    incremental_strategy: "time_range" as const,
    order_by: "t",
    partition_by: "day",
    time_column: "t",
  };
  const cfg = resolveConfig({ engine: "clickhouse" }, header, at, "marts");
  assertEquals(cfg.incremental_strategy, "time_range");
  const bad = (h: Parameters<typeof resolveConfig>[1]) => () => resolveConfig({ engine: "clickhouse" }, h, at, "marts");
  assertThrows(bad({ ...header, lookahead: "6 days" }), /'time_range' increment recomputes minutes/);
  assertThrows(bad({ ...header, partition_by: undefined }), /'time_range' needs 'partition_by'/);
  assertThrows(bad({ ...header, incremental_strategy: "delete+insert" }), /'partition' or 'time_range'/);
});
