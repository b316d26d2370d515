/**
 * `deno task bench`: throughput of the ingestion steps on this machine, on generated data in a private sandbox,
 * beside a baseline measured in the same run: a plain PostgreSQL COPY of the same rows (the floor a loader cannot
 * beat). Figures are printed, never asserted.
 *
 * @module
 */
import { copyChunks } from "../clients/postgres.ts";
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";
import type { TaskContext } from "../task.ts";
import { UsageError } from "../task.ts";
import { readParts } from "./batches.ts";
import { clean, LANDING_COLUMNS } from "./clean.ts";
import { extract } from "./extract.ts";
import { load } from "./load.ts";
import { textTable } from "./report.ts";
import { openSandbox } from "./sandbox.ts";
import { validate } from "./validate.ts";

type Ctx = Pick<TaskContext, "config" | "log" | "flags" | "signal">;

function positive(flags: Ctx["flags"], name: string): number {
  const n = Number(flags[name]);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number (got '${flags[name]}')`);
  return n;
}

/** Generate, then time each step and the COPY baseline. */
export async function runBench(ctx: Ctx): Promise<Record<string, unknown>> {
  const minutes = Math.round(positive(ctx.flags, "minutes"));
  const rate = positive(ctx.flags, "rate");
  const box = await openSandbox(ctx.config, "bench", ctx.log);
  try {
    // The generator runs in its own process, as in production: its world state would otherwise sit in this
    // process's heap and slow the measured steps down with garbage collection.
    const from = Date.parse("2026-11-02T12:00:00Z");
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(PROJECT_ROOT, "tasks", "generate.ts"),
        "--from",
        new Date(from).toISOString(),
        "--to",
        new Date(from + minutes * 60_000).toISOString(),
        "--rate",
        String(rate),
        "--faults",
        "0.01",
        "--seed",
        "42",
        "--fresh",
      ],
      env: { S3_BUCKET: box.cfg.s3.bucket, LOG_LEVEL: "WARN" },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the generator failed (exit ${out.code})`);
    const genSeconds = (performance.now() - t0) / 1000;
    const gen = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!) as { lines: number };
    const lines = gen.lines;

    const timed = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };
    const { deps, cfg } = box;
    const s = {
      extract: await timed(() => extract(deps, { maxFiles: minutes + 1 })),
      validate: await timed(() =>
        validate(deps, { futureToleranceMs: cfg.pipeline.futureToleranceMs, maxLineBytes: cfg.pipeline.maxLineBytes })
      ),
      clean: await timed(() => clean(deps)),
      load: await timed(() => load(deps)),
    };
    const [b] = await box.sql<{ batch_id: string; loaded: string }[]>`select batch_id, loaded from etl.batches`;
    const batch = Number(b!.batch_id);

    // Baseline: COPY the very rows that load wrote, from the same staged parts, into an identical empty table.
    await box.sql`create table landing.events_copy_baseline (like landing.events including all)`;
    const baseline = await timed(() =>
      box.sql.begin(async (tx) => {
        await copyChunks(tx, "landing.events_copy_baseline", LANDING_COLUMNS, readParts(box.store, batch, "clean"));
      })
    );
    const loaded = Number(b!.loaded);
    const vcl = s.validate + s.clean + s.load;
    const perSecond = (n: number, sec: number) => Math.round(n / sec);
    const rows = [
      {
        stage: "generate (own process)",
        seconds: genSeconds.toFixed(2),
        events_per_second: perSecond(lines, genSeconds),
      },
      { stage: "extract", seconds: s.extract.toFixed(2), events_per_second: perSecond(lines, s.extract) },
      { stage: "validate", seconds: s.validate.toFixed(2), events_per_second: perSecond(lines, s.validate) },
      { stage: "clean", seconds: s.clean.toFixed(2), events_per_second: perSecond(lines, s.clean) },
      { stage: "load", seconds: s.load.toFixed(2), events_per_second: perSecond(lines, s.load) },
      { stage: "validate+clean+load", seconds: vcl.toFixed(2), events_per_second: perSecond(lines, vcl) },
      { stage: "baseline: plain COPY", seconds: baseline.toFixed(2), events_per_second: perSecond(loaded, baseline) },
    ];
    console.log(
      `Ingestion benchmark: ${minutes} minutes at ${rate} events/minute = ${lines} lines, ${loaded} loaded\n`,
    );
    console.log(textTable(rows));
    return {
      lines,
      loaded,
      validate_clean_load_events_per_second: perSecond(lines, vcl),
      copy_baseline_rows_per_second: perSecond(loaded, baseline),
    };
  } finally {
    await box.close();
  }
}
