/**
 * The run functions of the ingestion tasks (`deno task extract|validate|clean|load|pipeline|etl:report`): each opens
 * the clients it needs, applies pending migrations, runs its step and closes the clients.
 *
 * @module
 */
import { createPostgres } from "../clients/postgres.ts";
import { objectStore } from "../clients/s3.ts";
import type { TaskContext } from "../task.ts";
import { UsageError } from "../task.ts";
import { clean } from "./clean.ts";
import { extract } from "./extract.ts";
import { load } from "./load.ts";
import { migrate } from "./migrate.ts";
import { report } from "./report.ts";
import type { StepDeps } from "./batches.ts";
import { validate } from "./validate.ts";

type Ctx = Pick<TaskContext, "config" | "log" | "flags" | "signal">;

/** Flags shared by validate, clean and load. */
export const BATCH_FLAG = {
  batch: { type: "string" as const, help: "Process only this batch id (default: every batch waiting for the step)" },
};

function batchFlag(flags: Ctx["flags"]): number | undefined {
  const v = flags.batch;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--batch must be a positive integer (got '${v}')`);
  return n;
}

async function withClients<T>(ctx: Ctx, fn: (deps: StepDeps) => Promise<T>): Promise<T> {
  const d = openDeps(ctx);
  try {
    await migrate(d.sql);
    return await fn(d);
  } finally {
    await d.sql.end({ timeout: 5 });
  }
}

function openDeps(ctx: Ctx): StepDeps {
  return {
    sql: createPostgres(ctx.config.postgres, { applicationName: "socialpulse-pipeline" }),
    store: objectStore(ctx.config.s3),
    log: ctx.log,
  };
}

function maxFiles(ctx: Ctx): number {
  const v = ctx.flags["max-files"];
  if (v === undefined) return ctx.config.pipeline.maxFilesPerBatch;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--max-files must be a positive integer (got '${v}')`);
  return n;
}

/** The listing window of extract: none with --full-scan, else PIPELINE_LIST_LOOKBACK_HOURS. */
function lookbackHours(ctx: Ctx): number {
  return ctx.flags["full-scan"] === true ? 0 : ctx.config.pipeline.listLookbackHours;
}

export function runExtract(ctx: Ctx) {
  return withClients(ctx, (d) => extract(d, { maxFiles: maxFiles(ctx), lookbackHours: lookbackHours(ctx) }));
}

export function runValidate(ctx: Ctx) {
  return withClients(ctx, (d) =>
    validate(d, {
      batch: batchFlag(ctx.flags),
      futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
      maxLineBytes: ctx.config.pipeline.maxLineBytes,
    }));
}

export function runClean(ctx: Ctx) {
  return withClients(ctx, (d) => clean(d, { batch: batchFlag(ctx.flags) }));
}

export function runLoad(ctx: Ctx) {
  return withClients(ctx, (d) => load(d, { batch: batchFlag(ctx.flags) }));
}

/** extract -> validate -> clean -> load, repeated until extract finds nothing new (or a stop is requested). */
export function runPipeline(ctx: Ctx) {
  return withClients(ctx, async (d) => {
    const totals = { batches: 0, files: 0, lines_in: 0, valid: 0, quarantined: 0, duplicates: 0, loaded: 0 };
    const started = performance.now();
    while (!ctx.signal.aborted) {
      const ex = await extract(d, { maxFiles: maxFiles(ctx), lookbackHours: lookbackHours(ctx) });
      const v = await validate(d, {
        futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
        maxLineBytes: ctx.config.pipeline.maxLineBytes,
      });
      const c = await clean(d);
      const l = await load(d);
      totals.batches += l.batches.length;
      totals.files += ex.files;
      totals.lines_in += v.counts.lines_in ?? 0;
      totals.valid += v.counts.valid ?? 0;
      totals.quarantined += v.counts.quarantined ?? 0;
      totals.duplicates += (c.counts.duplicates ?? 0) + (l.counts.duplicates_at_load ?? 0);
      totals.loaded += l.counts.loaded ?? 0;
      if (ex.batches.length === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const eventsPerSecond = Math.round(totals.lines_in / Math.max(seconds, 1e-9));
    ctx.log.info("pipeline finished", { counts: { ...totals, events_per_second: eventsPerSecond } });
    return { ...totals, seconds: Math.round(seconds * 10) / 10, events_per_second: eventsPerSecond };
  });
}

export function runReport(ctx: Ctx) {
  return withClients(ctx, async (d) => {
    const limit = Number(ctx.flags.limit ?? 20);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer`);
    const r = await report(d.sql, { limit });
    console.log(r.text);
    return r.totals;
  });
}
