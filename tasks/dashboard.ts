/** `deno task dashboard`: the live web dashboard on the ClickHouse marts and the pipeline's accounting. */
import { runTask, UsageError } from "../src/task.ts";
import { createClickHouse } from "../src/clients/clickhouse.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { postgresAs } from "../src/config.ts";
import { serveDashboard } from "../src/dashboard/mod.ts";

await runTask({
  name: "dashboard",
  description: "Serve the live dashboard: Overview, Communities, Ads and revenue (the workbook's pages, from the " +
    "ClickHouse marts, charts rendered on the server with ECharts) and Pipeline health (from PostgreSQL etl). " +
    "Filters live in the URL (?from=YYYY-MM-DD&to=...&kind=...&community=...). Runs until SIGINT/SIGTERM; holds " +
    "the chDB folder open while it runs.",
  flags: {
    port: { type: "string", help: "Port to listen on (0: any free port)", default: "8090" },
    host: { type: "string", help: "Address to listen on", default: "127.0.0.1" },
    "etl-schema": { type: "string", help: "PostgreSQL schema of the pipeline's accounting", default: "etl" },
  },
  async run({ flags, config, log, signal }) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port is not a port: '${flags.port}'`);
    }
    const etlSchema = String(flags["etl-schema"]);
    if (!/^[a-z_][a-z0-9_]*$/.test(etlSchema)) {
      throw new UsageError(`--etl-schema is not a schema name: '${etlSchema}'`);
    }
    const ch = await createClickHouse(config.clickhouse, { readOnly: true });
    // The pipeline page reads etl's accounting as the reader role (20261130_0007_every_task_on_its_role.sql).
    const sql = createPostgres(postgresAs(config.postgres, "reader"), { applicationName: "socialpulse-dashboard" });
    try {
      const served = await serveDashboard(
        { ch, sql, etlSchema, now: () => new Date() },
        { hostname: String(flags.host), port },
        log,
        signal,
      );
      return { url: served.url, requests: served.requests };
    } finally {
      await sql.end();
      await ch.close();
    }
  },
});
