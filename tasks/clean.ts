/** `deno task clean`: normalise valid events and remove duplicates by event_id (pipeline step 3). */
import { runTask } from "../src/task.ts";
import { BATCH_FLAG, runClean } from "../src/pipeline/steps.ts";

await runTask({
  name: "clean",
  description: "Normalise the validated events (trim + NFC strings, lower-case e-mails and handles, UTC timestamps,\n" +
    "money to cents) and remove duplicates by event_id within the batch and against everything loaded.",
  flags: BATCH_FLAG,
  run: runClean,
});
