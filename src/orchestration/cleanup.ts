/**
 * Cleanup of the staging area (`deno task cleanup`, run daily by the maintenance DAG): deletes the objects under
 * `staging/batch=N/` of every batch that was loaded more than a given number of days ago.
 *
 * What stays: the raw files (`events/`, the pipeline never changes them), the quarantine objects, the warehouse,
 * and the staging objects of every batch not yet loaded or loaded recently. Nothing after load reads staging: the
 * models read `landing.events`, and a loaded batch is never loaded again. Idempotent: a second run finds nothing.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { ObjectStore } from "../clients/s3.ts";
import type { Logger } from "../log.ts";

/** The staging prefix's batch folder, as src/pipeline/layout.ts names it (`staging/batch=00000042/`). */
const STAGED_BATCH = /^staging\/batch=(\d+)\//;

/** Keys deleted per request (S3 DeleteObjects takes at most 1000). */
const DELETE_CHUNK = 1000;

export interface CleanupDeps {
  sql: Sql;
  store: ObjectStore;
  log: Logger;
}

export interface CleanupResult extends Record<string, unknown> {
  /** Batches whose staging objects were deleted by this run. */
  batches: number[];
  objects: number;
  bytes: number;
  /** Staging objects kept (batches not loaded, or loaded within the retention period). */
  kept: number;
}

/**
 * Delete the staging objects of batches loaded before `now - olderThanDays`. One listing of `staging/`, whose size
 * the retention bounds, then one query for the status of the batches found there.
 */
export async function cleanupStaging(
  deps: CleanupDeps,
  opts: { olderThanDays: number; now?: Date; dryRun?: boolean },
): Promise<CleanupResult> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.olderThanDays * 86_400_000);
  const objects = await deps.store.list("staging/");
  const byBatch = new Map<number, { key: string; size: number }[]>();
  let kept = 0;
  for (const o of objects) {
    const m = STAGED_BATCH.exec(o.key);
    if (!m) {
      kept++;
      continue;
    }
    const batch = Number(m[1]);
    const list = byBatch.get(batch) ?? [];
    list.push({ key: o.key, size: o.size });
    byBatch.set(batch, list);
  }
  const ids = [...byBatch.keys()];
  const old = ids.length === 0 ? [] : await deps.sql<{ batch_id: string }[]>`
    select batch_id from etl.batches
    where batch_id = any(${ids}::bigint[]) and status = 'loaded' and loaded_at < ${cutoff}
    order by batch_id`;
  const doomed = new Set(old.map((r) => Number(r.batch_id)));
  const keys: string[] = [];
  let bytes = 0;
  for (const [batch, list] of byBatch) {
    if (!doomed.has(batch)) {
      kept += list.length;
      continue;
    }
    for (const o of list) {
      keys.push(o.key);
      bytes += o.size;
    }
  }
  if (!opts.dryRun) {
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) await deps.store.remove(keys.slice(i, i + DELETE_CHUNK));
  }
  const batches = [...doomed].sort((a, b) => a - b);
  deps.log.info(opts.dryRun ? "would delete staging objects" : "deleted staging objects", {
    counts: { batches: batches.length, objects: keys.length, bytes, kept },
  });
  return { batches, objects: keys.length, bytes, kept, cutoff: cutoff.toISOString(), dry_run: opts.dryRun === true };
}
