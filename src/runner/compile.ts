/**
 * Compilation: relation names per engine, rendering a node's SQL for a phase (build or audit), the SQL of
 * generic tests (each a query returning the failing rows), and the DDL of each materialization. Pure functions:
 * the executor runs what they return, and unit tests read it.
 *
 * @module
 */
import { ModelError } from "./header.ts";
import { rangePredicate, render, type Window } from "./template.ts";
import { chIdent, literal, quoteIdent } from "./quote.ts";
import type { Engine, GenericTest, Node } from "./types.ts";
import type { Project } from "./project.ts";

/** Where relations live: PostgreSQL schemas get a prefix (for isolated test runs); ClickHouse has one database. */
export interface Targets {
  /** Prepended to every PostgreSQL schema the runner touches (models, seeds, sources, state). */
  schemaPrefix: string;
  clickhouseDatabase: string;
  /**
   * PostgreSQL as ClickHouse reaches it: the named collection holding its address and credentials (defined by the
   * ClickHouse client), so that no compiled SQL, view or log line holds a password.
   */
  pg: {
    collection: string;
    /**
     * ClickHouse databases of engine `PostgreSQL` by the PostgreSQL schema they show, made by the runner for a run
     * (see `Executor.clickhouse()`): a read through one costs a few ms, through `postgresql()` about 15 ms more,
     * since every call opens its own connection. Reads fall back to `postgresql()` for a schema not in the map.
     */
    databases?: Map<string, string>;
  };
}

/** A relation of a node: its schema (or database) and table name. */
export interface Relation {
  engine: Engine;
  schema: string;
  name: string;
}

/** The live relation of a node (`suffix` gives its build or increment sibling, e.g. `__new`). */
export function relationOf(node: Node, t: Targets, suffix = ""): Relation {
  return node.config.engine === "postgres"
    ? { engine: "postgres", schema: t.schemaPrefix + node.config.schema, name: node.name + suffix }
    : { engine: "clickhouse", schema: t.clickhouseDatabase, name: node.name + suffix };
}

/** `schema.name`, quoted for its engine when needed. */
export function qualified(r: Relation): string {
  const q = r.engine === "postgres" ? quoteIdent : chIdent;
  return `${q(r.schema)}.${q(r.name)}`;
}

/**
 * A ClickHouse read of a PostgreSQL table: through the run's `PostgreSQL` database of its schema when there is one,
 * else through the `postgresql()` table function; both name the named collection only.
 */
export function postgresqlRead(t: Targets, schema: string, table: string): string {
  const database = t.pg.databases?.get(schema);
  if (database !== undefined) return `${chIdent(database)}.${chIdent(table)}`;
  return `postgresql(${chIdent(t.pg.collection)}, schema = ${literal("clickhouse", schema)}, ` +
    `table = ${literal("clickhouse", table)})`;
}

/** How to render a node's relations in one phase. */
export interface Phase {
  /** Relations to use instead of the live one (the audited build, an increment), by node name. */
  overrides?: Map<string, string>;
  window?: Window;
  vars: Record<string, string>;
  /** The node's own relation as `{{ this }}` (defaults to its live relation). */
  self?: string;
}

/** Render a node's SQL for its engine. */
export function compileNode(node: Node, project: Project, t: Targets, phase: Phase): string {
  const engine = node.config.engine;
  const sourceRead = (source: string, table: string) => {
    const schema = t.schemaPrefix + project.file.sources[source]!.schema;
    return engine === "postgres" ? qualified({ engine, schema, name: table }) : postgresqlRead(t, schema, table);
  };
  return render(node.sql, node.placeholders, {
    engine,
    vars: phase.vars,
    ...(phase.window ? { window: phase.window } : {}),
    self: phase.self ?? qualified(relationOf(node, t)),
    source: (s, table) => sourceRead(s, table),
    ref: (name, at) => {
      const over = phase.overrides?.get(name);
      const target = project.nodes.get(name)!;
      const rel = relationOf(target, t);
      if (target.config.engine === engine) return over ?? qualified(rel);
      if (engine === "clickhouse") return postgresqlRead(t, rel.schema, over?.split(".").at(-1) ?? rel.name);
      throw new ModelError(at, `a PostgreSQL model cannot ref ClickHouse model '${name}'`);
    },
  });
}

/** A test ready to run: a name, its severity, and a query returning failing rows. */
export interface CompiledTest {
  name: string;
  /** The node the test is about (its audit gates that node's publish). */
  node: string;
  severity: "error" | "warn";
  engine: Engine;
  sql: string;
  /**
   * For a test whose failing rows are the rows of one relation matching a predicate (`not_null`, `expression`): the
   * relation (as the test reads it, aliased `m`) and the predicate, so that the tests of one relation are counted
   * in one scan (`countIf`) instead of one subquery each.
   */
  rowCheck?: { rows: string; failing: string };
}

