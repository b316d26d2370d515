/**
 * The per-batch loop that validate, clean and load share: take the batches waiting for the step, oldest first, each
 * under its lock and only while it is still waiting; on a failure, report and record it ({@link failBatch}) and stop.
 * With `follow`, keep doing so as the steps before hand batches on.
 *
 * @module
 */
import { batchesIn, batchStatus } from "./batch_status.ts";
import { type BatchStatus, type BatchStep, INPUT_STATUS, type StepDeps, type StepResult } from "./deps.ts";
import { failBatch } from "./failures.ts";
import { withBatchLock } from "./locks.ts";

export interface ForEachBatchOptions {
  /** Only this batch. */
  batch?: number;
  /** The statuses a batch may be in to be taken (default: the step's input status). */
  from?: BatchStatus[];
}

/**
 * Run `work` on every batch waiting for `step` (or only `opts.batch`); returns the batches done and the sum of their
 * counts, starting from `counts`. A batch locked by another worker, or moved on by one, is skipped.
 */
export async function forEachBatch(
  deps: StepDeps,
  step: BatchStep,
  opts: ForEachBatchOptions,
  counts: Record<string, number>,
  work: (batch: number) => Promise<Record<string, number>>,
): Promise<StepResult> {
  const from = opts.from ?? [INPUT_STATUS[step]];
  const result: StepResult = { batches: [], counts: { ...counts } };
  const waiting = new Set<number>();
  for (const status of from) for (const b of await batchesIn(deps.sql, status, opts.batch)) waiting.add(b);
  for (const batch of [...waiting].sort((a, b) => a - b)) {
    let status: BatchStatus | null = null;
    let done: Record<string, number> | undefined;
    try {
      done = await withBatchLock(deps.sql, batch, async () => {
        // Re-check under the lock: another worker may have moved the batch on between listing and locking.
        status = await batchStatus(deps.sql, batch);
        return status !== null && from.includes(status) ? await work(batch) : undefined;
      });
    } catch (e) {
      throw await failBatch(deps, step, batch, status ?? INPUT_STATUS[step], e);
    }
    if (done === undefined) {
      deps.log.withBatch(batch).info(`batch is taken by another ${step} worker or moved on; skipped`);
      continue;
    }
    result.batches.push(batch);
    for (const [k, v] of Object.entries(done)) result.counts[k] = (result.counts[k] ?? 0) + v;
  }
  return result;
}

/** Statuses a batch can be in while it still has to come to a step: the step's input and every earlier one. */
const STILL_COMING: Record<BatchStep, BatchStatus[]> = {
  validate: ["claimed", "extracted"],
  clean: ["claimed", "extracted", "validated"],
  load: ["claimed", "extracted", "validated", "cleaned"],
};

/**
 * Run a step again and again until nothing is left for it: no batch waits for it or for an earlier step, except
 * batches an earlier step failed on (a later run retries those), or until `signal` is aborted.
 */
export async function follow(
  deps: StepDeps,
  step: BatchStep,
  signal: AbortSignal,
  once: () => Promise<StepResult>,
): Promise<StepResult> {
  const total: StepResult = { batches: [], counts: {} };
  while (!signal.aborted) {
    const r = await once();
    total.batches.push(...r.batches);
    for (const [k, v] of Object.entries(r.counts)) total.counts[k] = (total.counts[k] ?? 0) + v;
    if (r.batches.length > 0) continue;
    const [waiting] = await deps.sql<{ n: number }[]>`
      select count(*)::int as n from etl.batches where status = any(${STILL_COMING[step]}) and failed_step is null`;
    if (waiting!.n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return total;
}
