/**
 * The durable state of the alerts, in the warehouse's etl schema: every step summary and run the callbacks report,
 * the incidents of failing tasks, the digests sent and the batches warned about. The tables come from the migration
 * src/pipeline/migrations/20261130_0006_alert_tables.sql; `deno task notify` writes their rows as the loader role.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { BatchFigures } from "./render.ts";

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
