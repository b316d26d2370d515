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
 * worker holds the lock (that worker will finish the batch).
 *
 * A session lock dies with its connection. When `fn` failed because the connection to PostgreSQL was lost, the lock is
 * not released on it: postgres.js 3.4.9 crashes the process (an uncaught TypeError) on a query sent over a reserved
 * connection whose socket closed (porsager/postgres#1208), and the server has released the lock anyway.
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
      if (!(await connectionLost(sql, e))) {
        await conn`select pg_advisory_unlock(${BATCH_LOCK}, ${batch}::int)`.catch(() => {});
      }
      throw e;
    }
    await conn`select pg_advisory_unlock(${BATCH_LOCK}, ${batch}::int)`;
    return out;
  } finally {
    conn.release();
  }
}

/** Error codes of postgres.js and of the server that mean the connection is gone (or the server is going away). */
const LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/** True when `e` (or an error in its cause chain) is a lost connection, or PostgreSQL does not answer now. */
export async function connectionLost(sql: Sql, e: unknown): Promise<boolean> {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 10; c = c.cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if ((typeof code === "string" && LOST.has(code)) || c.name === "BrokenPipe" || c.name === "ConnectionReset") {
      return true;
    }
  }
  return await sql`select 1`.then(() => false, () => true);
}