/** A stable, readable name for a generic test. */
export function genericTestName(model: string, t: GenericTest): string {
  switch (t.kind) {
    case "accepted_values":
      return `accepted_values_${model}_${t.column}`;
    case "relationships":
      return `relationships_${model}_${t.column}__${t.to}_${t.field}`;
    case "expression": {
      const slug = t.expression.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 40);
      return `expression_${model}_${slug}`;
    }
    default:
      return `${t.kind}_${model}_${t.column}`;
  }
}

/** The rows a generic test reads: the increment's or the relation's, filtered by the test's `where` and the scope. */
function testedRows(t: GenericTest, relation: string, opts: { scope?: string; increment?: string }): string {
  const filters = [t.where, opts.scope].filter((x): x is string => x !== undefined);
  const base = opts.increment ?? relation;
  return filters.length ? `(select * from ${base} where ${filters.join(" and ")})` : base;
}

/**
 * The SQL of a generic test against `relation` (any relation expression), returning failing rows.
 * `scope` (a predicate) narrows the audit to an increment: for `unique`, duplicates of the increment's keys
 * anywhere in the table still fail. `increment` does the same with the increment's own relation (ClickHouse
 * partition increments: the other tests read only its rows). `parent` is the relation of a relationships test's
 * target.
 */
export function genericTestSql(
  engine: Engine,
  t: GenericTest,
  relation: string,
  opts: { scope?: string; parent?: string; increment?: string } = {},
): string {
  const rows = testedRows(t, relation, opts);
  switch (t.kind) {
    case "not_null":
      return `select ${t.column} from ${rows} as m where ${t.column} is null`;
    case "unique": {
      if (opts.scope === undefined && opts.increment === undefined) {
        return `select ${t.column}, count(*) as n from ${rows} as m where ${t.column} is not null ` +
          `group by ${t.column} having count(*) > 1`;
      }
      const all = t.where !== undefined ? `(select * from ${relation} where ${t.where})` : relation;
      return `select ${t.column}, count(*) as n from ${all} as m where ${t.column} in ` +
        `(select ${t.column} from ${rows} as s) group by ${t.column} having count(*) > 1`;
    }
    case "accepted_values": {
      const list = t.values.map((v) => (typeof v === "string" ? literal(engine, v) : String(v))).join(", ");
      return `select ${t.column}, count(*) as n from ${rows} as m where ${t.column} not in (${list}) group by ${t.column}`;
    }
    case "relationships": {
      if (opts.parent === undefined) throw new Error("relationships test needs the parent relation");
      return engine === "postgres"
        ? `select m.${t.column} from ${rows} as m where m.${t.column} is not null and not exists ` +
          `(select 1 from ${opts.parent} as p where p.${t.field} = m.${t.column})`
        : `select ${t.column} from ${rows} as m where ${t.column} is not null and ${t.column} not in ` +
          `(select ${t.field} from ${opts.parent})`;
    }
    case "expression":
      return `select * from ${rows} as m where not (${t.expression})`;
  }
}

/**
 * The relation and predicate of a generic test whose failing rows are the rows of one relation matching a predicate
 * (`not_null`, `expression`): its count equals the count of {@link genericTestSql}'s rows. Undefined for the others.
 */
export function genericTestRowCheck(
  t: GenericTest,
  relation: string,
  opts: { scope?: string; increment?: string } = {},
): { rows: string; failing: string } | undefined {
  const rows = testedRows(t, relation, opts);
  if (t.kind === "not_null") return { rows, failing: `${t.column} is null` };
  if (t.kind === "expression") return { rows, failing: `not (${t.expression})` };
  return undefined;
}

/** The predicate that scopes an audit to an increment's window on a time column. */
export function windowScope(engine: Engine, column: string, window: Window): string {
  return rangePredicate(engine, column, window);
}

/** Statements that build a PostgreSQL table into `build` from a select (seeds use {@link seedTableDdl}). */
export function pgCreateTableAs(build: string, select: string): string {
  return `create table ${build} as\n${select}`;
}

/** A unique-enough index name for a table and its columns. */
export function indexName(table: string, columns: string[]): string {
  return `${table}__${columns.join("_")}_idx`.slice(0, 63);
}

/**
 * The indexes of a PostgreSQL model's table: those its header declares, and for an incremental or a snapshot one
 * on every column with a `unique` test that no declared index leads with, so that the audit of an increment looks
 * its keys up instead of scanning the whole table (a cost that would grow with the warehouse's age).
 */
