/**
 * The header of a model file: a leading block comment holding YAML, parsed with a real YAML parser (npm yaml) and
 * validated with zod, then merged over the folder's defaults from the project file.
 *
 * ```sql
 * /*
 * materialized: incremental
 * incremental_strategy: time_range
 * time_column: occurred_at
 * grain: one row per comment or reply
 * columns:
 *   comment_id: { description: natural key, tests: [unique, not_null] }
 * *\/
 * select ...
 * ```
 *
 * Errors name the file and the line (dbt users' common complaint is errors that point at the wrong place).
 *
 * @module
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import type { ColumnDoc, Engine, GenericTest, Location, ModelConfig } from "./types.ts";

/** A model file cannot be understood; the message names the file and line. */
export class ModelError extends Error {
  override name = "ModelError";
  constructor(readonly at: Location, message: string) {
    super(`${at.file}:${at.line}: ${message}`);
  }
}

const severity = z.enum(["error", "warn"]);
const where = z.string().min(1).optional();
const values = z.array(z.union([z.string(), z.number(), z.boolean()])).min(1);

/** A test as written in YAML: a bare name (`unique`) or a one-key map (`accepted_values: {values: [...]}`). */
const testSpec = z.union([
  z.enum(["unique", "not_null"]),
  z.object({ unique: z.object({ severity: severity.optional(), where }).strict().nullable() }).strict(),
  z.object({ not_null: z.object({ severity: severity.optional(), where }).strict().nullable() }).strict(),
  z.object({
    accepted_values: z.union([values, z.object({ values, severity: severity.optional(), where }).strict()]),
  }).strict(),
  z.object({
    relationships: z.object({ to: z.string().min(1), field: z.string().min(1), severity: severity.optional(), where })
      .strict(),
  }).strict(),
  z.object({
    expression: z.union([
      z.string().min(1),
      z.object({ expression: z.string().min(1), severity: severity.optional(), where }).strict(),
    ]),
  }).strict(),
]);
type TestSpec = z.infer<typeof testSpec>;

const columnSpec = z.union([
  z.string(),
  z.object({ description: z.string().optional(), tests: z.array(testSpec).optional() }).strict(),
  z.null(),
]);

const columnList = z.union([z.string(), z.array(z.string()).min(1)]);

/** Every key a header (or a folder default in the project file) may set. */
export const headerSchema = z.object({
  engine: z.enum(["postgres", "clickhouse"]).optional(),
  materialized: z.enum(["view", "table", "incremental", "snapshot"]).optional(),
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  description: z.string().optional(),
  grain: z.string().optional(),
  tags: z.array(z.string().min(1)).optional(),
  unique_key: columnList.optional(),
  incremental_strategy: z.enum(["time_range", "delete+insert", "partition"]).optional(),
  time_column: z.string().min(1).optional(),
  lookback: z.string().regex(/^\d+\s*(second|minute|hour|day)s?$/, { message: "like '2 hours'" }).optional(),
  lookahead: z.string().regex(/^(\d+\s*(second|minute|hour|day)s?|unbounded)$/, {
    message: "like '6 days', or 'unbounded'",
  }).optional(),
  provisional: z.string().min(1).optional(),
  on_schema_change: z.enum(["fail", "append_new_columns", "full_refresh"]).optional(),
  indexes: z.array(columnList).optional(),
  durable_key: z.string().min(1).optional(),
  updated_at: z.string().min(1).optional(),
  ch_engine: z.string().min(1).optional(),
  order_by: z.string().min(1).optional(),
  partition_by: z.string().min(1).optional(),
  columns: z.record(z.string(), columnSpec).optional(),
  tests: z.array(testSpec).optional(),
  enabled: z.boolean().optional(),
  severity: severity.optional(),
}).strict();

/** A header (or folder defaults) as written. */
export type Header = z.infer<typeof headerSchema>;

/** The header comment split from the SQL that follows it. */
export interface SplitModel {
  /** The YAML text (empty when the file has no leading block comment). */
  yaml: string;
  /** 1-based line of the YAML's first line. */
  yamlLine: number;
  sql: string;
  /** 1-based line where `sql` starts. */
  sqlLine: number;
}

