/**
 * The flags of the pipeline tasks and their parsing into the typed arguments of the run functions in
 * {@link ./steps.ts}. The tasks in `tasks/` declare these flags and pass `ctx` here.
 *
 * @module
 */
import type { FlagSpec, TaskContext } from "../task.ts";
import { UsageError } from "../task.ts";
import type { BenchArgs } from "./bench.ts";
import type { ExtractOptions } from "./extract.ts";
import type { BatchStepArgs, PipelineArgs, ReportArgs, ValidateArgs } from "./steps.ts";

type Ctx = Pick<TaskContext, "config" | "flags" | "signal">;

/** Flags of validate, clean and load. */
export const BATCH_FLAGS: Record<string, FlagSpec> = {
  batch: { type: "string", help: "Process only this batch id (default: every batch waiting for the step)" },
  follow: {
    type: "boolean",
    help: "Keep taking batches as earlier steps hand them on; stop when none is left for this step or an earlier one",
  },
};

/** Flags of extract (and of the pipeline, which runs it). */
export const EXTRACT_FLAGS: Record<string, FlagSpec> = {
  "max-files": {
    type: "string",
    help: "Claim at most this many files per batch (default: PIPELINE_MAX_FILES_PER_BATCH)",
  },
  "full-scan": {
    type: "boolean",
    help: "List all of events/, not only from PIPELINE_LIST_LOOKBACK_HOURS before the newest claimed file; " +
      "counts and warns about new files older than that window (run it on a schedule)",
  },
};

function positiveInt(flags: Ctx["flags"], name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer (got '${v}')`);
  return n;
}

/** extract's options from its flags and the configuration. */
export function extractArgs(ctx: Ctx): ExtractOptions {
  return {
    maxFiles: positiveInt(ctx.flags, "max-files") ?? ctx.config.pipeline.maxFilesPerBatch,
    lookbackHours: ctx.config.pipeline.listLookbackHours,
    fullScan: ctx.flags["full-scan"] === true,
  };
}

/** The arguments of clean and load. */
export function batchStepArgs(ctx: Ctx): BatchStepArgs {
  const batch = positiveInt(ctx.flags, "batch");
  const follow = ctx.flags.follow === true;
  if (follow && batch !== undefined) throw new UsageError("--follow and --batch cannot be used together");
  return { ...(batch === undefined ? {} : { batch }), follow, signal: ctx.signal };
}

/** The arguments of validate. */
export function validateArgs(ctx: Ctx): ValidateArgs {
  const force = ctx.flags.force === true;
  const args = batchStepArgs(ctx);
  if (force && args.batch === undefined) throw new UsageError("--force needs --batch: it validates one batch again");
  return {
    ...args,
    force,
    futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
    maxLineBytes: ctx.config.pipeline.maxLineBytes,
  };
}

/** The arguments of the pipeline task. */
export function pipelineArgs(ctx: Ctx): PipelineArgs {
  return {
    extract: extractArgs(ctx),
    validate: {
      futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
      maxLineBytes: ctx.config.pipeline.maxLineBytes,
    },
    overlap: ctx.flags.overlap === true,
    signal: ctx.signal,
  };
}

/** The arguments of etl:report. */
export function reportArgs(ctx: Ctx): ReportArgs {
  return {
    limit: positiveInt(ctx.flags, "limit") ?? 20,
    lookbackHours: ctx.config.pipeline.listLookbackHours,
  };
}

/** The arguments of the ingestion benchmark. */
export function benchArgs(ctx: Ctx): BenchArgs {
  const positive = (name: string) => {
    const n = Number(ctx.flags[name]);
    if (!Number.isFinite(n) || n <= 0) {
      throw new UsageError(`--${name} must be a positive number (got '${ctx.flags[name]}')`);
    }
    return n;
  };
  return { minutes: Math.round(positive("minutes")), rate: positive("rate"), runs: Math.round(positive("runs")) };
}
