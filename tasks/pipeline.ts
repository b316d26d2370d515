/** `deno task pipeline`: extract -> validate -> clean -> load until no new raw file is left (local use). */
import { runTask } from "../src/task.ts";
import { runPipeline } from "../src/pipeline/steps.ts";

await runTask({
  name: "pipeline",
  description: "Run extract, validate, clean and load in order, batch after batch, until every raw file is loaded.\n" +
    "Airflow runs the four steps as separate containers instead.",
  flags: {
    overlap: {
      type: "boolean",
      help: "Claim all new files first, then run validate, clean and load at once as three --follow processes",
    },
    "max-files": { type: "string", help: "Files per batch (default: PIPELINE_MAX_FILES_PER_BATCH)" },
    "full-scan": {
      type: "boolean",
      help: "List all of events/, not only from PIPELINE_LIST_LOOKBACK_HOURS before the newest claimed file",
    },
  },
  run: runPipeline,
});