export function tableIndexes(node: Node): string[][] {
  const cfg = node.config;
  const out = [...cfg.indexes];
  if (cfg.materialized !== "incremental" && cfg.materialized !== "snapshot") return out;
  for (const c of cfg.columns) {
    if (!c.tests.some((t) => t.kind === "unique")) continue;
    if (!out.some((cols) => cols[0] === c.name)) out.push([c.name]);
  }
  return out;
}

/** `create index` statements for a PostgreSQL table. */
export function pgIndexes(schema: string, table: string, indexes: string[][]): string[] {
  return indexes.map((cols) =>
    `create index ${quoteIdent(indexName(table, cols))} on ${quoteIdent(schema)}.${quoteIdent(table)} (${
      cols.join(", ")
    })`
  );
}

/**
 * The select of a snapshot (SCD2) built in full: every version with `valid_to` (the next version's start, null
 * for the current one) and `is_current`.
 */
export function snapshotSelect(select: string, durableKey: string, updatedAt: string, uniqueKey: string): string {
  const order = `partition by ${durableKey} order by ${updatedAt}, ${uniqueKey}`;
  return `select s.*, lead(s.${updatedAt}) over (${order}) as valid_to,\n` +
    `  lead(s.${updatedAt}) over (${order}) is null as is_current\nfrom (\n${select}\n) as s`;
}

/**
 * After an increment was inserted into a snapshot, recompute `valid_to` and `is_current` of every version of the
 * entities in `touched` (a relation with a `durable_key` column).
 */
export function snapshotCloseVersions(
  target: string,
  touched: string,
  durableKey: string,
  updatedAt: string,
  uniqueKey: string,
): string {
  return `update ${target} as t set valid_to = w.next_from, is_current = w.next_from is null\n` +
    `from (select ${uniqueKey}, lead(${updatedAt}) over (partition by ${durableKey} order by ${updatedAt}, ${uniqueKey})` +
    ` as next_from from ${target} where ${durableKey} in (select ${durableKey} from ${touched})) as w\n` +
    `where t.${uniqueKey} = w.${uniqueKey} and (t.valid_to is distinct from w.next_from or t.is_current is distinct from ` +
    `(w.next_from is null))`;
}

/** The delete of a PostgreSQL increment: by the window on the time column, or by the unique key. */
export function pgIncrementDelete(
  node: Node,
  target: string,
  increment: string,
  window: Window | undefined,
): string {
  const cfg = node.config;
  const timeColumn = cfg.materialized === "snapshot" ? cfg.updated_at! : cfg.time_column;
  if (cfg.materialized === "snapshot" || cfg.incremental_strategy === "time_range") {
    if (!window) throw new Error(`${node.name}: a time-range increment needs a window`);
    return `delete from ${target} where ${rangePredicate("postgres", timeColumn!, window)}`;
  }
  const keys = cfg.unique_key;
  const tuple = keys.length === 1 ? keys[0]! : `(${keys.join(", ")})`;
  return `delete from ${target} where ${tuple} in (select ${keys.join(", ")} from ${increment})`;
}

/**
 * Settings of every MergeTree table the runner creates: remove the parts a REPLACE PARTITION, an EXCHANGE, a DROP or a
 * merge left outdated about a second after a process opens the table, not 30 to 40 s after (ClickHouse's defaults).
 * A chDB process lives a few seconds per build, so with the defaults no process of a minute-by-minute pipeline ever
 * removed them: the marts bench left 73 outdated parts after a full build and three increments (docs/runner.md). On a
 * server the shorter period costs a cleanup pass per table and second.
 */
export const CH_MERGE_TREE_SETTINGS = "cleanup_delay_period = 1, cleanup_delay_period_random_add = 0";

/** ClickHouse: the table DDL clause for a model (engine, partition, order, settings). */
export function chTableClause(node: Node): string {
  const c = node.config;
  const engine = /\(.*\)$/.test(c.ch_engine) ? c.ch_engine : `${c.ch_engine}()`;
  const partition = c.partition_by ? ` partition by ${c.partition_by}` : "";
  const settings = /MergeTree/.test(c.ch_engine) ? ` settings ${CH_MERGE_TREE_SETTINGS}` : "";
  return `engine = ${engine}${partition} order by ${c.order_by}${settings}`;
}

/** ClickHouse: build a table from a select. */
export function chCreateTableAs(node: Node, build: string, select: string): string {
  return `create table ${build} ${chTableClause(node)} as\n${select}`;
}

/** Round an ISO instant down to its UTC day (partitions of ClickHouse incrementals are days). */
export function floorToDay(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(0, 10) + "T00:00:00.000Z";
}
