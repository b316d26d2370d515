/**
 * Per-batch advisory locks: two workers never process the same batch at once.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";

/** Advisory-lock namespace of batch locks (a constant; the batch id is the second key). */
const BATCH_LOCK = 74_120_002;

/**
 * Run `fn` holding the batch's lock on a dedicated connection; returns undefined without running it when another
 * worker holds the lock (that worker will finish the batch). A session lock dies with its connection, so when the
 * server went away the failed unlock is not reported over `fn`'s own error.
 */
export async function withBatchLock<T>(sql: Sql, batch: number, fn: () => Promise<T>): Promise<T | undefined> {
  const conn = await sql.reserve();
  try {
    const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${BATCH_LOCK}, ${batch}::int) as ok`;
    if (!row?.ok) return undefined;
    let out: T;
    try {
      out = await fn();
    } catch (e) {
      await conn`select pg_advisory_unlock(${BATCH_LOCK}, ${batch}::int)`.catch(() => {});
      throw e;
    }
    await conn`select pg_advisory_unlock(${BATCH_LOCK}, ${batch}::int)`;
    return out;
  } finally {
    conn.release();
  }
}
