/**
 * The durable state of the alerts, in the warehouse's etl schema: every step summary and run the callbacks report,
 * the incidents of failing tasks, the digests sent and the batches warned about. Created on first use (idempotent,
 * under an advisory lock), since only `deno task notify` reads and writes these tables.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { BatchFigures } from "./render.ts";

const DDL = `
create table if not exists etl.alert_steps (
  dag_id       text not null,
  run_id       text not null,
  task_id      text not null,
  try_number   int not null,
  summary      jsonb not null,
  duration_ms  bigint,
  finished_at  timestamptz not null default now(),
  primary key (dag_id, run_id, task_id)
);
create table if not exists etl.alert_runs (
  dag_id       text not null,
  run_id       text not null,
  state        text not null check (state in ('success', 'failed')),
  started_at   timestamptz,
  finished_at  timestamptz not null,
  digested_at  timestamptz,
  primary key (dag_id, run_id)
);
create table if not exists etl.alert_incidents (
  incident_id    bigint generated always as identity primary key,
  dag_id         text not null,
  task_id        text not null,
  first_run_id   text not null,
  last_run_id    text not null,
  failures       int not null default 1,
  opened_at      timestamptz not null default now(),
  last_failed_at timestamptz not null default now(),
  try_number     int not null,
  error          text not null,
  log_url        text not null,
  log_tail       text not null,
  notified_at    timestamptz,
  closed_at      timestamptz,
  closed_run_id  text
);
create unique index if not exists alert_incidents_open_idx on etl.alert_incidents (dag_id, task_id)
  where closed_at is null;
create table if not exists etl.alert_quality (
  batch_id   bigint primary key,
  run_id     text not null,
  ratio      double precision not null,
  warned_at  timestamptz not null default now()
);
`;

/** Create the alert tables if they are missing. */
export async function ensureAlertTables(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('socialpulse.alerts.ddl'))`;
    await tx.unsafe(DDL);
  });
}

/** The figures of the given batches, from etl.batches (the pipeline's own accounting). */
export async function batchFigures(sql: Sql, ids: number[]): Promise<BatchFigures[]> {
  if (ids.length === 0) return [];
  const rows = await sql<
    { batch_id: string; files: number; lines_in: string; loaded: string; quarantined: string; duplicates: string }[]
  >`
    select batch_id, files, coalesce(lines_in, 0) as lines_in, coalesce(loaded, 0) as loaded,
           coalesce(quarantined, 0) as quarantined, coalesce(duplicates, 0) as duplicates
    from etl.batches where batch_id = any(${ids}::bigint[]) and status = 'loaded' order by batch_id`;
  return rows.map((r) => ({
    batch: Number(r.batch_id),
    files: Number(r.files),
    linesIn: Number(r.lines_in),
    loaded: Number(r.loaded),
    quarantined: Number(r.quarantined),
    duplicates: Number(r.duplicates),
  }));
}

/** The newest event of the batches and when its batch was loaded (freshness), or null when none has events. */
export async function freshness(sql: Sql, ids: number[]): Promise<{ newestEvent: Date; loadedAt: Date } | null> {
  if (ids.length === 0) return null;
  const [row] = await sql<{ newest: Date | null; loaded_at: Date | null }[]>`
    select e.newest, b.loaded_at
    from (select batch_id, max(occurred_at) as newest from landing.events
          where batch_id = any(${ids}::bigint[]) group by batch_id) e
    join etl.batches b using (batch_id)
    order by e.newest desc limit 1`;
  if (!row || row.newest === null || row.loaded_at === null) return null;
  return { newestEvent: row.newest, loadedAt: row.loaded_at };
}

/** The most frequent quarantine reasons of a batch. */
export async function topReasons(sql: Sql, batch: number, limit = 5): Promise<{ reason: string; lines: number }[]> {
  const rows = await sql<{ reason: string; lines: number }[]>`
    select reason, count(*)::int as lines from etl.rejected where batch_id = ${batch}
    group by reason order by lines desc, reason limit ${limit}`;
  return rows.map((r) => ({ reason: r.reason, lines: r.lines }));
}