/** Split a model file into its header YAML and its SQL. A file without a leading `/* ... *\/` has no header. */
export function splitHeader(text: string): SplitModel {
  const lead = /^\s*/.exec(text)![0];
  if (!text.startsWith("/*", lead.length)) return { yaml: "", yamlLine: 1, sql: text, sqlLine: 1 };
  const close = text.indexOf("*/", lead.length + 2);
  if (close < 0) return { yaml: "", yamlLine: 1, sql: text, sqlLine: 1 };
  const yamlStart = lead.length + 2;
  const yaml = text.slice(yamlStart, close);
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  return { yaml, yamlLine: lineOf(yamlStart), sql: text.slice(close + 2), sqlLine: lineOf(close + 2) };
}

/** Parse header YAML into a {@link Header}, naming the file and line of any problem. */
export function parseHeader(yaml: string, at: Location): Header {
  if (yaml.trim() === "") return {};
  const doc = parseDocument(yaml, { prettyErrors: false });
  const lineOfOffset = (offset: number) => at.line + yaml.slice(0, offset).split("\n").length - 1;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ModelError({ file: at.file, line: lineOfOffset(e.pos[0]) }, `header is not valid YAML: ${e.message}`);
  }
  const value = doc.toJS() ?? {};
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    // Point at the line of the offending key when the YAML has it.
    let line = at.line;
    for (let i = path.length; i > 0; i--) {
      const node = doc.getIn(path.slice(0, i), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        line = lineOfOffset(node.range[0]);
        break;
      }
    }
    const where = path.length ? `'${path.join(".")}'` : "header";
    throw new ModelError({ file: at.file, line }, `${where}: ${issue.message}`);
  }
  return parsed.data;
}

function toList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function compileTest(
  spec: TestSpec,
  column: string | undefined,
  fallback: "error" | "warn",
  at: Location,
): GenericTest {
  const needColumn = (kind: string) => {
    if (column === undefined) throw new ModelError(at, `test '${kind}' must be under a column (or use expression)`);
    return column;
  };
  if (spec === "unique" || spec === "not_null") return { kind: spec, column: needColumn(spec), severity: fallback };
  if ("unique" in spec) {
    return {
      kind: "unique",
      column: needColumn("unique"),
      severity: spec.unique?.severity ?? fallback,
      ...w(spec.unique),
    };
  }
  if ("not_null" in spec) {
    return {
      kind: "not_null",
      column: needColumn("not_null"),
      severity: spec.not_null?.severity ?? fallback,
      ...w(spec.not_null),
    };
  }
  if ("accepted_values" in spec) {
    const a = spec.accepted_values;
    return Array.isArray(a)
      ? { kind: "accepted_values", column: needColumn("accepted_values"), values: a, severity: fallback }
      : {
        kind: "accepted_values",
        column: needColumn("accepted_values"),
        values: a.values,
        severity: a.severity ?? fallback,
        ...w(a),
      };
  }
  if ("relationships" in spec) {
    const r = spec.relationships;
    return {
      kind: "relationships",
      column: needColumn("relationships"),
      to: r.to,
      field: r.field,
      severity: r.severity ?? fallback,
      ...w(r),
    };
  }
  const e = spec.expression;
  const base = typeof e === "string" ? { expression: e, severity: fallback } : {
    expression: e.expression,
    severity: e.severity ?? fallback,
    ...w(e),
  };
  return { kind: "expression", ...(column !== undefined ? { column } : {}), ...base };
}

function w(o: { where?: string | undefined } | null | undefined): { where?: string } {
  return o?.where !== undefined ? { where: o.where } : {};
}

/** Folder defaults every model starts from, before the project file's folder settings and its own header. */
export const BASE_DEFAULTS: Header = {
  materialized: "view",
  lookback: "0 minutes",
  on_schema_change: "fail",
  ch_engine: "MergeTree",
};

/**
 * Resolve a model's config: base defaults, then the folder's defaults, then the header. Checks the combinations
 * each materialization needs (a time column for `time_range`, a unique key for `delete+insert`...).
 */
