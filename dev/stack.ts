/**
 * The native service stack, for machines without Docker (development and CI): `deno task stack:up|down|status|reset`.
 *
 * `up` installs what is missing (idempotent; fast when everything is there), starts each service in the
 * background on its standard local port, waits until each is healthy and prints a status table. ClickHouse needs
 * no server here: the default CLICKHOUSE_URL=chdb://... runs the engine inside each task.
 *
 * @module
 */
import { runTask, TaskFailure, UsageError } from "../src/task.ts";
import { join } from "node:path";
import { logTail, makeContext, runningPid, type Service, type StackContext, waitHealthy } from "./_lib.ts";
import { postgresService } from "./services/postgres.ts";
import { s3Service } from "./services/s3.ts";
import { smtpService } from "./services/smtp.ts";
import { neo4jService } from "./services/neo4j.ts";
import { SERVICE_CHECKS } from "../src/health.ts";

/** Every service, in start order. */
export const SERVICES: readonly Service[] = [postgresService, s3Service, smtpService, neo4jService];

interface Row {
  service: string;
  endpoint: string;
  pid: string;
  status: string;
}

async function statusRows(ctx: StackContext, services: readonly Service[]): Promise<Row[]> {
  const rows = await Promise.all(services.map(async (s): Promise<Row> => {
    const reason = await s.health(ctx);
    const pid = await runningPid(ctx, s.name);
    return {
      service: s.name,
      endpoint: s.endpoint(ctx),
      pid: pid === null ? "-" : String(pid),
      status: reason === null ? "healthy" : `DOWN: ${reason}`,
    };
  }));
  rows.push(await clickhouseRow(ctx));
  return rows;
}

/** ClickHouse is embedded (chDB) unless CLICKHOUSE_URL names a server; either way, say whether it answers. */
async function clickhouseRow(ctx: StackContext): Promise<Row> {
  const t = ctx.config.clickhouse.target;
  const endpoint = t.kind === "http" ? t.url : `chdb://${t.path} (embedded, in-process)`;
  if (t.kind === "chdb") {
    // Opening the data directory would take chDB's lock from a running task; the engine starts with each task.
    return { service: "clickhouse", endpoint, pid: "-", status: "embedded" };
  }
  const reason = await SERVICE_CHECKS.clickhouse(ctx.config);
  return { service: "clickhouse", endpoint, pid: "-", status: reason === null ? "healthy" : `DOWN: ${reason}` };
}

function table(rows: Row[]): string {
  const cols: (keyof Row)[] = ["service", "endpoint", "pid", "status"];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (r: Record<string, string>) => cols.map((c, i) => r[c]!.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(Object.fromEntries(cols.map((c) => [c, c.toUpperCase()]))), ...rows.map((r) => line({ ...r }))].join(
    "\n",
  );
}

function select(only: string | undefined): readonly Service[] {
  if (!only) return SERVICES;
  const names = only.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !SERVICES.some((s) => s.name === n));
  if (unknown.length) {
    throw new UsageError(`unknown service(s) ${unknown.join(", ")}; known: ${SERVICES.map((s) => s.name).join(", ")}`);
  }
  return SERVICES.filter((s) => names.includes(s.name));
}

await runTask({
  name: "stack",
  description: "Run the native service stack (PostgreSQL 15, Neo4j 5.26 + GDS + APOC, versitygw S3, SMTP capture).\n" +
    "Commands: up (install what is missing, start, wait until healthy), down (stop), status (health table),\n" +
    "reset (stop and wipe every service's data; installed tools are kept).",
  positionals: "<up|down|status|reset>",
  flags: {
    only: { type: "string", help: "Comma-separated subset of services (postgres,s3,smtp,neo4j)" },
  },
  epilog: "Data, logs and pid files live under DEV_DIR (default .dev/): data/<service>, logs/<service>.log.",
  async run({ positionals, flags, config, log }) {
    const command = positionals[0];
    const ctx = makeContext(config, log);
    const services = select(flags.only as string | undefined);
    switch (command) {
      case "up": {
        const started = performance.now();
        for (const s of services) {
          const t0 = performance.now();
          await s.install(ctx);
          const t1 = performance.now();
          await s.start(ctx);
          const reason = await waitHealthy(() => s.health(ctx), s.startTimeoutSeconds);
          if (reason !== null) {
            throw new Error(
              `${s.name} is not healthy after ${s.startTimeoutSeconds}s: ${reason}\n` +
                `last lines of ${ctx.logFile(s.name)}:\n${await logTail(ctx, s.name)}`,
            );
          }
          log.info(`${s.name} is healthy`, {
            counts: { install_ms: Math.round(t1 - t0), start_ms: Math.round(performance.now() - t1) },
          });
        }
        console.log(table(await statusRows(ctx, services)));
        return {
          command,
          services: services.map((s) => s.name),
          seconds: Math.round(performance.now() - started) / 1000,
        };
      }
      case "down": {
        for (const s of [...services].reverse()) {
          await s.stop(ctx);
          log.info(`${s.name} stopped`);
        }
        return { command, services: services.map((s) => s.name) };
      }
      case "status": {
        const rows = await statusRows(ctx, services);
        console.log(table(rows));
        const down = rows.filter((r) => r.status.startsWith("DOWN")).map((r) => r.service);
        if (down.length) {
          throw new TaskFailure(`not healthy: ${down.join(", ")} (start with: deno task stack:up)`, {
            down: down.join(","),
          });
        }
        return { command, healthy: rows.length };
      }
      case "reset": {
        for (const s of [...services].reverse()) await s.stop(ctx);
        const wiped: string[] = [];
        for (const s of services) {
          await Deno.remove(ctx.dataDir(s.name), { recursive: true }).catch(() => {});
          wiped.push(s.name);
        }
        if (!flags.only && config.clickhouse.target.kind === "chdb") {
          await Deno.remove(config.clickhouse.target.path, { recursive: true }).catch(() => {});
          wiped.push("clickhouse");
        }
        await Deno.remove(join(ctx.devDir, "logs"), { recursive: true }).catch(() => {});
        log.info(`wiped the data of ${wiped.join(", ")}; run 'deno task stack:up' to start afresh`);
        return { command, wiped };
      }
      default:
        throw new UsageError(`expected a command: up, down, status or reset (got ${command ?? "none"})`);
    }
  },
});
