/**
 * `deno task bench`: throughput of the ingestion steps on this machine, on generated data in a private sandbox,
 * beside a baseline measured in the same run: a plain PostgreSQL COPY of the same rows (the floor a loader cannot
 * beat). Figures are printed, never asserted.
 *
 * @module
 */
import { copyChunks } from "../clients/postgres.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { BENCH_GENERATE_MODULE, type BenchGenerateArgs } from "./bench_generate.ts";
import { readParts } from "./parts.ts";
import { clean, LANDING_COLUMNS } from "./clean.ts";
import { extract } from "./extract.ts";
import { load } from "./load.ts";
import { migrate } from "./migrate.ts";
import { textTable } from "./report.ts";
import { openSandbox } from "./sandbox.ts";
import { validate } from "./validate.ts";

/**
 * What the benchmark receives: the configuration (it opens its own sandbox database and bucket from it, never the
 * warehouse's) and the logger.
 */
export interface BenchDeps {
  config: Config;
  log: Logger;
}

/** Minutes of simulated activity, mean events per minute, and how many times to repeat the steps. */
export interface BenchArgs {
  minutes: number;
  rate: number;
  runs: number;
}

/** Generate, then time each step and the COPY baseline. */
export async function runBench(ctx: BenchDeps, args: BenchArgs): Promise<Record<string, unknown>> {
  const { minutes, rate, runs } = args;
  const box = await openSandbox(ctx.config, "bench", ctx.log);
  try {
    // The generator runs in its own process, as in production: its world state would otherwise sit in this
    // process's heap and slow the measured steps down with garbage collection.
    const from = Date.parse("2026-11-02T12:00:00Z") / 60_000;
    const t0 = performance.now();
    const genArgs: BenchGenerateArgs = {
      bucket: box.cfg.s3.bucket,
      from,
      to: from + minutes,
      rate,
      faults: 0.01,
      seed: 42,
    };
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", BENCH_GENERATE_MODULE, JSON.stringify(genArgs)],
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
    const stages = ["extract", "validate", "clean", "load", "validate+clean+load", "baseline"] as const;
    const times: Record<typeof stages[number], number[]> = Object.fromEntries(stages.map((k) => [k, []])) as never;
    let loaded = 0;
    for (let run = 1; run <= runs; run++) {
      if (run > 1) {
        // Start over on the same raw files: an empty warehouse and no staging or quarantine objects.
        await box.sql.unsafe("drop schema etl, landing cascade; drop table public.schema_migrations");
        await migrate(box.sql);
        const old = [...await box.store.list("staging/"), ...await box.store.list("quarantine/")];
        await box.store.remove(old.map((o) => o.key));
      }
      times.extract.push(await timed(() => extract(deps, { maxFiles: minutes + 1 })));
      const v = await timed(() =>
        validate(deps, { futureToleranceMs: cfg.pipeline.futureToleranceMs, maxLineBytes: cfg.pipeline.maxLineBytes })
      );
      const c = await timed(() => clean(deps));
      const l = await timed(() => load(deps));
      times.validate.push(v);
      times.clean.push(c);
      times.load.push(l);
      times["validate+clean+load"].push(v + c + l);
      const [b] = await box.sql<{ batch_id: string; loaded: string }[]>`select batch_id, loaded from etl.batches`;
      loaded = Number(b!.loaded);

      // Baseline: COPY the very rows that load wrote, from the same staged parts, into an identical empty table.
      await box.sql`create table landing.events_copy_baseline (like landing.events including all)`;
      times.baseline.push(
        await timed(() =>
          box.sql.begin(async (tx) => {
            const parts = readParts(box.store, Number(b!.batch_id), "clean");
            await copyChunks(tx, "landing.events_copy_baseline", LANDING_COLUMNS, parts);
          })
        ),
      );
      ctx.log.info("bench run done", { counts: { run, validate_clean_load_ms: Math.round((v + c + l) * 1000) } });
    }

    const perSecond = (n: number, sec: number) => Math.round(n / sec);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const row = (stage: string, xs: number[], n: number) => ({
      stage,
      seconds: median(xs).toFixed(2),
      events_per_second: perSecond(n, median(xs)),
      range: `${perSecond(n, Math.max(...xs))}..${perSecond(n, Math.min(...xs))}`,
    });
    const rows = [
      {
        stage: "generate (own process, once)",
        seconds: genSeconds.toFixed(2),
        events_per_second: perSecond(lines, genSeconds),
        range: "",
      },
      row("extract", times.extract, lines),
      row("validate", times.validate, lines),
      row("clean", times.clean, lines),
      row("load", times.load, lines),
      row("validate+clean+load", times["validate+clean+load"], lines),
      row("baseline: plain COPY", times.baseline, loaded),
    ];
    console.log(
      `Ingestion benchmark: ${minutes} minutes at ${rate} events/minute = ${lines} lines, ${loaded} loaded; ` +
        `median of ${runs} run(s), range = slowest..fastest\n`,
    );
    console.log(textTable(rows));
    return {
      lines,
      loaded,
      runs,
      validate_clean_load_events_per_second: perSecond(lines, median(times["validate+clean+load"])),
      copy_baseline_rows_per_second: perSecond(loaded, median(times.baseline)),
    };
  } finally {
    await box.close();
  }
}
