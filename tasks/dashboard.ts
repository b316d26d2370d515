/** `deno task dashboard`: the live web dashboard on the ClickHouse marts and the pipeline's accounting. */
import { resolve } from "node:path";
import { runTask, UsageError } from "../src/task.ts";
import { type ClickHouseClient, createClickHouse } from "../src/clients/clickhouse.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { postgresAs } from "../src/config.ts";
import { serveDashboard } from "../src/dashboard/mod.ts";
import { SnapshotReader } from "../src/dashboard/snapshot.ts";
import { benchPages } from "../src/dashboard/bench.ts";

await runTask({
  name: "dashboard",
  description: "Serve the live dashboard: Overview, Communities, Ads and revenue (the workbook's pages, from the " +
    "ClickHouse marts, charts rendered on the server with ECharts) and Pipeline health (from PostgreSQL etl). " +
    "Filters live in the URL (?from=YYYY-MM-DD&to=...&kind=...&community=...). Runs until SIGINT/SIGTERM.\n" +
    "Data (--source): 'clickhouse' reads the marts live (the default with a ClickHouse server, CLICKHOUSE_URL=" +
    "http://...); 'exports' serves the newest export snapshot (<exports>/date=*/manifest.json and its Parquet " +
    "files, checked against the manifest's SHA-256) from a private in-process chDB session and loads a newer one " +
    "within --poll seconds: the default with the embedded engine (chdb://), whose folder only one process may open " +
    "and the pipeline's models build and export need.",
  flags: {
    port: { type: "string", help: "Port to listen on (0: any free port)", default: "8090" },
    host: { type: "string", help: "Address to listen on", default: "127.0.0.1" },
    "etl-schema": { type: "string", help: "PostgreSQL schema of the pipeline's accounting", default: "etl" },
    source: { type: "string", help: "Where the marts come from: auto, exports or clickhouse", default: "auto" },
    exports: {
      type: "string",
      help: "Folder of deno task export's snapshots (--source exports; default: EXPORT_DIR, which defaults to exports)",
    },
    poll: { type: "string", help: "Seconds between looks for a newer export snapshot", default: "10" },
    bench: {
      type: "boolean",
      help: "Do not serve: time every page's server render (first, cold and warm) and print the figures",
    },
    runs: { type: "string", help: "Renders per page with --bench", default: "5" },
  },
  epilog: "Examples:\n  deno task dashboard\n  deno task dashboard --source clickhouse   # hold the chDB folder " +
    "(no pipeline running)\n  deno task dashboard --bench --runs 5",
  async run({ flags, config, log, signal }) {
    const int = (name: string, min: number, max: number) => {
      const v = Number(flags[name]);
      if (!Number.isInteger(v) || v < min || v > max) {
        throw new UsageError(`--${name} must be ${min}..${max}: '${flags[name]}'`);
      }
      return v;
    };
    const port = int("port", 0, 65535);
    const pollSeconds = int("poll", 1, 3600);
    const runs = int("runs", 1, 100);
    const etlSchema = String(flags["etl-schema"]);
    if (!/^[a-z_][a-z0-9_]*$/.test(etlSchema)) {
      throw new UsageError(`--etl-schema is not a schema name: '${etlSchema}'`);
    }
    const wanted = String(flags.source);
    if (!["auto", "exports", "clickhouse"].includes(wanted)) {
      throw new UsageError(`--source must be auto, exports or clickhouse: '${wanted}'`);
    }
    const source = wanted === "auto" ? (config.clickhouse.target.kind === "chdb" ? "exports" : "clickhouse") : wanted;

    let ch: ClickHouseClient;
    let snapshot: SnapshotReader | null = null;
    let privateDir: string | null = null;
    if (source === "exports") {
      // The dashboard's own chDB folder, never the warehouse's. Not read-only: it loads each snapshot into it, and it
      // holds nothing but copies of the export's files.
      privateDir = await Deno.makeTempDir({ prefix: "socialpulse-dashboard-" });
      ch = await createClickHouse({
        ...config.clickhouse,
        target: { kind: "chdb", path: `${privateDir}/chdb` },
        database: "dashboard",
      });
      const exportsDir = typeof flags.exports === "string" ? resolve(flags.exports) : config.exportDir;
      snapshot = new SnapshotReader(ch, exportsDir, `${privateDir}/files`, log);
    } else {
      ch = await createClickHouse(config.clickhouse, { readOnly: true });
    }
    // The pipeline page reads etl's accounting as the reader role (20261130_0007_every_task_on_its_role.sql).
    const sql = createPostgres(postgresAs(config.postgres, "reader"), { applicationName: "socialpulse-dashboard" });
    const deps = { ch, sql, etlSchema, now: () => new Date(), snapshot };
    try {
      if (flags.bench === true) {
        const loaded = snapshot ? await snapshot.refresh() : null;
        if (loaded && loaded.kind !== "loaded") {
          throw new UsageError(`--bench: no export snapshot to load under ${snapshot!.exportsDir} (${loaded.kind})`);
        }
        const result = await benchPages(deps, { runs }, log);
        for (const p of result.pages) console.log(JSON.stringify(p));
        return {
          source,
          runs,
          loadavg: result.loadavg,
          pages: result.pages.length,
          slowest_cold_ms: Math.max(...result.pages.map((p) => p.cold_max_ms)),
        };
      }
      const served = await serveDashboard(deps, { hostname: String(flags.host), port, pollSeconds }, log, signal);
      return { url: served.url, requests: served.requests, source };
    } finally {
      await sql.end();
      await ch.close();
      if (privateDir) await Deno.remove(privateDir, { recursive: true });
    }
  },
});
