/**
 * Batch state shared by the pipeline steps: which batches a step should work on, a per-batch lock so that two
 * workers never process the same batch at once, failure bookkeeping, and the tab-separated part files that carry
 * a batch from one step to the next through the bucket's staging area.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { ObjectStore } from "../clients/s3.ts";
import type { Logger } from "../log.ts";
import { ObjectNotFoundError } from "../clients/s3.ts";
import { partKey, partPrefix, verdictsKey } from "./layout.ts";

/** What every step receives. */
export interface StepDeps {
  sql: Sql;
  store: ObjectStore;
  log: Logger;
}

/** What every step returns: the batches it processed and its counts. */
export interface StepResult extends Record<string, unknown> {
  batches: number[];
  counts: Record<string, number>;
}

/** A batch's files in processing order; a row's file index in the staged parts points into this list. */
export async function batchFiles(sql: Sql, batch: number) {
  return (await sql<{ key: string; staged_key: string; file_minute: Date | null }[]>`
    select key, staged_key, file_minute from etl.files where batch_id = ${batch} order by key`);
}

/** The status a batch has after each step. */
export type BatchStatus = "claimed" | "extracted" | "validated" | "cleaned" | "loaded";
export type StepName = "extract" | "validate" | "clean" | "load";

/** Batches whose last completed step is `status` (or just `only`, if it is in that state), oldest first. */
export async function batchesIn(sql: Sql, status: BatchStatus, only?: number): Promise<number[]> {
  const rows = only === undefined
    ? await sql<{ batch_id: string }[]>`
        select batch_id from etl.batches where status = ${status} order by batch_id`
    : await sql<{ batch_id: string }[]>`
        select batch_id from etl.batches where status = ${status} and batch_id = ${only}`;
  return rows.map((r) => Number(r.batch_id));
}

/** Advisory-lock namespace of batch locks (a constant; the batch id is the second key). */
const BATCH_LOCK = 74_120_002;

/**
 * Run `fn` holding the batch's lock on a dedicated connection; returns undefined without running it when another
 * worker holds the lock (that worker will finish the batch).
 */
export async function withBatchLock<T>(sql: Sql, batch: number, fn: () => Promise<T>): Promise<T | undefined> {
  const conn = await sql.reserve();
  try {
    const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${BATCH_LOCK}, ${batch}::int) as ok`;
    if (!row?.ok) return undefined;
    try {
      return await fn();
    } finally {
      await conn`select pg_advisory_unlock(${BATCH_LOCK}, ${batch}::int)`;
    }
  } finally {
    conn.release();
  }
}

/** Record a step's failure on the batch (its status stays at the last completed step, so a re-run retries). */
export async function markFailed(sql: Sql, batch: number, step: StepName, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await sql`update etl.batches set failed_step = ${step}, error = ${message.slice(0, 4000)}, updated_at = now()
            where batch_id = ${batch}`;
}

/** The status the batch is in, or null when it does not exist. */
export async function batchStatus(sql: Sql, batch: number): Promise<BatchStatus | null> {
  const [row] = await sql<{ status: BatchStatus }[]>`select status from etl.batches where batch_id = ${batch}`;
  return row?.status ?? null;
}

/** validate's verdict on one staged file (see {@link verdictsKey}). */
export interface FileVerdict {
  /** The raw key. */
  key: string;
  /** Number of lines in the file. */
  lines: number;
  /** Line numbers of the rejected lines, ascending. */
  rejected: number[];
  /** Accepted lines whose event is not the line's JSON as is (unknown keys stripped): line number -> event JSON. */
  rewritten: Record<number, string>;
}

/** validate's verdicts on a batch, in the order of {@link batchFiles}. */
export interface Verdicts {
  version: 1;
  files: FileVerdict[];
}

/** Read a batch's verdicts; a batch that validate did not finish has none. */
export async function readVerdicts(store: ObjectStore, batch: number, files: { key: string }[]): Promise<Verdicts> {
  let data: Uint8Array;
  try {
    data = await store.get(verdictsKey(batch));
  } catch (e) {
    if (e instanceof ObjectNotFoundError) {
      throw new Error(`batch ${batch} has no verdicts (${verdictsKey(batch)}): validate it again`, { cause: e });
    }
    throw e;
  }
  const v = JSON.parse(new TextDecoder().decode(data)) as Verdicts;
  if (v.version !== 1 || v.files.length !== files.length || v.files.some((f, i) => f.key !== files[i]!.key)) {
    throw new Error(`batch ${batch}: the verdicts do not match the batch's files; validate it again`);
  }
  return v;
}

const PART_BYTES = 16 * 1024 * 1024;

/**
 * Writes a step's output rows as numbered part objects of `partBytes` (one row per line). Re-running a step first
 * removes the parts of an earlier, interrupted run ({@link clearParts}).
 */
export class PartWriter {
  #chunks: string[] = [];
  #size = 0;
  #n = 0;
  rows = 0;
  constructor(
    readonly store: ObjectStore,
    readonly batch: number,
    readonly step: "valid" | "clean",
    readonly partBytes = PART_BYTES,
  ) {}

  /** The rows pushed since the last part reach the part size. */
  get full(): boolean {
    return this.#size >= this.partBytes;
  }

  /** Add a row; the caller writes a part with {@link flush} when the writer is {@link full}. */
  push(line: string): void {
    this.#chunks.push(line);
    this.#size += line.length + 1;
    this.rows++;
  }

  /** Write the rows pushed so far as the next part. The rows are taken at once: the upload may run in the background. */
  async flush(): Promise<void> {
    if (this.#chunks.length === 0) return;
    const body = this.#chunks.join("\n") + "\n";
    this.#chunks = [];
    this.#size = 0;
    await this.store.put(partKey(this.batch, this.step, this.#n++), body, "text/tab-separated-values");
  }

  /** Number of parts written. */
  get parts(): number {
    return this.#n;
  }
}

/** Remove every part of a step of a batch. */
export async function clearParts(store: ObjectStore, batch: number, step: "valid" | "clean"): Promise<void> {
  const old = await store.list(partPrefix(batch, step));
  await store.remove(old.map((o) => o.key));
}

/** The bytes of every part of a step, in order (the next part is fetched while the current one is used). */
export async function* readParts(
  store: ObjectStore,
  batch: number,
  step: "valid" | "clean",
): AsyncGenerator<Uint8Array> {
  const parts = await store.list(partPrefix(batch, step));
  let next = parts.length ? store.get(parts[0]!.key) : null;
  for (let i = 0; i < parts.length; i++) {
    const current = await next!;
    next = i + 1 < parts.length ? store.get(parts[i + 1]!.key) : null;
    yield current;
  }
}

/** Number of newline bytes (rows of a part). */
export function countLines(data: Uint8Array): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Download objects in order, `ahead` of them in advance: `take(i)` gives the i-th (take them in order). Started
 * early, the downloads overlap whatever the step does before it reads the first one.
 */
export function prefetch(store: ObjectStore, keys: readonly string[], ahead = 4): (i: number) => Promise<Uint8Array> {
  const downloads = new Map<number, Promise<Uint8Array>>();
  const start = (i: number) => {
    if (i >= keys.length || downloads.has(i)) return;
    const p = store.get(keys[i]!);
    p.catch(() => {}); // not unhandled while it waits: take() hands the same promise, rejection included
    downloads.set(i, p);
  };
  for (let i = 0; i < Math.min(ahead, keys.length); i++) start(i);
  return (i) => {
    start(i);
    const p = downloads.get(i)!;
    downloads.delete(i);
    start(i + ahead);
    return p;
  };
}

/** Map with bounded concurrency, preserving order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
