/**
 * The runner's state in PostgreSQL: per model, the set of landing batches its table already reflects (an
 * `int8multirange` of batch ids, compact however many batches there are) and the checksum it was built from.
 *
 * A run reads the set of loaded batches once, at its start (the snapshot); every node's work is bounded by it, so
 * a batch that lands during a build is left for the next run by every model alike. An increment covers the
 * snapshot's batches a model has not processed, and recomputes exactly the time slices their events fall in:
 * the minutes (UTC) of their events on PostgreSQL, read through the landing table's batch index (the cost grows
 * with the new batches, not with the warehouse), and the days recorded in `etl.batch_days` on ClickHouse, whose
 * partitions are days. A model's lookback widens every slice backwards. Batches are marked processed in the same
 * transaction as the increment, so a failed increment is retried in full next time.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";
import type { Window } from "./template.ts";
import type { Project } from "./project.ts";
import { pgLiteral as literal, quoteIdent } from "./quote.ts";

/** One model's state row. */
export interface ModelState {
  model: string;
  checksum: string | null;
  built_at: Date | null;
  /** The processed batch ids as inclusive `[from, to]` ranges. */
  processed: [number, number][];
}

/** The schema-qualified name of the state table. */
export function stateTable(project: Project, prefix: string): string {
  return `${quoteIdent(prefix + project.file.state_schema)}.model_state`;
}

/** Create the state schema and table when missing. */
export async function ensureState(sql: Sql, project: Project, prefix: string): Promise<void> {
  await sql.unsafe(`create schema if not exists ${quoteIdent(prefix + project.file.state_schema)}`);
  await sql.unsafe(`create table if not exists ${stateTable(project, prefix)} (
    model text primary key,
    processed int8multirange not null default '{}',
    checksum text,
    built_at timestamptz
  )`);
}

/** Every model's state. */
export async function readStates(sql: Sql, project: Project, prefix: string): Promise<Map<string, ModelState>> {
  const rows = await sql.unsafe<(Omit<ModelState, "processed"> & { processed: string })[]>(
    `select model, checksum, built_at, processed::text as processed from ${stateTable(project, prefix)}`,
  );
  return new Map(rows.map((r) => [r.model, { ...r, processed: parseIdRanges(r.processed) }]));
}

/** Read an `int8multirange`'s text (`{[1,25),[29,30)}`: canonical half-open ranges) as inclusive ranges. */
export function parseIdRanges(text: string): [number, number][] {
  return [...text.matchAll(/\[(\d+),(\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2]) - 1]);
}

/** The snapshot's batches that are in none of the processed ranges, in id order. */
export function unprocessedBatches(snapshot: readonly number[], processed: [number, number][]): number[] {
  return snapshot.filter((id) => !processed.some(([from, to]) => id >= from && id <= to)).sort((a, b) => a - b);
}

/** A source table named in the project's `increments`, as a qualified relation. */
function sourceRelation(project: Project, prefix: string, dotted: string): string {
  const [source, table] = dotted.split(".");
  const src = project.file.sources[source ?? ""];
  if (!src || table === undefined || !(table in src.tables)) {
    throw new Error(`models/project.yml: increments names '${dotted}', which is not a declared source table`);
  }
  return `${quoteIdent(prefix + src.schema)}.${quoteIdent(table)}`;
}

/** Every loaded batch id: the run's snapshot, read once at its start (what a full build reflects). */
export async function loadedBatches(sql: Sql, project: Project, prefix: string): Promise<number[]> {
  const inc = project.file.increments;
  if (!inc) return [];
  const rows = await sql.unsafe<{ id: string }[]>(
    `select ${inc.batches.id} as id from ${sourceRelation(project, prefix, inc.batches.source)} ` +
      `where ${inc.batches.loaded_when} order by 1`,
  );
  return rows.map((r) => Number(r.id));
}

/** Milliseconds of a lookback like `2 hours` (the header schema admits only this shape). */
export function lookbackMs(lookback: string): number {
  const m = /^(\d+)\s*(second|minute|hour|day)s?$/.exec(lookback.trim());
  if (!m) throw new Error(`lookback '${lookback}' is not like '2 hours'`);
  const unit = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2] as "second"];
  return Number(m[1]) * unit;
}

