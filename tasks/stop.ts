/** `deno task stop`: stop what `deno task start` started. */
import { runTask } from "../src/task.ts";
import { stop } from "../src/orchestration/start.ts";
import { PROJECT_ROOT } from "../src/config.ts";

await runTask({
  name: "stop",
  description: "Stop the live generator and Airflow (each process group, SIGTERM), then the native services.",
  flags: {
    "keep-stack": { type: "boolean", help: "Leave the native services (PostgreSQL, S3, SMTP, Neo4j) running" },
  },
  run: ({ flags, config, log }) =>
    stop(config, log, { keepStack: flags["keep-stack"] === true, stackDown: () => denoTask(["stack:down"]) }),
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
