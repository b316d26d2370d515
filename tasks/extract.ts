/** `deno task extract`: claim new raw files into a batch and stage them (pipeline step 1, read). */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { EXTRACT_FLAGS, extractArgs } from "../src/pipeline/flags.ts";
import { runExtract } from "../src/pipeline/steps.ts";

await runTask({
  name: "extract",
  description: "Find raw minute drops (events/) not yet processed, claim them into a new batch atomically and stage\n" +
    "a copy of each under staging/. Files that cannot be read are logged at ERROR and retried by the next run.",
  flags: EXTRACT_FLAGS,
  run: (ctx) => {
    const args = extractArgs(ctx); // flag errors before any connection
    return withPipelineClients(ctx, (deps) => runExtract(deps, args), { task: "extract", role: "loader" });
  },
});
