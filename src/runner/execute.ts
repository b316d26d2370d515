/**
 * The executor: decides what each selected node needs (a full build, an increment, nothing), runs it on its
 * engine in DAG order with its tests as the audit, skips the descendants of anything that failed, and records a
 * result per node.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import { chQuery } from "../clients/clickhouse.ts";
import type { Logger } from "../log.ts";
import {
  type CompiledTest,
  compileNode,
  floorToDay,
  genericTestName,
  genericTestRowCheck,
  genericTestSql,
  type Phase,
  postgresqlRead,
  qualified,
  relationOf,
  type Targets,
  windowScope,
} from "./compile.ts";
import type { Project } from "./project.ts";
import type { Window } from "./template.ts";
import type { Node } from "./types.ts";
import { NeedsFullRefresh, pgApplyIncrement, pgBuildTable, pgBuildView, pgLoadSeed } from "./pg.ts";
import { chBuildTable, chBuildView, chReplaceMinutes, chReplacePartitions } from "./ch.ts";
import { chIdent, chLiteral } from "./quote.ts";
import {
  ensureState,
  type Grain,
  loadedBatches,
  lookbackMs,
  markBuilt,
  readStates,
  sliceWindow,
  touchedSlices,
  unprocessedBatches,
} from "./state.ts";
import type { ModelState } from "./state.ts";

/** The outcome of one test. */
export interface TestResult {
  name: string;
  node: string;
  severity: "error" | "warn";
  status: "pass" | "fail" | "warn" | "error";
  failures: number;
  message?: string;
  duration_ms: number;
}

/** The outcome of one node. */
export interface NodeResult {
  name: string;
  kind: Node["kind"];
  status: "success" | "error" | "fail" | "skipped" | "up_to_date";
  mode?: "full" | "incremental";
  message?: string;
  rows_affected?: number;
  window?: Window;
  batches?: number;
  started_at: string;
  duration_ms: number;
  tests: TestResult[];
}

/** What the executor needs from the outside; clients are injected (ClickHouse lazily). */
export interface ExecDeps {
  sql: Sql;
  clickhouse: () => Promise<ClickHouseClient>;
  log: Logger;
}

/** What an increment covers: the snapshot's batches a model has not processed, and the window they open. */
interface Pending {
  ids: number[];
  /** Undefined when the batches hold no events (they are marked processed with no work). */
  window?: Window;
}

/** What a run was asked to do. */
export interface ExecOptions {
  command: "run" | "build" | "test" | "seed";
  fullRefresh: boolean;
  vars: Record<string, string>;
  targets: Targets;
  /** The compiled SQL of each node is written here (relative paths as in the project). */
  compiledDir?: string;
}

/** Why a node would be built the way it is (the `plan` command prints these). */
export interface Decision {
  node: string;
  action: "build" | "increment" | "skip" | "test";
  mode: "full" | "incremental" | "none";
  reason: string;
  window?: Window;
  batchIds: number[];
}

/** The window given by `--vars start=... [end=...]`, if any. */
export function varsWindow(vars: Record<string, string>): Window | undefined {
  if (vars.start === undefined) return undefined;
  const iso = (v: string, name: string) => {
    const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(t)) throw new Error(`--vars ${name}=${v} is not a date or timestamp`);
    return new Date(t).toISOString();
  };
  return { start: iso(vars.start, "start"), ...(vars.end !== undefined ? { end: iso(vars.end, "end") } : {}) };
}

/** Runs nodes; one instance per command invocation. */
export class Executor {
  #ch?: Promise<ClickHouseClient>;
  #states = new Map<string, ModelState>();
  /** PostgreSQL relations of the project's schemas when the run started (a node's own build creates its own). */
  #pgRelations = new Set<string>();
  /** The loaded batches when the run started: every node's work is bounded by this snapshot. */
  #snapshot: number[] = [];
  /** Touched slices by grain and batch set (usually every model shares one set of new batches). */
  #slices = new Map<string, Promise<number[]>>();
  /** Nodes that changed data in this run (their downstream tables cannot be skipped). */
  #changed = new Set<string>();
  /**
   * The tables of the ClickHouse database when first asked (one query instead of one per node). A node's own build
   * creates its table, and no other node asks about it afterwards in the same run.
   */
  #chTables?: Promise<Set<string>>;
  /** Batches each node was marked as having processed in this run (beside `#states`, read at init). */
  #processedNow = new Map<string, Set<number>>();
  /** Singular tests by the node whose audit runs them (the last of their refs in DAG order). */
  readonly anchored = new Map<string, Node[]>();

