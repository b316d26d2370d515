/** `deno task etl:report`: per-batch and per-day accounting, and the quarantine by reason. */
import { runTask } from "../src/task.ts";
import { runReport } from "../src/pipeline/steps.ts";

await runTask({
  name: "etl:report",
  description: "Print per-batch accounting (lines in = loaded + quarantined + duplicates), events per day of\n" +
    "occurred_at, and quarantined lines by reason code.",
  flags: { limit: { type: "string", help: "How many of the latest batches to list", default: "20" } },
  run: runReport,
});
