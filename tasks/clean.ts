/** `deno task clean`: normalise valid events and remove duplicates by event_id (pipeline step 3). */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { BATCH_FLAGS, batchStepArgs } from "../src/pipeline/flags.ts";
import { runClean } from "../src/pipeline/steps.ts";

await runTask({
  name: "clean",
  description: "Normalise the validated events (trim + NFC strings, lower-case e-mails and handles, UTC timestamps,\n" +
    "money to cents) and remove duplicates by event_id within the batch and against everything loaded.",
  flags: BATCH_FLAGS,
  run: (ctx) => {
    const args = batchStepArgs(ctx); // flag errors before any connection
    return withPipelineClients(ctx, (deps) => runClean(deps, args), { task: "clean", role: "loader" });
  },
});
