/**
 * The run functions of the ingestion tasks (`deno task extract|validate|clean|load|pipeline|etl:report`). Each takes
 * the clients (opened once by the task, see {@link ./clients.ts}) and typed arguments (see {@link ./flags.ts}).
 *
 * @module
 */
import { clean } from "./clean.ts";
import type { StepDeps, StepResult } from "./deps.ts";
import { extract, type ExtractOptions, type ExtractResult } from "./extract.ts";
import { follow } from "./for_each_batch.ts";
import { load } from "./load.ts";
import { report } from "./report.ts";
import { validate, type ValidateOptions } from "./validate.ts";

/** Arguments of clean and load (and, with more, validate). */
export interface BatchStepArgs {
  /** Only this batch. */
  batch?: number;
  /** Keep taking batches as the steps before hand them on (see {@link follow}). */
  follow: boolean;
  /** Aborted on SIGINT/SIGTERM: a follower finishes the batch at hand and stops. */
  signal: AbortSignal;
}

/** Arguments of validate. */
export type ValidateArgs = BatchStepArgs & Omit<ValidateOptions, "batch">;

/** Step 1: claim and stage new raw files. */
export async function runExtract(deps: StepDeps, args: ExtractOptions): Promise<ExtractResult> {
  return await extract(deps, args);
}

/** Step 2: validate every extracted batch, or one (`force`: again), or follow. */
export async function runValidate(deps: StepDeps, args: ValidateArgs): Promise<StepResult> {
  const once = () => validate(deps, args);
  return args.follow ? await follow(deps, "validate", args.signal, once) : await once();
}

/** Step 3: clean every validated batch, or one, or follow. */
export async function runClean(deps: StepDeps, args: BatchStepArgs): Promise<StepResult> {
  const once = () => clean(deps, args);
  return args.follow ? await follow(deps, "clean", args.signal, once) : await once();
}

/** Step 4: load every cleaned batch, or one, or follow. */
export async function runLoad(deps: StepDeps, args: BatchStepArgs): Promise<StepResult> {
  const once = () => load(deps, args);
  return args.follow ? await follow(deps, "load", args.signal, once) : await once();
}

/** Arguments of the pipeline task. */
export interface PipelineArgs {
  extract: ExtractOptions;
  validate: Omit<ValidateOptions, "batch" | "force">;
  /** Claim everything first, then run validate, clean and load at the same time, each following the one before. */
  overlap: boolean;
  signal: AbortSignal;
}

/** Pool size for --overlap: each of the three steps holds a batch lock and runs one query or transaction. */
export const OVERLAP_POOL = 8;

/**
 * extract -> validate -> clean -> load over every new raw file, round after round, until extract finds nothing new.
 * With `overlap`, extract claims everything first and then validate, clean and load run at the same time (in this
 * process, on one pool of {@link OVERLAP_POOL} connections), each taking the next batch as the step before hands it
 * on: while one batch is loaded (PostgreSQL's work), the next is cleaned and the one after that validated. Every batch
 * still goes through each step in order, with the same locks and transactions. When one step fails, the others finish
 * the batch at hand and stop, and the pipeline fails with that step's error.
 */
export async function runPipeline(deps: StepDeps, args: PipelineArgs) {
  const totals = { batches: 0, files: 0, lines_in: 0, valid: 0, quarantined: 0, duplicates: 0, loaded: 0 };
  const add = (step: "validate" | "clean" | "load", r: StepResult) => {
    const counts = r.counts;
    if (step === "validate") {
      totals.lines_in += counts.lines_in ?? 0;
      totals.valid += counts.valid ?? 0;
      totals.quarantined += counts.quarantined ?? 0;
    } else if (step === "clean") totals.duplicates += counts.duplicates ?? 0;
    else {
      totals.batches += r.batches.length;
      totals.duplicates += counts.duplicates_at_load ?? 0;
      totals.loaded += counts.loaded ?? 0;
    }
  };
  const started = performance.now();
  let outsideWindow = 0;
  if (!args.overlap) {
    while (!args.signal.aborted) {
      const ex = await extract(deps, args.extract);
      totals.files += ex.files;
      outsideWindow += ex.outside_window ?? 0;
      add("validate", await validate(deps, args.validate));
      add("clean", await clean(deps));
      add("load", await load(deps));
      if (ex.batches.length === 0) break;
    }
  } else {
    while (!args.signal.aborted) {
      const ex = await extract(deps, args.extract);
      totals.files += ex.files;
      outsideWindow += ex.outside_window ?? 0;
      if (ex.batches.length === 0) break;
    }
    if (!args.signal.aborted) {
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      args.signal.addEventListener("abort", onAbort);
      const steps = [
        ["validate", () => validate(deps, args.validate)],
        ["clean", () => clean(deps)],
        ["load", () => load(deps)],
      ] as const;
      try {
        const settled = await Promise.allSettled(steps.map(async ([step, once]) => {
          try {
            return await follow(deps, step, stop.signal, once);
          } catch (e) {
            stop.abort();
            throw e;
          }
        }));
        const failed = settled.find((s) => s.status === "rejected");
        if (failed) throw failed.reason;
        settled.forEach((s, i) => add(steps[i]![0], (s as PromiseFulfilledResult<StepResult>).value));
      } finally {
        args.signal.removeEventListener("abort", onAbort);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const eventsPerSecond = Math.round(totals.lines_in / Math.max(seconds, 1e-9));
  deps.log.info("pipeline finished", { counts: { ...totals, events_per_second: eventsPerSecond } });
  return {
    ...totals,
    ...(args.extract.fullScan ? { outside_window: outsideWindow } : {}),
    seconds: Math.round(seconds * 10) / 10,
    events_per_second: eventsPerSecond,
  };
}

/** Arguments of etl:report. */
export interface ReportArgs {
  /** How many of the latest batches to list. */
  limit: number;
  /** extract's listing window (PIPELINE_LIST_LOOKBACK_HOURS), to count unclaimed files older than it. */
  lookbackHours: number;
}

/** Print the accounting report; returns its totals. */
export async function runReport(deps: StepDeps, args: ReportArgs) {
  const r = await report(deps.sql, deps.store, args);
  console.log(r.text);
  return r.totals;
}
