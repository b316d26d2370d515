/** `deno task bench`: ingestion throughput on this machine beside a plain COPY baseline. */
import { runTask } from "../src/task.ts";
import { runBench } from "../src/pipeline/bench.ts";
import { benchArgs } from "../src/pipeline/flags.ts";

await runTask({
  name: "bench",
  description: "Generate events into a private bucket and database, then time extract, validate, clean and load,\n" +
    "and a plain PostgreSQL COPY of the same rows as a baseline. Needs the stack (deno task stack:up).",
  flags: {
    minutes: { type: "string", help: "Minutes of simulated activity to ingest", default: "60" },
    rate: { type: "string", help: "Mean events per minute", default: "1000" },
    runs: {
      type: "string",
      help: "Times to repeat the steps and the baseline on the same files (median shown)",
      default: "3",
    },
  },
  run: (ctx) => runBench(ctx, benchArgs(ctx)),
});
