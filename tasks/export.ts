/** `deno task export`: every ClickHouse mart as CSV and Parquet into exports/ and the bucket, with a manifest. */
import { runTask } from "../src/task.ts";
import { createClickHouse } from "../src/clients/clickhouse.ts";
import { objectStore } from "../src/clients/s3.ts";
import { exportMarts } from "../src/export/mod.ts";
import { writeMetricsDoc } from "../src/export/metrics_doc.ts";
import { PROJECT_ROOT } from "../src/config.ts";

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

await runTask({
  name: "export",
  description: "Write every mart (ClickHouse tables named mart_*) as CSV (UTF-8, header, ISO dates) and Parquet, " +
    "written by ClickHouse itself, into <out>/date=YYYY-MM-DD/ and the bucket under exports/date=YYYY-MM-DD/, " +
    "with manifest.json (rows, columns and types, SHA-256 of each file, snapshot time). Idempotent per day.",
  flags: {
    out: { type: "string", help: "Local folder for the files (default: EXPORT_DIR, which defaults to exports)" },
    mart: { type: "string", multiple: true, help: "Export only this mart (repeatable; default: every mart)" },
    "no-upload": { type: "boolean", help: "Write the local files only, not the bucket" },
    "metrics-doc": {
      type: "string",
      help: "Instead of exporting, write the metric catalog generated from the mart headers to this file",
    },
  },
  async run({ flags, config, log }) {
    if (typeof flags["metrics-doc"] === "string") return await writeMetricsDoc(PROJECT_ROOT, flags["metrics-doc"]);
    // On a ClickHouse server, as the read-only user (docker/clickhouse/reader.xml); chDB has no users.
    const ch = await createClickHouse(config.clickhouse, { readOnly: true });
    try {
      const store = flags["no-upload"] === true ? null : objectStore(config.s3);
      if (store) await store.ensureBucket();
      const manifest = await exportMarts({ ch, store, log, now: () => new Date() }, {
        database: config.clickhouse.database,
        outDir: typeof flags.out === "string" ? flags.out : config.exportDir,
        marts: list(flags.mart),
      });
      return {
        date: manifest.date,
        snapshot_at: manifest.snapshot_at,
        marts: manifest.marts.length,
        rows: manifest.marts.reduce((s, m) => s + m.rows, 0),
        uploaded: store !== null,
      };
    } finally {
      await ch.close();
    }
  },
});