/** A unit of time an increment recomputes as a whole. */
export type Grain = "minute" | "day";

const GRAIN_MS: Record<Grain, number> = { minute: 60_000, day: 86_400_000 };

/**
 * The starts (epoch ms) of the minutes or days that the events of `ids` fall in. Minutes are read from the events
 * table through its batch id (an index lookup of the new batches' rows); days from the project's `increments.days`
 * table when it has one (`etl.batch_days`: no read of the events at all).
 */
export async function touchedSlices(
  sql: Sql,
  project: Project,
  prefix: string,
  ids: number[],
  grain: Grain,
): Promise<number[]> {
  const inc = project.file.increments;
  if (!inc || ids.length === 0) return [];
  const days = inc.days;
  const query = grain === "day" && days
    ? `select distinct ${days.day}::timestamp at time zone 'UTC' as t from ${
      sourceRelation(project, prefix, days.source)
    } where ${days.batch_id} = any($1::bigint[]) order by 1`
    : `select distinct date_trunc(${literal(grain)}, ${inc.events.time} at time zone 'UTC') at time zone 'UTC' as t ` +
      `from ${sourceRelation(project, prefix, inc.events.source)} where ${inc.events.batch_id} = any($1::bigint[]) ` +
      `order by 1`;
  const rows = await sql.unsafe<{ t: Date }[]>(query, [ids]);
  return rows.map((r) => r.t.getTime());
}

/**
 * The window that recomputes the given slices: each slice widened backwards by `lookback` and forwards by
 * `lookahead`, overlapping or adjacent ones merged. `start`/`end` span them all; `ranges` lists them when there are
 * several. With `openEnd` the window runs from the first slice to the end of time (for models whose later rows
 * depend on earlier ones, like an SCD2 snapshot whose versions carry earlier state forward, or running totals).
 */
export function sliceWindow(
  starts: number[],
  grain: Grain,
  lookback: number,
  openEnd = false,
  lookahead = 0,
): Window | undefined {
  if (starts.length === 0) return undefined;
  const size = GRAIN_MS[grain];
  const sorted = [...starts].sort((a, b) => a - b);
  if (openEnd) return { start: new Date(sorted[0]! - lookback).toISOString() };
  const merged: [number, number][] = [];
  for (const s of sorted) {
    const from = s - lookback, to = s + size + lookahead;
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  const iso = (t: number) => new Date(t).toISOString();
  const window: Window = { start: iso(merged[0]![0]), end: iso(merged.at(-1)![1]) };
  if (merged.length > 1) window.ranges = merged.map(([a, b]) => ({ start: iso(a), end: iso(b) }));
  return window;
}

/**
 * Record that a model now reflects `ids` (added to what it had, or replacing it after a full build) and the
 * checksum it was built from. Runs on the caller's transaction when given one.
 */
export async function markBuilt(
  sql: Sql | TxSql,
  project: Project,
  prefix: string,
  model: string,
  checksum: string,
  ids: number[],
  replace: boolean,
): Promise<void> {
  const table = stateTable(project, prefix);
  const ranges =
    `coalesce((select range_agg(int8range(i, i, '[]')) from unnest($1::bigint[]) as i), '{}'::int8multirange)`;
  await sql.unsafe(
    `insert into ${table} as s (model, processed, checksum, built_at)
     values (${literal(model)}, ${ranges}, ${literal(checksum)}, now())
     on conflict (model) do update set
       processed = ${replace ? "excluded.processed" : "s.processed + excluded.processed"},
       checksum = excluded.checksum, built_at = excluded.built_at`,
    [ids],
  );
}

/** Forget a model's state (its table was dropped or rebuilt elsewhere). */
export async function forget(sql: Sql, project: Project, prefix: string, model: string): Promise<void> {
  await sql.unsafe(`delete from ${stateTable(project, prefix)} where model = ${literal(model)}`);
}
