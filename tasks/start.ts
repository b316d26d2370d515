/**
 * `deno task start`: the native stack, Airflow standalone, the live generator and the dashboard, on one machine
 * without Docker.
 */
import { runTask, UsageError } from "../src/task.ts";
import { start, startBanner } from "../src/orchestration/start.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { startDashboardService } from "../src/dashboard/service.ts";

await runTask({
  name: "start",
  description: "Start the whole pipeline without Docker: the native services (deno task stack:up), Airflow " +
    "standalone\nfrom its virtualenv (local runner, parallelism 4, a free local port from 8080), the live " +
    "generator\nand the dashboard (a free port from 8090; it serves the newest export snapshot). Prints the " +
    "Airflow UI's\nURL and login, the dashboard's URL, where alert mail lands and how to stop. Idempotent.",
  flags: {
    "no-stack": { type: "boolean", help: "Do not start the native services (they run already, or elsewhere)" },
    "no-generator": { type: "boolean", help: "Do not start the live generator" },
    "no-dashboard": { type: "boolean", help: "Do not start the dashboard (deno task dashboard, port 8090 or next)" },
    port: { type: "string", help: "Airflow's port (default: the first free one from 8080)" },
  },
  epilog: "Stop everything with: deno task stop",
  async run({ flags, config, log }) {
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      throw new UsageError(`--port must be a TCP port (got '${flags.port}')`);
    }
    const info = await start(config, log, {
      stack: flags["no-stack"] !== true,
      generator: flags["no-generator"] !== true,
      ...(port !== undefined ? { port } : {}),
    }, {
      stackUp: () => denoTask(["stack:up"]),
      generator: [Deno.execPath(), "run", "-A", new URL("./generate.ts", import.meta.url).pathname],
    });
    const dashboard = flags["no-dashboard"] === true ? null : await startDashboardService(config, log, [
      Deno.execPath(),
      "run",
      "-A",
      new URL("./dashboard.ts", import.meta.url).pathname,
    ]);
    // The dashboard's line joins the banner's list, after the generator's.
    const lines = startBanner(info).split("\n");
    const at = lines.findIndex((l) => l.startsWith("  alert mailbox"));
    lines.splice(
      at < 0 ? lines.length - 1 : at,
      0,
      dashboard
        ? `  dashboard       ${dashboard.url}   (the newest export snapshot; log ${dashboard.log})`
        : "  dashboard       not started (--no-dashboard)",
    );
    console.log(lines.join("\n"));
    // The password is for the person at the terminal (the banner), not for the summary line that logs keep.
    const { airflow_password: _password, ...summary } = info;
    return { ...summary, dashboard_url: dashboard?.url ?? null };
  },
});

/** `deno task -q <args>` in the project folder; throws when it fails. */
async function denoTask(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", ...args],
    cwd: PROJECT_ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`deno task ${args.join(" ")} failed (exit ${out.code})`);
}
