/**
 * Neo4j (the social graph) through `npm:neo4j-driver`. Authentication is optional: with an empty NEO4J_PASSWORD
 * the driver connects without credentials (the native dev server runs with auth disabled).
 *
 * Writes go in batches with `UNWIND $rows AS row ...`, never one `session.run` per row.
 *
 * @module
 */
import neo4j, { type Driver, type ManagedTransaction, type Session } from "neo4j-driver";
import type { Config } from "../config.ts";

export type { Driver };

/** Create a driver (connections are lazy; see {@link neo4jHealth}). */
export function createNeo4j(cfg: Config["neo4j"]): Driver {
  const auth = cfg.password !== "" ? neo4j.auth.basic(cfg.user || "neo4j", cfg.password) : undefined;
  return neo4j.driver(cfg.url, auth, {
    disableLosslessIntegers: true,
    connectionTimeout: 10_000,
    maxConnectionPoolSize: 10,
  });
}

/** Run one Cypher statement in an auto-commit session and return the records as plain objects. */
export async function cypher<T = Record<string, unknown>>(
  driver: Driver,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const session = driver.session();
  try {
    const result = await session.run(query, params);
    return result.records.map((r) => r.toObject() as T);
  } finally {
    await session.close();
  }
}

/**
 * Whether a Neo4j error says the transaction may succeed if run again: a deadlock between concurrent writers, or
 * another transient failure. Read from the error's own fields: the driver's test (`instanceof Neo4jError`) is false
 * under Deno, which ignores the driver's `__proto__` assignment, so the driver's `executeWrite` never retries here.
 */
export function isRetryable(e: unknown): boolean {
  const err = e as { retryable?: unknown; code?: unknown } | null | undefined;
  return err?.retryable === true || (typeof err?.code === "string" && err.code.includes("TransientError"));
}

/** Options of {@link writeTransaction}. */
export interface RetryOptions {
  /** Stop running again after this many milliseconds since the first attempt (default 30,000, the driver's). */
  maxMs?: number;
  /** Called before each new attempt, with the error and the attempt number (1 for the first retry). */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Run `work` in a write transaction (committed when it resolves), and run it again whole, after a growing and
 * jittered pause (25 ms doubling up to 1 s), while it fails with a retryable error ({@link isRetryable}).
 */
export async function writeTransaction<T>(
  session: Session,
  work: (tx: ManagedTransaction) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const started = Date.now();
  const maxMs = opts.maxMs ?? 30_000;
  for (let attempt = 1;; attempt++) {
    try {
      return await session.executeWrite(work);
    } catch (e) {
      if (!isRetryable(e) || Date.now() - started > maxMs) throw e;
      opts.onRetry?.(e, attempt);
      const pause = Math.min(1000, 25 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** Null when the server answers a query, else the reason. */
export async function neo4jHealth(driver: Driver): Promise<string | null> {
  try {
    await cypher(driver, "RETURN 1 AS ok");
    return null;
  } catch (e) {
    return `Neo4j: ${(e as Error).message}`;
  }
}
