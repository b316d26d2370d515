/** `deno task extract`: claim new raw files into a batch and stage them (pipeline step 1, read). */
import { runTask } from "../src/task.ts";
import { runExtract } from "../src/pipeline/steps.ts";

await runTask({
  name: "extract",
  description: "Find raw minute drops (events/) not yet processed, claim them into a new batch atomically and stage\n" +
    "a copy of each under staging/. Files that cannot be read are logged at ERROR and retried by the next run.",
  flags: {
    "max-files": { type: "string", help: "Claim at most this many files (default: PIPELINE_MAX_FILES_PER_BATCH)" },
    "full-scan": {
      type: "boolean",
      help: "List all of events/, not only from PIPELINE_LIST_LOOKBACK_HOURS before the newest claimed file",
    },
  },
  run: runExtract,
});
