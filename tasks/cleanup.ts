/** `deno task cleanup`: delete the staging objects of batches loaded more than N days ago (maintenance DAG). */
import { runTask, UsageError } from "../src/task.ts";
import { objectStore } from "../src/clients/s3.ts";
import { migratedPoolAs } from "../src/pipeline/clients.ts";
import { cleanupStaging } from "../src/orchestration/cleanup.ts";

await runTask({
  name: "cleanup",
  description: "Delete the objects under staging/batch=N/ of every batch loaded more than --older-than-days ago.\n" +
    "Raw files, quarantine objects, the warehouse and the staging of batches not yet loaded are kept.",
  flags: {
    "older-than-days": {
      type: "string",
      help: "Keep the staging of batches loaded within this many days (default: PIPELINE_STAGING_RETENTION_DAYS)",
    },
    "dry-run": { type: "boolean", help: "Count what would be deleted; delete nothing" },
  },
  async run({ flags, config, log }) {
    const raw = flags["older-than-days"];
    const days = raw === undefined ? config.orchestration.stagingRetentionDays : Number(raw);
    if (!Number.isFinite(days) || days < 0) {
      throw new UsageError(`--older-than-days must be a number of days >= 0 (got '${raw}')`);
    }
    // Migrations as the owner, then etl.batches read as the loader.
    const sql = await migratedPoolAs(config.postgres, "loader", { applicationName: "socialpulse-cleanup" });
    try {
      return await cleanupStaging({ sql, store: objectStore(config.s3), log }, {
        olderThanDays: days,
        dryRun: flags["dry-run"] === true,
      });
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});
