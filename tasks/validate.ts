/** `deno task validate`: check every staged line against the event schema; quarantine the bad ones (step 2). */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { BATCH_FLAGS, validateArgs } from "../src/pipeline/flags.ts";
import { runValidate } from "../src/pipeline/steps.ts";

await runTask({
  name: "validate",
  description: "Validate every line of the extracted batches against the shared event schema (types, required\n" +
    "fields, enums, ranges, string lengths, the clock). Invalid lines go to quarantine with a reason code.",
  flags: {
    ...BATCH_FLAGS,
    force: {
      type: "boolean",
      help: "With --batch: validate that batch again although it was validated or cleaned (not once loaded)",
    },
  },
  run: (ctx) => {
    const args = validateArgs(ctx); // flag errors before any connection
    return withPipelineClients(ctx, (deps) => runValidate(deps, args), { task: "validate", role: "loader" });
  },
});
