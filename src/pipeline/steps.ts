/**
 * The run functions of the ingestion tasks (`deno task extract|validate|clean|load|pipeline|etl:report`): each opens
 * the clients it needs, applies pending migrations, runs its step and closes the clients.
 *
 * @module
 */
import { join } from "node:path";
import { createPostgres } from "../clients/postgres.ts";
import { PROJECT_ROOT } from "../config.ts";
import { objectStore } from "../clients/s3.ts";
import type { TaskContext } from "../task.ts";
import { UsageError } from "../task.ts";
import { clean } from "./clean.ts";
import { extract } from "./extract.ts";
import { load } from "./load.ts";
import { migrate } from "./migrate.ts";
import { report } from "./report.ts";
import type { BatchStatus, StepDeps, StepResult } from "./batches.ts";
import { validate } from "./validate.ts";

type Ctx = Pick<TaskContext, "config" | "log" | "flags" | "signal">;

/** Flags shared by validate, clean and load. */
export const BATCH_FLAG = {
  batch: { type: "string" as const, help: "Process only this batch id (default: every batch waiting for the step)" },
  follow: {
    type: "boolean" as const,
    help: "Keep taking batches as earlier steps hand them on; stop when none is left for this step or an earlier one",
  },
};

type FollowedStep = "validate" | "clean" | "load";

/** Statuses a batch can be in while it still has to come to a step: the step's input and every earlier one. */
const STILL_COMING: Record<FollowedStep, BatchStatus[]> = {
  validate: ["claimed", "extracted"],
  clean: ["claimed", "extracted", "validated"],
  load: ["claimed", "extracted", "validated", "cleaned"],
};

/**
 * Run a step once, or with --follow again and again until nothing is left for it: no batch waits for it or for an
 * earlier step, except batches an earlier step failed on (a later run retries those).
 */
async function runStep(
  ctx: Ctx,
  d: StepDeps,
  step: FollowedStep,
  once: () => Promise<StepResult>,
): Promise<StepResult> {
  if (ctx.flags.follow !== true) return await once();
  if (ctx.flags.batch !== undefined) throw new UsageError("--follow and --batch cannot be used together");
  const total: StepResult = { batches: [], counts: {} };
  while (!ctx.signal.aborted) {
    const r = await once();
    total.batches.push(...r.batches);
    for (const [k, v] of Object.entries(r.counts)) total.counts[k] = (total.counts[k] ?? 0) + v;
    if (r.batches.length > 0) continue;
    const [waiting] = await d.sql<{ n: number }[]>`
      select count(*)::int as n from etl.batches where status = any(${STILL_COMING[step]}) and failed_step is null`;
    if (waiting!.n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return total;
}

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
    runStep(ctx, d, "validate", () =>
      validate(d, {
        batch: batchFlag(ctx.flags),
        futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
        maxLineBytes: ctx.config.pipeline.maxLineBytes,
      })));
}

export function runClean(ctx: Ctx) {
  return withClients(ctx, (d) => runStep(ctx, d, "clean", () => clean(d, { batch: batchFlag(ctx.flags) })));
}

export function runLoad(ctx: Ctx) {
  return withClients(ctx, (d) => runStep(ctx, d, "load", () => load(d, { batch: batchFlag(ctx.flags) })));
}

/**
 * extract -> validate -> clean -> load over every new raw file, round after round in this process, until extract
 * finds nothing new. With --overlap, extract claims everything first and then validate, clean and load run at the same
 * time as three processes with --follow, each taking the next batch as the step before hands it on: while one batch is
 * loaded (PostgreSQL's work), the next is cleaned and the one after that validated. Every batch still goes through each
 * step in order, with the same locks and transactions.
 */
export function runPipeline(ctx: Ctx) {
  return withClients(ctx, async (d) => {
    const totals = { batches: 0, files: 0, lines_in: 0, valid: 0, quarantined: 0, duplicates: 0, loaded: 0 };
    const add = (step: string, counts: Record<string, number>, batches: number) => {
      if (step === "validate") {
        totals.lines_in += counts.lines_in ?? 0;
        totals.valid += counts.valid ?? 0;
        totals.quarantined += counts.quarantined ?? 0;
      } else if (step === "clean") totals.duplicates += counts.duplicates ?? 0;
      else if (step === "load") {
        totals.batches += batches;
        totals.duplicates += counts.duplicates_at_load ?? 0;
        totals.loaded += counts.loaded ?? 0;
      }
    };
    const started = performance.now();
    const extractOpts = { maxFiles: maxFiles(ctx), lookbackHours: lookbackHours(ctx) };
    if (ctx.flags.overlap !== true) {
      while (!ctx.signal.aborted) {
        const ex = await extract(d, extractOpts);
        totals.files += ex.files;
        const v = await validate(d, {
          futureToleranceMs: ctx.config.pipeline.futureToleranceMs,
          maxLineBytes: ctx.config.pipeline.maxLineBytes,
        });
        add("validate", v.counts, v.batches.length);
        const c = await clean(d);
        add("clean", c.counts, c.batches.length);
        const l = await load(d);
        add("load", l.counts, l.batches.length);
        if (ex.batches.length === 0) break;
      }
    } else {
      while (!ctx.signal.aborted) {
        const ex = await extract(d, extractOpts);
        totals.files += ex.files;
        if (ex.batches.length === 0) break;
      }
      if (!ctx.signal.aborted) {
        for (const [step, summary] of await followSteps(ctx)) add(step, summary.counts, summary.batches.length);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const eventsPerSecond = Math.round(totals.lines_in / Math.max(seconds, 1e-9));
    ctx.log.info("pipeline finished", { counts: { ...totals, events_per_second: eventsPerSecond } });
    return { ...totals, seconds: Math.round(seconds * 10) / 10, events_per_second: eventsPerSecond };
  });
}

/**
 * validate, clean and load as three processes with --follow (the same tasks Airflow runs); their summaries by step.
 * When one fails, the others are stopped (SIGTERM: they finish the batch at hand) and the pipeline fails.
 */
async function followSteps(ctx: Ctx): Promise<[string, StepResult][]> {
  const steps = ["validate", "clean", "load"] as const;
  const children = steps.map((step) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(PROJECT_ROOT, "tasks", `${step}.ts`), "--follow"],
      cwd: PROJECT_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn()
  );
  const stopAll = () => {
    for (const c of children) {
      try {
        c.kill("SIGTERM");
      } catch { /* already gone */ }
    }
  };
  ctx.signal.addEventListener("abort", stopAll);
  const failures: string[] = [];
  try {
    const outputs = await Promise.all(children.map(async (child, i) => {
      const out = await child.output();
      if (!out.success) {
        failures.push(`${steps[i]} exited with code ${out.code}`);
        stopAll();
      }
      return out;
    }));
    if (failures.length) throw new Error(`the pipeline stopped: ${failures.join("; ")} (see its log above)`);
    return outputs.map((out, i) => {
      const last = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
      return [steps[i]!, JSON.parse(last) as StepResult];
    });
  } finally {
    ctx.signal.removeEventListener("abort", stopAll);
  }
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
