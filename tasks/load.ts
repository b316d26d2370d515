/** `deno task load`: COPY cleaned batches into landing.events, exactly once (pipeline step 4). */
import { runTask } from "../src/task.ts";
import { BATCH_FLAG, runLoad } from "../src/pipeline/steps.ts";

await runTask({
  name: "load",
  description:
    "Bulk-load the cleaned batches into PostgreSQL (landing.events) with COPY, in one transaction per batch\n" +
    "that also marks it loaded and checks lines_in = loaded + quarantined + duplicates.",
  flags: BATCH_FLAG,
  run: runLoad,
});