export function resolveConfig(folder: Header, header: Header, at: Location, fallbackSchema: string): ModelConfig {
  const merged: Header = { ...BASE_DEFAULTS, ...folder, ...header };
  const engine: Engine = merged.engine ?? "postgres";
  const fallback = merged.severity ?? "error";
  const columns: ColumnDoc[] = Object.entries(header.columns ?? {}).map(([name, spec]) => {
    const s = typeof spec === "string" ? { description: spec } : spec ?? {};
    return {
      name,
      description: s.description ?? "",
      tests: (s.tests ?? []).map((t) => compileTest(t, name, fallback, at)),
    };
  });
  const cfg: ModelConfig = {
    engine,
    materialized: merged.materialized!,
    schema: merged.schema ?? fallbackSchema,
    description: (merged.description ?? "").trim(),
    grain: (merged.grain ?? "").trim(),
    tags: [...new Set([...(folder.tags ?? []), ...(header.tags ?? [])])],
    unique_key: toList(merged.unique_key),
    lookback: merged.lookback!,
    on_schema_change: merged.on_schema_change!,
    indexes: (merged.indexes ?? []).map(toList),
    ch_engine: merged.ch_engine!,
    columns,
    tests: (header.tests ?? []).map((t) => compileTest(t, undefined, fallback, at)),
    enabled: merged.enabled ?? true,
    severity: fallback,
  };
  if (merged.time_column !== undefined) cfg.time_column = merged.time_column;
  if (merged.lookahead !== undefined) cfg.lookahead = merged.lookahead;
  if (merged.provisional !== undefined) cfg.provisional = merged.provisional;
  if (merged.durable_key !== undefined) cfg.durable_key = merged.durable_key;
  if (merged.updated_at !== undefined) cfg.updated_at = merged.updated_at;
  if (merged.order_by !== undefined) cfg.order_by = merged.order_by;
  if (merged.partition_by !== undefined) cfg.partition_by = merged.partition_by;
  if (cfg.materialized === "incremental") {
    cfg.incremental_strategy = merged.incremental_strategy ?? (engine === "clickhouse" ? "partition" : "time_range");
  }
  validateCombination(cfg, at);
  return cfg;
}

function validateCombination(cfg: ModelConfig, at: Location) {
  const fail = (msg: string) => {
    throw new ModelError(at, msg);
  };
  if (cfg.lookahead !== undefined && cfg.materialized !== "incremental") {
    fail("'lookahead' is for incremental models (the slices after a touched one that an increment recomputes)");
  }
  if (cfg.provisional !== undefined && (cfg.engine !== "clickhouse" || cfg.materialized !== "incremental")) {
    fail("'provisional' is for ClickHouse incremental models (partitions recomputed by every increment)");
  }
  if (cfg.engine === "clickhouse") {
    if (cfg.materialized === "snapshot") fail("materialized 'snapshot' is PostgreSQL only");
    if (cfg.materialized !== "view" && cfg.order_by === undefined) {
      fail("a ClickHouse table needs 'order_by' (use 'tuple()' for an unsorted table, deliberately)");
    }
    if (cfg.materialized === "incremental") {
      const strategy = cfg.incremental_strategy;
      if (strategy !== "partition" && strategy !== "time_range") {
        fail("ClickHouse incremental models use incremental_strategy 'partition' or 'time_range'");
      }
      if (cfg.partition_by === undefined) fail(`incremental_strategy '${strategy}' needs 'partition_by'`);
      if (cfg.time_column === undefined) fail(`incremental_strategy '${strategy}' needs 'time_column'`);
      if (strategy === "time_range" && (cfg.lookahead !== undefined || cfg.provisional !== undefined)) {
        fail(
          "a ClickHouse 'time_range' increment recomputes minutes: 'lookahead' and 'provisional' are for 'partition'",
        );
      }
    }
  } else {
    if (cfg.partition_by !== undefined || cfg.order_by !== undefined) {
      fail("'order_by' and 'partition_by' are ClickHouse settings; this model runs on PostgreSQL");
    }
    if (cfg.materialized === "incremental") {
      if (cfg.incremental_strategy === "partition") fail("incremental_strategy 'partition' is ClickHouse only");
      if (cfg.incremental_strategy === "time_range" && cfg.time_column === undefined) {
        fail("incremental_strategy 'time_range' needs 'time_column'");
      }
      if (cfg.incremental_strategy === "delete+insert" && cfg.unique_key.length === 0) {
        fail("incremental_strategy 'delete+insert' needs 'unique_key'");
      }
    }
    if (cfg.materialized === "snapshot") {
      if (cfg.durable_key === undefined || cfg.updated_at === undefined || cfg.unique_key.length !== 1) {
        fail("a snapshot needs 'durable_key' (the entity), 'updated_at' (a version's start) and one 'unique_key'");
      }
    }
  }
}