  constructor(readonly project: Project, readonly deps: ExecDeps, readonly opts: ExecOptions) {
    const order = project.dag.order();
    const pos = new Map(order.map((n, i) => [n, i]));
    for (const n of project.nodes.values()) {
      if (n.kind !== "test" || n.refs.length === 0) continue;
      const anchor = [...n.refs].sort((a, b) => pos.get(b)! - pos.get(a)!)[0]!;
      this.anchored.set(anchor, [...(this.anchored.get(anchor) ?? []), n]);
    }
  }

  get #prefix(): string {
    return this.opts.targets.schemaPrefix;
  }

  /** The ClickHouse client, opened on first use. */
  clickhouse(): Promise<ClickHouseClient> {
    this.#ch ??= this.deps.clickhouse().then(async (ch) => {
      const dbs = await this.#attachPostgres(ch);
      return timed(ch, this.deps.log, async () => {
        for (const db of dbs) await ch.command({ query: `drop database if exists ${chIdent(db)} sync` });
        this.opts.targets.pg.databases = undefined;
      });
    });
    return this.#ch;
  }

  /**
   * For each PostgreSQL schema a ClickHouse model may read, a ClickHouse database of engine `PostgreSQL` on it (over
   * the named collection), for this run only: its tables share a connection pool, so a read costs a few ms instead of
   * the ~15 ms of a `postgresql()` call that connects anew. Views keep `postgresql()` (they outlive the run).
   * Dropped when the client closes; when they cannot be made (a server refusing the DDL), reads use `postgresql()`.
   */
  async #attachPostgres(ch: ClickHouseClient): Promise<string[]> {
    const t = this.opts.targets;
    const schemas = new Set<string>();
    for (const n of this.project.nodes.values()) {
      if (n.config.engine === "postgres" && n.kind !== "test") schemas.add(relationOf(n, t).schema);
    }
    for (const src of Object.values(this.project.file.sources)) schemas.add(t.schemaPrefix + src.schema);
    const databases = new Map<string, string>();
    try {
      for (const schema of schemas) {
        const db = `${t.clickhouseDatabase}__pg_${schema}`;
        await ch.command({
          query: `create database if not exists ${chIdent(db)} engine = PostgreSQL(${chIdent(t.pg.collection)}, ` +
            `schema = ${chLiteral(schema)})`,
        });
        databases.set(schema, db);
      }
    } catch (e) {
      this.deps.log.warn(`reading PostgreSQL through postgresql() (no PostgreSQL database): ${(e as Error).message}`);
      for (const db of databases.values()) await ch.command({ query: `drop database if exists ${chIdent(db)}` });
      return [];
    }
    t.pg.databases = databases;
    return [...databases.values()];
  }

  /** Whether a ClickHouse client was opened (the caller closes it). */
  get openedClickhouse(): Promise<ClickHouseClient> | undefined {
    return this.#ch;
  }

  /** Prepare the state table, read it and take the snapshot of loaded batches (once per run). */
  async init(): Promise<void> {
    await ensureState(this.deps.sql, this.project, this.#prefix);
    this.#states = await readStates(this.deps.sql, this.project, this.#prefix);
    this.#snapshot = await loadedBatches(this.deps.sql, this.project, this.#prefix);
    const schemas = [
      ...new Set(
        [...this.project.nodes.values()].filter((n) => n.config.engine === "postgres")
          .map((n) => relationOf(n, this.opts.targets).schema),
      ),
    ];
    const rows = await this.deps.sql.unsafe<{ schema: string; name: string }[]>(
      `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = any($1::text[]) and c.relkind in ('r', 'v', 'm', 'p')`,
      [schemas],
    );
    this.#pgRelations = new Set(rows.map((r) => `${r.schema}.${r.name}`));
  }

  /** The batches this run covers (loaded when it started). */
  get snapshot(): readonly number[] {
    return this.#snapshot;
  }

  /**
   * The snapshot's batches a node has not processed and the window that recomputes exactly the slices their
   * events fall in: minutes on PostgreSQL, days (partitions) on ClickHouse, each widened by the lookback; a
   * snapshot (SCD2) recomputes from its first slice onwards, since its later versions carry earlier state.
   * Without `increments` in the project file, the window starts at the target's latest time minus the lookback.
   */
  async #pending(node: Node): Promise<Pending> {
    const cfg = node.config;
    const minutes = cfg.engine === "clickhouse" && cfg.incremental_strategy === "time_range";
    const lookback = minutes ? this.#readLookback(node) : lookbackMs(cfg.lookback);
    if (!this.project.file.increments) {
      const last = await this.#latest(node);
      return { ids: [], window: { start: new Date((last?.getTime() ?? 0) - lookback).toISOString() } };
    }
    const ids = this.#followable(
      node,
      unprocessedBatches(this.#snapshot, this.#states.get(node.name)?.processed ?? []),
    );
    if (ids.length === 0) return { ids };
    const grain: Grain = cfg.engine === "clickhouse" && !minutes ? "day" : "minute";
    const key = `${grain}:${ids.join(",")}`;
    let slices = this.#slices.get(key);
    if (!slices) {
      slices = touchedSlices(this.deps.sql, this.project, this.#prefix, ids, grain);
      this.#slices.set(key, slices);
    }
    let starts = await slices;
    if (starts.length > 0 && cfg.provisional !== undefined) starts = [...starts, ...await this.#provisional(node)];
    const unbounded = cfg.lookahead === "unbounded";
    const ahead = cfg.lookahead === undefined || unbounded ? 0 : lookbackMs(cfg.lookahead);
    const window = sliceWindow(starts, grain, lookback, cfg.materialized === "snapshot" || unbounded, ahead);
    return { ids, ...(window ? { window } : {}) };
  }

  /** Record that a node reflects `ids` (the state table, and this run's memory of it). */
  async #markBuilt(conn: Sql | TxSql, node: Node, ids: number[], replace: boolean): Promise<void> {
    await markBuilt(conn, this.project, this.#prefix, node.name, node.checksum, ids, replace);
    const seen = this.#processedNow.get(node.name) ?? new Set<number>();
    for (const id of ids) seen.add(id);
    this.#processedNow.set(node.name, seen);
  }

  /**
   * The PostgreSQL incrementals a ClickHouse `time_range` increment reads (at any depth). It follows their minutes,
   * so it may only take a batch once each of them has processed it: a batch loaded after the star's run and before
   * the marts' would otherwise be read before the star holds it, and its minutes never recomputed again.
   */
  #followed(node: Node): Node[] {
    if (node.config.engine !== "clickhouse" || node.config.incremental_strategy !== "time_range") return [];
    return [...this.project.dag.upstream(node.name)].map((u) => this.project.nodes.get(u)!)
      .filter((n) => n.config.engine === "postgres" && n.config.materialized === "incremental");
  }

  /** Of `ids`, those every followed upstream model has processed (before this run or in it). */
  #followable(node: Node, ids: number[]): number[] {
    const ups = this.#followed(node);
    return ids.filter((id) =>
      ups.every((u) =>
        this.#processedNow.get(u.name)?.has(id) ||
        (this.#states.get(u.name)?.processed ?? []).some(([a, b]) => id >= a && id <= b)
      )
    );
  }

  /**
   * The lookback of a ClickHouse `time_range` increment: its own, or the longest of the PostgreSQL incrementals it
   * reads (at any depth), since they rewrite that much before each touched minute and the copy must follow them.
   */
  #readLookback(node: Node): number {
    return Math.max(
      lookbackMs(node.config.lookback),
      ...this.#followed(node).map((n) => lookbackMs(n.config.lookback)),
    );
  }

  /**
   * The days of a ClickHouse incremental's live table that hold a row matching its `provisional` predicate (e.g.
   * `not is_final`): every increment recomputes them, touched or not (epoch ms of each day's start).
   */
  async #provisional(node: Node): Promise<number[]> {
    const target = qualified(relationOf(node, this.opts.targets));
    const rows = await chQuery<{ d: string }>(
      await this.clickhouse(),
      `select distinct toString(toDate(${node.config.time_column})) as d from ${target} where ${node.config.provisional}`,
    );
    return rows.map((r) => Date.parse(`${r.d}T00:00:00Z`));
  }

  /** The latest value of a node's time column in its table (increments of a project without batches). */
  async #latest(node: Node): Promise<Date | null> {
    const cfg = node.config;
    const timeColumn = cfg.materialized === "snapshot" ? cfg.updated_at! : cfg.time_column ?? "";
    const target = qualified(relationOf(node, this.opts.targets));
    if (cfg.engine === "postgres") {
      const [row] = await this.deps.sql.unsafe<{ t: Date | null }[]>(`select max(${timeColumn}) as t from ${target}`);
      return row?.t ?? null;
    }
    const rows = await chQuery<{ t: string | null }>(
      await this.clickhouse(),
      `select toString(toDateTime64(max(${timeColumn}), 3, 'UTC')) as t from ${target}`,
    );
    const t = rows[0]?.t;
    return t ? new Date(t.replace(" ", "T") + "Z") : null;
  }

  /**
   * Whether anything upstream of a node (at any depth) changed data: in this run, or in an earlier run after the
   * node was last built (a view's rebuild with the same SQL changes no data, so views do not count by themselves).
   */
  #upstreamChanged(node: Node): boolean {
    const ancestors = [...this.project.dag.upstream(node.name)];
    if (ancestors.some((u) => this.#changed.has(u))) return true;
    const builtAt = this.#states.get(node.name)?.built_at?.getTime() ?? -Infinity;
    return ancestors.some((u) => {
      const n = this.project.nodes.get(u)!;
      const at = this.#states.get(u)?.built_at?.getTime();
      return n.config.materialized !== "view" && at !== undefined && at > builtAt;
    });
  }

  async #exists(node: Node): Promise<boolean> {
    const rel = relationOf(node, this.opts.targets);
    if (node.config.engine === "postgres") return this.#pgRelations.has(`${rel.schema}.${rel.name}`);
    this.#chTables ??= this.clickhouse().then(async (ch) =>
      new Set(
        (await chQuery<{ name: string }>(
          ch,
          `select name from system.tables where database = ${chLiteral(rel.schema)}`,
        )).map((r) => r.name),
      )
    );
    return (await this.#chTables).has(rel.name);
  }

  /** Decide how a node would be built now, and why. */
  async decide(node: Node): Promise<Decision> {
    const base = { node: node.name, batchIds: [] as number[] };
    if (node.kind === "test") return { ...base, action: "test", mode: "none", reason: "singular test" };
    const cfg = node.config;
    const state = this.#states.get(node.name);
    const exists = await this.#exists(node);
    if (node.kind === "seed") {
      if (!this.opts.fullRefresh && exists && state?.checksum === node.checksum) {
        return { ...base, action: "skip", mode: "none", reason: "up to date: the CSV and its schema are unchanged" };
      }
      return {
        ...base,
        action: "build",
        mode: "full",
        reason: exists ? "the CSV or its schema changed" : "not loaded yet",
      };
    }
    const pendingFor = () => this.#pending(node);
    const allBatches = () =>
      Promise.resolve(this.readsBatches(node) ? this.#followable(node, [...this.#snapshot]) : []);
    if (cfg.materialized === "view") {
      // An unchanged PostgreSQL view serves new rows by itself: it is not recreated, only its tests are run on the
      // new batches' slices (its audit).
      const recreate = this.opts.fullRefresh || !exists || state?.checksum !== node.checksum ||
        cfg.engine !== "postgres" || node.placeholders.some((p) => p.fn === "var") || !this.project.file.increments;
      if (recreate) {
        return {
          ...base,
          action: "build",
          mode: "full",
          batchIds: await allBatches(),
          reason: !exists
            ? "view does not exist"
            : state?.checksum !== node.checksum
            ? "SQL or config changed"
            : node.placeholders.some((p) => p.fn === "var")
            ? "rebuild: reads --vars"
            : "views are recreated",
        };
      }
      if (!this.readsBatches(node)) {
        return { ...base, action: "skip", mode: "none", reason: "up to date: unchanged, and reads no batched source" };
      }
      const p = await pendingFor();
      if (!p.window) {
        return {
          ...base,
          action: "skip",
          mode: "none",
          batchIds: p.ids,
          reason: p.ids.length
            ? `up to date: ${p.ids.length} new batch(es) without events`
            : "up to date: no new batches",
        };
      }
      return {
        ...base,
        action: "test",
        mode: "incremental",
        batchIds: p.ids,
        window: p.window,
        reason: `unchanged view; audit ${p.ids.length} new batch(es): ${describeWindow(p.window)}`,
      };
    }
    if (cfg.materialized === "table") {
      const upstreamChanged = this.#upstreamChanged(node);
      if (!this.opts.fullRefresh && exists && state?.checksum === node.checksum && !upstreamChanged) {
        if (node.placeholders.some((p) => p.fn === "var")) {
          return {
            ...base,
            action: "build",
            mode: "full",
            batchIds: await allBatches(),
            reason: "rebuild: reads --vars",
          };
        }
        if (!this.readsBatches(node)) {
          return {
            ...base,
            action: "skip",
            mode: "none",
            reason: "up to date: unchanged, and reads no batched source",
          };
        }
        const p = await pendingFor();
        if (p.ids.length === 0) {
          return { ...base, action: "skip", mode: "none", reason: "up to date: no new batches, no upstream change" };
        }
      }
      const why = !exists
        ? "table does not exist yet"
        : state?.checksum !== node.checksum
        ? "SQL or config changed"
        : upstreamChanged
        ? "an upstream node changed"
        : "new batches";
      return { ...base, action: "build", mode: "full", batchIds: await allBatches(), reason: `rebuild: ${why}` };
    }
    // incremental or snapshot
    if (this.opts.fullRefresh || !exists) {
      return {
        ...base,
        action: "build",
        mode: "full",
        batchIds: await allBatches(),
        reason: this.opts.fullRefresh ? "--full-refresh" : "table does not exist yet",
      };
    }
    const forced = varsWindow(this.opts.vars);
    const changed = state?.checksum !== undefined && state.checksum !== node.checksum
      ? " (SQL or config changed since the last build: older rows keep the old logic until --full-refresh)"
      : "";
    if (forced) {
      return {
        ...base,
        action: "increment",
        mode: "incremental",
        window: this.#align(node, forced),
        reason: `--vars window${changed}`,
      };
    }
    const p = await pendingFor();
    if (!p.window) {
      return {
        ...base,
        action: "skip",
        mode: "none",
        batchIds: p.ids,
        reason: p.ids.length
          ? `up to date: ${p.ids.length} new batch(es) without events${changed}`
          : `up to date: no new batches${changed}`,
      };
    }
    return {
      ...base,
      action: "increment",
      mode: "incremental",
      batchIds: p.ids,
      window: this.#align(node, p.window),
      reason: `${p.ids.length} new batch(es): ${describeWindow(p.window)}${changed}`,
    };
  }

  /** Whether a node reads (directly or through its ancestors) the source that batches arrive in. */
  readsBatches(node: Node): boolean {
    const events = this.project.file.increments?.events.source;
    if (!events) return false;
    return [node.name, ...this.project.dag.upstream(node.name)].some((n) =>
      this.project.nodes.get(n)!.sources.includes(events)
    );
  }

  #align(node: Node, w: Window): Window {
    // A ClickHouse `partition` increment recomputes whole days; a `time_range` one the minutes themselves.
    const days = node.config.engine === "clickhouse" && node.config.incremental_strategy !== "time_range";
    return days ? { ...w, start: floorToDay(w.start) } : w;
  }

  /** The SQL each node was last compiled to in this run (to map an error's position to a line). */
  readonly compiled = new Map<string, string>();

  /** Compile a node for its build phase (and write what runs under target/run). */
  async compile(node: Node, phase: Phase): Promise<string> {
    const t = this.opts.targets;
    // A ClickHouse view outlives the run, and with it the run's PostgreSQL databases: it reads through postgresql().
    const targets = node.config.engine === "clickhouse" && node.config.materialized === "view"
      ? { ...t, pg: { collection: t.pg.collection } }
      : t;
    const sql = compileNode(node, this.project, targets, phase);
    this.compiled.set(node.name, sql);
    if (this.opts.compiledDir) {
      const path = `${this.opts.compiledDir}/${node.path}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, sql.trimStart() + "\n");
    }
    return sql;
  }

  /**
   * The tests of a node (its generic tests and the singular tests it anchors), compiled for an audit. `window` is
   * the node's increment: a singular test's `in_range()` renders it, so that its audit reads the slices the new
   * batches touch instead of whole tables (a full build, `models test` and no window: the whole relations).
   */
  testsFor(
    node: Node,
    overrides: Map<string, string>,
    scope?: string,
    window?: Window,
    increment?: string,
  ): CompiledTest[] {
    const t = this.opts.targets;
    const engine = node.config.engine;
    const relation = overrides.get(node.name) ?? qualified(relationOf(node, t));
    const out: CompiledTest[] = [];
    const generic = [...node.config.columns.flatMap((c) => c.tests), ...node.config.tests];
    for (const g of generic) {
      let parent: string | undefined;
      if (g.kind === "relationships") {
        const p = this.project.nodes.get(g.to)!;
        const prel = relationOf(p, t);
        parent = overrides.get(g.to) ??
          (p.config.engine === engine ? qualified(prel) : postgresqlRead(t, prel.schema, prel.name));
      }
      const opts = { ...(scope ? { scope } : {}), ...(increment ? { increment } : {}) };
      const rowCheck = engine === "clickhouse" ? genericTestRowCheck(g, relation, opts) : undefined;
      // A ClickHouse increment replaces whole partitions: when the partition column is part of a unique key, no key
      // of the increment can meet a row of the partitions it leaves alone, so the key is checked in the increment.
      const partitionKeyed = increment !== undefined && g.kind === "unique" &&
        keyColumns(g.column).includes(node.config.partition_by ?? "");
      out.push({
        name: genericTestName(node.name, g),
        node: node.name,
        severity: g.severity,
        engine,
        sql: partitionKeyed
          ? genericTestSql(engine, g, increment!, scope ? { scope } : {})
          : genericTestSql(engine, g, relation, { ...opts, ...(parent ? { parent } : {}) }),
        ...(rowCheck ? { rowCheck } : {}),
      });
    }
    for (const s of this.anchored.get(node.name) ?? []) out.push(this.singular(s, overrides, window));
    return out;
  }

  /** A singular test compiled with relations replaced (and `in_range()` on the anchor's increment, if any). */
  singular(test: Node, overrides: Map<string, string>, window?: Window): CompiledTest {
    return {
      name: test.name,
      node: test.name,
      severity: test.config.severity,
      engine: test.config.engine,
      sql: compileNode(test, this.project, this.opts.targets, {
        overrides,
        vars: this.opts.vars,
        ...(window ? { window } : {}),
      }),
    };
  }

  /** Run compiled tests on a connection; stops at the first error inside a PostgreSQL transaction. */
  async runTests(tests: CompiledTest[], conn?: Sql | TxSql): Promise<TestResult[]> {
    const out: TestResult[] = [];
    const counted = await this.#countTogether(tests, conn);
    for (const t of tests) {
      const started = performance.now();
      const result: TestResult = {
        name: t.name,
        node: t.node,
        severity: t.severity,
        status: "pass",
        failures: 0,
        duration_ms: 0,
      };
      const together = counted.get(t);
      try {
        let sample: unknown[] = [];
        if (t.engine === "postgres") {
          const c = conn ?? this.deps.sql;
          if (together) result.failures = together.failures;
          else {
            const [row] = await c.unsafe<{ n: string }[]>(`select count(*) as n from (\n${t.sql}\n) as failing`);
            result.failures = Number(row?.n ?? 0);
          }
          if (result.failures > 0) sample = await c.unsafe(`select * from (\n${t.sql}\n) as failing limit 3`);
        } else {
          const ch = await this.clickhouse();
          if (together) result.failures = together.failures;
          else {
            const [row] = await chQuery<{ n: string }>(ch, `select count() as n from (\n${t.sql}\n)`);
            result.failures = Number(row?.n ?? 0);
          }
          if (result.failures > 0) sample = await chQuery(ch, `select * from (\n${t.sql}\n) limit 3`);
        }
        if (result.failures > 0) {
          result.status = t.severity === "warn" ? "warn" : "fail";
          result.message = `${result.failures} failing row(s), e.g. ${JSON.stringify(sample, bigintSafe)}`;
        }
      } catch (e) {
        result.status = "error";
        result.message = (e as Error).message;
      }
      result.duration_ms = Math.round(performance.now() - started + (together?.share_ms ?? 0));
      out.push(result);
      const log = this.deps.log;
      if (result.status === "fail" || result.status === "error") {
        log.error(`test ${t.name} ${result.status}: ${result.message}`);
      } else if (result.status === "warn") log.warn(`test ${t.name} warns: ${result.message}`);
      if (result.status === "error" && conn && conn !== this.deps.sql) break;
    }
    return out;
  }

  /**
   * The failure counts of several tests of one engine in a single query (one round trip and one plan per audit
   * instead of one per test: most of an increment's audit is per-query overhead). Inside a PostgreSQL transaction
   * it runs under a savepoint; when the query fails, nothing is returned and every test runs on its own, so an
   * error is reported by the test that causes it. Each test is charged an equal share of the query's time.
   */
  async #countTogether(
    tests: CompiledTest[],
    conn?: Sql | TxSql,
  ): Promise<Map<CompiledTest, { failures: number; share_ms: number }>> {
    const out = new Map<CompiledTest, { failures: number; share_ms: number }>();
    for (const engine of ["postgres", "clickhouse"] as const) {
      const group = tests.filter((t) => t.engine === engine);
      if (group.length < 2) continue;
      const started = performance.now();
      const cols = group.map((t, i) =>
        engine === "postgres"
          ? `(select count(*) from (\n${t.sql}\n) as failing) as c${i}`
          : t.rowCheck
          ? `__n${i} as c${i}`
          : `(select count() from (\n${t.sql}\n)) as c${i}`
      );
      // ClickHouse: the row checks of one relation in one scan (a scalar subquery costs ~5 ms to plan).
      const scans = new Map<string, string[]>();
      group.forEach((t, i) => {
        if (engine === "clickhouse" && t.rowCheck) {
          scans.set(t.rowCheck.rows, [
            ...(scans.get(t.rowCheck.rows) ?? []),
            `countIf(${t.rowCheck.failing}) as __n${i}`,
          ]);
        }
      });
      const from = [...scans].map(([rows, counts], k) => `(select ${counts.join(", ")} from ${rows} as m) as q${k}`);
      const query = `select ${cols.join(",\n")}${from.length ? `\nfrom ${from.join("\ncross join ")}` : ""}`;
      let row: Record<string, unknown> | undefined;
      try {
        if (engine === "clickhouse") row = (await chQuery<Record<string, unknown>>(await this.clickhouse(), query))[0];
        else if (conn && conn !== this.deps.sql) {
          row = (await (conn as TxSql).savepoint((sp) => sp.unsafe<Record<string, unknown>[]>(query)))[0];
        } else row = (await (conn ?? this.deps.sql).unsafe<Record<string, unknown>[]>(query))[0];
      } catch (e) {
        // One by one below: the failing test reports its own error.
        this.deps.log.debug(`tests of ${group[0]!.node} run one by one: ${(e as Error).message}`);
        continue;
      }
      if (!row) continue;
      const share = (performance.now() - started) / group.length;
      group.forEach((t, i) => out.set(t, { failures: Number(row[`c${i}`] ?? 0), share_ms: share }));
    }
    return out;
  }

  /** Build one node (with its audit when `audit`), returning its result. */
  async build(node: Node, audit: boolean): Promise<NodeResult> {
    const startedAt = new Date();
    const t0 = performance.now();
    const result: NodeResult = {
      name: node.name,
      kind: node.kind,
      status: "success",
      started_at: startedAt.toISOString(),
      duration_ms: 0,
      tests: [],
    };
    const done = () => ({ ...result, duration_ms: Math.round(performance.now() - t0) });
    const decision = await this.decide(node);
    if (decision.action === "skip") {
      // Batches without events: nothing to compute, but the model now reflects them.
      if (decision.batchIds.length > 0) {
        await this.#markBuilt(this.deps.sql, node, decision.batchIds, false);
      }
      result.status = "up_to_date";
      result.message = decision.reason;
      return done();
    }
    result.mode = decision.mode === "incremental" ? "incremental" : "full";
    if (decision.window) result.window = decision.window;
    result.batches = decision.batchIds.length;
    const tests: TestResult[] = [];
    const blocking = (rs: TestResult[]) => rs.some((r) => r.status === "fail" || r.status === "error");
    const live = relationOf(node, this.opts.targets);
    const onPublish = async (tx: TxSql) => {
      await this.#markBuilt(tx, node, decision.batchIds, decision.mode === "full");
    };
    // The increment's window scopes the singular tests (a full build checks whole relations).
    const auditWindow = decision.mode === "incremental" ? decision.window : undefined;
    const pgAudit = async (conn: Sql | TxSql, overrides: Map<string, string>, scope?: string) => {
      if (!audit) return true;
      const rs = await this.runTests(this.testsFor(node, overrides, scope, auditWindow), conn);
      tests.push(...rs);
      return !blocking(rs);
    };
    const chAudit = async (overrides: Map<string, string>, increment?: string) => {
      if (!audit) return true;
      const rs = await this.runTests(this.testsFor(node, overrides, undefined, auditWindow, increment));
      tests.push(...rs);
      return !blocking(rs);
    };
    const cfg = node.config;
    let published: boolean;
    if (node.kind === "seed") {
      const b = await pgLoadSeed(
        this.deps.sql,
        node,
        live,
        this.project.seeds.get(node.name)!,
        (c, o) => pgAudit(c, o),
      );
      if (b.published) await this.#markBuilt(this.deps.sql, node, [], true);
      result.rows_affected = b.rows;
      published = b.published;
    } else if (cfg.engine === "postgres") {
      const full = decision.mode !== "incremental" || cfg.materialized === "view" || cfg.materialized === "table";
      const select = await this.compile(node, { vars: this.opts.vars, ...(full ? {} : { window: decision.window! }) });
      if (cfg.materialized === "view" && decision.action === "test") {
        // Unchanged view: audit the new batches' slices, then record them (no DDL, nothing to publish).
        const scope = cfg.time_column ? windowScope("postgres", cfg.time_column, decision.window!) : undefined;
        published = await pgAudit(this.deps.sql, new Map(), scope);
        if (published) {
          await this.#markBuilt(this.deps.sql, node, decision.batchIds, false);
        }
      } else if (cfg.materialized === "view") {
        const scope = decision.window && cfg.time_column
          ? windowScope("postgres", cfg.time_column, decision.window)
          : undefined;
        const skipAudit = decision.mode === "incremental" && !decision.window;
        const b = await pgBuildView(
          this.deps.sql,
          live,
          select,
          skipAudit ? () => Promise.resolve(true) : pgAudit,
          scope,
          onPublish,
        );
        published = b.published;
      } else if (full) {
        const b = await pgBuildTable(this.deps.sql, node, live, select, pgAudit, onPublish);
        result.rows_affected = b.rows;
        published = b.published;
      } else {
        const timeColumn = cfg.materialized === "snapshot" ? cfg.updated_at! : cfg.time_column;
        const scopedAudit = async (conn: Sql | TxSql, o: Map<string, string>, scope?: string) =>
          await pgAudit(
            conn,
            o,
            scope ?? (timeColumn ? windowScope("postgres", timeColumn, decision.window!) : undefined),
          );
        try {
          const b = await pgApplyIncrement(this.deps.sql, node, live, select, decision.window, scopedAudit, onPublish);
          result.rows_affected = b.rows;
          published = b.published;
        } catch (e) {
          if (!(e instanceof NeedsFullRefresh)) throw e;
          this.deps.log.warn(
            `${node.name}: columns changed (${e.message}); rebuilding in full (on_schema_change: full_refresh)`,
          );
          const all = [...this.#snapshot];
          const fullSelect = await this.compile(node, { vars: this.opts.vars });
          const b = await pgBuildTable(this.deps.sql, node, live, fullSelect, pgAudit, async (tx) => {
            await this.#markBuilt(tx, node, all, true);
          });
          result.mode = "full";
          result.rows_affected = b.rows;
          published = b.published;
        }
      }
    } else {
      const ch = await this.clickhouse();
      const incremental = decision.mode === "incremental" && cfg.materialized === "incremental";
      const select = await this.compile(node, {
        vars: this.opts.vars,
        ...(incremental ? { window: decision.window! } : {}),
      });
      let b;
      if (cfg.materialized === "view") b = await chBuildView(ch, node, live, select, chAudit);
      else if (incremental && cfg.incremental_strategy === "time_range") {
        b = await chReplaceMinutes(ch, node, live, select, chAudit, decision.window!);
      } else if (incremental) b = await chReplacePartitions(ch, node, live, select, chAudit, decision.window);
      else b = await chBuildTable(ch, node, live, select, chAudit, await this.#exists(node));
      if (b.published) {
        await this.#markBuilt(this.deps.sql, node, decision.batchIds, !incremental);
      }
      result.rows_affected = b.rows;
      published = b.published;
    }
    result.tests = tests;
    if (!published) {
      result.status = "fail";
      const failing = tests.filter((r) => r.status === "fail" || r.status === "error").map((r) => r.name);
      result.message = `not published: blocking test(s) failed: ${
        failing.join(", ")
      }; the previous version stays in place`;
    } else if (cfg.materialized !== "view" || (decision.mode === "full" && decision.reason !== "views are recreated")) {
      // A recreated view with the same SQL serves the same rows; anything else built here changed data.
      this.#changed.add(node.name);
    }
    return done();
  }

  /** Run the tests of a node against its live relation (the `test` command). */
  async test(node: Node): Promise<NodeResult> {
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    const tests = node.kind === "test"
      ? [this.singular(node, new Map())]
      : this.testsFor(node, new Map()).filter((t) =>
        // Singular tests run as their own nodes in `test`.
        this.project.nodes.get(t.node)?.kind !== "test"
      );
    const rs = await this.runTests(tests);
    const failed = rs.some((r) => r.status === "fail" || r.status === "error");
    return {
      name: node.name,
      kind: node.kind,
      status: failed ? "fail" : "success",
      ...(failed
        ? {
          message: `failing: ${
            rs.filter((r) => r.status === "fail" || r.status === "error").map((r) => r.name).join(", ")
          }`,
        }
        : {}),
      started_at: startedAt,
      duration_ms: Math.round(performance.now() - t0),
      tests: rs,
    };
  }
}

/** The columns of a test's column or `(a, b)` key. */
function keyColumns(column: string): string[] {
  return column.replace(/^\(|\)$/g, "").split(",").map((c) => c.trim());
}

/** A window in a line: its span, and how many separate ranges it recomputes. */
export function describeWindow(w: Window): string {
  const span = `${w.start} .. ${w.end ?? "now"}`;
  return w.ranges ? `${w.ranges.length} ranges in ${span}` : span;
}

/**
 * The client with `beforeClose` run before it closes, and every statement's duration logged at DEBUG (`LOG_LEVEL=DEBUG deno task models build` shows where a
 * ClickHouse node's time goes, statement by statement).
 */
function timed(ch: ClickHouseClient, log: Logger, beforeClose: () => Promise<void>): ClickHouseClient {
  const wrap = <A extends { query: string }, R>(f: (a: A) => Promise<R>) => async (a: A): Promise<R> => {
    const t = performance.now();
    try {
      return await f(a);
    } finally {
      log.debug(`clickhouse ${Math.round(performance.now() - t)} ms: ${a.query.replace(/\s+/g, " ").slice(0, 160)}`);
    }
  };
  const command = wrap(ch.command.bind(ch));
  const query = wrap(ch.query.bind(ch));
  return new Proxy(ch, {
    get(target, prop) {
      if (prop === "command") return command;
      if (prop === "query") return query;
      if (prop === "close") {
        return async () => {
          try {
            await beforeClose();
          } finally {
            await target.close();
          }
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function bigintSafe(_k: string, v: unknown) {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}
