/** `deno task stop`: stop what `deno task start` started. */
import { runTask } from "../src/task.ts";
import { stop } from "../src/orchestration/start.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { stopDashboardService } from "../src/dashboard/service.ts";

await runTask({
  name: "stop",
  description: "Stop the dashboard, the live generator and Airflow (each process group, SIGTERM), then the " +
    "native services.",
  flags: {
    "keep-stack": { type: "boolean", help: "Leave the native services (PostgreSQL, S3, SMTP, Neo4j) running" },
  },
  async run({ flags, config, log }) {
    const dashboard = await stopDashboardService(config, log);
    const out = await stop(config, log, {
      keepStack: flags["keep-stack"] === true,
      stackDown: () => denoTask(["stack:down"]),
    });
    return { ...out, dashboard_stopped: dashboard };
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
