/**
 * The shared vocabulary of the model runner: engines, materializations, the typed model config, tests and the
 * nodes of the DAG.
 *
 * @module
 */

/** Where a model runs. */
export type Engine = "postgres" | "clickhouse";

/** How a model's select becomes a relation. */
export type Materialization = "view" | "table" | "incremental" | "snapshot";

/**
 * How an incremental model merges an increment:
 * - `time_range`: delete the target rows whose `time_column` lies in the window, insert the window (PostgreSQL);
 * - `delete+insert`: delete the target rows whose `unique_key` occurs in the increment, insert it (PostgreSQL);
 * - `partition`: replace every partition that the increment touches (ClickHouse, `REPLACE PARTITION`).
 */
export type IncrementalStrategy = "time_range" | "delete+insert" | "partition";

/** What to do when an incremental model's columns no longer match its table. */
export type OnSchemaChange = "fail" | "append_new_columns" | "full_refresh";

/** Whether a failing test blocks (error) or is only reported (warn). */
export type Severity = "error" | "warn";

/** One generic test, attached to a column (or to the model for `expression`). */
export type GenericTest =
  | { kind: "unique"; column: string; severity: Severity; where?: string }
  | { kind: "not_null"; column: string; severity: Severity; where?: string }
  | {
    kind: "accepted_values";
    column: string;
    values: (string | number | boolean)[];
    severity: Severity;
    where?: string;
  }
  | { kind: "relationships"; column: string; to: string; field: string; severity: Severity; where?: string }
  | { kind: "expression"; column?: string; expression: string; severity: Severity; where?: string };

/** A column as documented in a model header. */
export interface ColumnDoc {
  name: string;
  description: string;
  tests: GenericTest[];
}

/** The resolved config of a model: folder defaults from the project file, overridden by the model's header. */
export interface ModelConfig {
  engine: Engine;
  materialized: Materialization;
  /** PostgreSQL schema (ClickHouse models live in the configured database). */
  schema: string;
  description: string;
  /** One sentence: what one row is. */
  grain: string;
  tags: string[];
  unique_key: string[];
  incremental_strategy?: IncrementalStrategy;
  time_column?: string;
  /** A PostgreSQL interval (`2 hours`): how far before the earliest new event an increment starts. */
  lookback: string;
  /**
   * How far after each touched slice an increment also recomputes (`6 days`: the days whose 7-day windows contain
   * a touched day), or `unbounded`: every slice from the first touched one on (running totals).
   */
  lookahead?: string;
  /**
   * ClickHouse partition incrementals: a predicate on the live table; every partition holding a matching row (a
   * provisional day, e.g. `not is_final`) is recomputed by every increment, touched or not.
   */
  provisional?: string;
  on_schema_change: OnSchemaChange;
  /** PostgreSQL: indexes to create, each a list of columns. */
  indexes: string[][];
  /** Snapshot (SCD2): the durable key whose versions are tracked, and the column a version starts at. */
  durable_key?: string;
  updated_at?: string;
  /** ClickHouse table engine, sorting key and partition key. */
  ch_engine: string;
  order_by?: string;
  partition_by?: string;
  columns: ColumnDoc[];
  tests: GenericTest[];
  enabled: boolean;
  /** Default severity of this model's tests (and of a singular test itself). */
  severity: Severity;
}

/** Where a placeholder or error sits in a model file. */
export interface Location {
  file: string;
  line: number;
}

/** A placeholder `{{ ... }}` found in a model's SQL. */
export type Placeholder =
  | { fn: "ref"; model: string; at: Location; start: number; end: number }
  | { fn: "source"; source: string; table: string; at: Location; start: number; end: number }
  | {
    fn: "var";
    name: string;
    /** The declared type: the value renders as a literal of it, or is refused. */
    type: "date" | "timestamp" | "number" | "string";
    fallback?: string;
    at: Location;
    start: number;
    end: number;
  }
  | { fn: "this"; at: Location; start: number; end: number }
  | {
    fn: "in_range";
    column: string;
    /** `N days` etc.: every range of the window widened backwards by this much (what a window of N days reads). */
    widen?: string;
    at: Location;
    start: number;
    end: number;
  }
  | { fn: "surrogate_key"; columns: string[]; at: Location; start: number; end: number }
  | { fn: "date_key"; column: string; at: Location; start: number; end: number };

/** A node of the DAG: a SQL model, a seed, or a singular test. */
export interface Node {
  /** Unique across the project (a model's file name without `.sql`; seeds by file name; tests `test.<name>`). */
  name: string;
  kind: "model" | "seed" | "test";
  /** Path relative to the project root. */
  path: string;
  /** The folder under models/ (staging, core, marts, tests) or `seeds`. */
  folder: string;
  config: ModelConfig;
  /** The SQL after the header (for seeds: empty). */
  sql: string;
  /** 1-based line in the file where `sql` starts (so errors point at the right line). */
  sqlLine: number;
  placeholders: Placeholder[];
  /** Names of models and seeds this node refs. */
  refs: string[];
  /** `source.table` names this node reads. */
  sources: string[];
  /** sha256 of the file's SQL and its resolved config: `state:modified` compares it. */
  checksum: string;
}
