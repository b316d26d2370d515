/** `deno task load`: COPY cleaned batches into landing.events, exactly once (pipeline step 4). */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { BATCH_FLAGS, batchStepArgs } from "../src/pipeline/flags.ts";
import { runLoad } from "../src/pipeline/steps.ts";

await runTask({
  name: "load",
  description:
    "Bulk-load the cleaned batches into PostgreSQL (landing.events) with COPY, in one transaction per batch\n" +
    "that also marks it loaded and checks lines_in = loaded + quarantined + duplicates.",
  flags: BATCH_FLAGS,
  run: (ctx) => {
    const args = batchStepArgs(ctx); // flag errors before any connection
    return withPipelineClients(ctx, (deps) => runLoad(deps, args), { task: "load", role: "loader" });
  },
});
