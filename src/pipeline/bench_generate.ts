/**
 * Entry module of the benchmark's data: `deno task bench` runs this file as its own process to generate events into
 * its private bucket, as the generator runs in production. In the benchmark's process the generator's world state would
 * sit in the heap beside the measured steps and slow them down with garbage collection.
 *
 * Argument: one JSON object {@link BenchGenerateArgs}; the last stdout line is the generator's summary as JSON.
 *
 * @module
 */
import { config } from "../config.ts";
import { ObjectStore } from "../clients/s3.ts";
import { generate, S3Store } from "../generator/mod.ts";
import { configureLogging, logger } from "../log.ts";

/** What to generate, and where. */
export interface BenchGenerateArgs {
  bucket: string;
  /** First and last (exclusive) minute, as epoch minutes. */
  from: number;
  to: number;
  rate: number;
  faults: number;
  seed: number;
}

/** This module's path, for `deno run`. */
export const BENCH_GENERATE_MODULE = new URL(import.meta.url).pathname;

if (import.meta.main) {
  const args = JSON.parse(Deno.args[0] ?? "{}") as BenchGenerateArgs;
  const cfg = config();
  configureLogging({ ...cfg.log, level: "WARN" });
  const store = new ObjectStore({ ...cfg.s3, bucket: args.bucket });
  const summary = await generate(
    {
      mode: { kind: "range", from: args.from, to: args.to },
      rate: args.rate,
      faults: args.faults,
      seed: args.seed,
      fresh: true,
    },
    { store: new S3Store(store), log: logger("bench-generate"), signal: new AbortController().signal },
  );
  console.log(JSON.stringify(summary));
}
