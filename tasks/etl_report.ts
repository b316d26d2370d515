/** `deno task etl:report`: per-batch and per-day accounting, and the quarantine by reason. */
import { runTask } from "../src/task.ts";
import { withPipelineClients } from "../src/pipeline/clients.ts";
import { reportArgs } from "../src/pipeline/flags.ts";
import { runReport } from "../src/pipeline/steps.ts";

await runTask({
  name: "etl:report",
  description: "Print per-batch accounting (lines in = loaded + quarantined + duplicates), events per day of\n" +
    "occurred_at, quarantined lines by reason code, and raw files no batch claimed yet (those older than extract's\n" +
    "listing window are only taken by extract --full-scan).",
  flags: { limit: { type: "string", help: "How many of the latest batches to list", default: "20" } },
  run: (ctx) => {
    const args = reportArgs(ctx); // flag errors before any connection
    return withPipelineClients(ctx, (deps) => runReport(deps, args), { task: "etl:report", role: "reader" });
  },
});
