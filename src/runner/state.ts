/**
 * The runner's state in PostgreSQL: per model, the set of landing batches its table already reflects (an
 * `int8multirange` of batch ids, compact however many batches there are) and the checksum it was built from.
 *
 * An increment covers the batches a model has not processed: its window starts at the earliest event of those
 * batches, minus the model's lookback (for models whose rows depend on earlier events). Late events are caught
 * because a batch carries them, whatever day they belong to. Batches are marked processed in the same transaction
 * as the increment, so a failed increment is retried in full next time.
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
}

/** What an increment would cover. */
export interface PendingBatches {
  /** Loaded batch ids the model has not processed. */
  ids: number[];
  /** The window of the increment (undefined when there is nothing new). */
  window?: Window;
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
  const rows = await sql.unsafe<ModelState[]>(`select model, checksum, built_at from ${stateTable(project, prefix)}`);
  return new Map(rows.map((r) => [r.model, r]));
}

function sourceRelation(project: Project, prefix: string, dotted: string): string {
  const [source, table] = dotted.split(".");
  const src = project.file.sources[source ?? ""];
  if (!src || table === undefined || !(table in src.tables)) {
    throw new Error(`models/project.yml: increments names '${dotted}', which is not a declared source table`);
  }
  return `${quoteIdent(prefix + src.schema)}.${quoteIdent(table)}`;
}

/** Every loaded batch id (what a full build reflects). */
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

/**
 * The batches a model has not processed and the window they open: from their earliest event minus `lookback`,
 * open-ended. Without `increments` in the project file, the window starts at the target's latest time (which
 * `latest` reads on the model's engine) minus the lookback.
 */
export async function pendingBatches(
  sql: Sql,
  project: Project,
  prefix: string,
  model: string,
  lookback: string,
  latest: () => Promise<Date | null>,
): Promise<PendingBatches> {
  const inc = project.file.increments;
  if (!inc) {
    const last = await latest();
    return { ids: [], window: { start: new Date((last?.getTime() ?? 0) - lookbackMs(lookback)).toISOString() } };
  }
  const batches = sourceRelation(project, prefix, inc.batches.source);
  const events = sourceRelation(project, prefix, inc.events.source);
  const [row] = await sql.unsafe<{ ids: string[] | null; start: Date | null }[]>(
    `with done as (
       select coalesce((select processed from ${stateTable(project, prefix)} where model = ${literal(model)}),
         '{}'::int8multirange) as p
     ), fresh as (
       select b.${inc.batches.id}::bigint as id from ${batches} b, done
       where (${inc.batches.loaded_when}) and not (b.${inc.batches.id}::bigint <@ done.p)
     )
     select (select array_agg(id order by id) from fresh) as ids,
       (select min(${inc.events.time}) from ${events} where ${inc.events.batch_id} in (select id from fresh))
         - interval ${literal(lookback)} as start`,
  );
  const ids = (row?.ids ?? []).map(Number);
  if (ids.length === 0 || !row?.start) return { ids };
  return { ids, window: { start: row.start.toISOString() } };
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
