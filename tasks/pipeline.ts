/** `deno task pipeline`: extract -> validate -> clean -> load until no new raw file is left (local use). */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { EXTRACT_FLAGS, pipelineArgs } from "../src/pipeline/flags.ts";
import { OVERLAP_POOL, runPipeline } from "../src/pipeline/steps.ts";

await runTask({
  name: "pipeline",
  description: "Run extract, validate, clean and load in order, batch after batch, until every raw file is loaded.\n" +
    "Airflow runs the four steps as separate containers instead.",
  flags: {
    overlap: {
      type: "boolean",
      help:
        "Claim all new files first, then run validate, clean and load at the same time, each following the one before",
    },
    ...EXTRACT_FLAGS,
  },
  run: (ctx) => {
    const args = pipelineArgs(ctx);
    const poolMax = args.overlap ? OVERLAP_POOL : undefined;
    return withPipelineClients(ctx, (deps) => runPipeline(deps, args), { task: "pipeline", poolMax, role: "loader" });
  },
});
