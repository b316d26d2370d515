/**
 * Status queries on etl.batches and etl.files: which batches wait for a step, a batch's status and files, and the
 * failure bookkeeping (`failed_step`, `error`).
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { BatchStatus, StepName } from "./deps.ts";

/** A batch's files in processing order; a row's file index in the staged parts points into this list. */
export async function batchFiles(sql: Sql, batch: number) {
  return (await sql<{ key: string; staged_key: string; file_minute: Date | null }[]>`
    select key, staged_key, file_minute from etl.files where batch_id = ${batch} order by key`);
}

/** Batches whose last completed step is `status` (or just `only`, if it is in that state), oldest first. */
export async function batchesIn(sql: Sql, status: BatchStatus, only?: number): Promise<number[]> {
  const rows = only === undefined
    ? await sql<{ batch_id: string }[]>`
        select batch_id from etl.batches where status = ${status} order by batch_id`
    : await sql<{ batch_id: string }[]>`
        select batch_id from etl.batches where status = ${status} and batch_id = ${only}`;
  return rows.map((r) => Number(r.batch_id));
}

/** The status the batch is in, or null when it does not exist. */
export async function batchStatus(sql: Sql, batch: number): Promise<BatchStatus | null> {
  const [row] = await sql<{ status: BatchStatus }[]>`select status from etl.batches where batch_id = ${batch}`;
  return row?.status ?? null;
}

/**
 * Record a step's failure on the batch; its status stays at the last completed step, so a re-run retries it. Only
 * while the batch is still in `status` (the step's input): a worker that finished it meanwhile is not overwritten.
 */
export async function markFailed(
  sql: Sql,
  batch: number,
  step: StepName,
  status: BatchStatus,
  message: string,
): Promise<void> {
  await sql`update etl.batches set failed_step = ${step}, error = ${message.slice(0, 4000)}, updated_at = now()
            where batch_id = ${batch} and status = ${status}`;
}
