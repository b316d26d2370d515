/** `deno task start`: the native stack, Airflow standalone and the live generator, on one machine without Docker. */
import { runTask, UsageError } from "../src/task.ts";
import { start, startBanner } from "../src/orchestration/start.ts";
import { PROJECT_ROOT } from "../src/config.ts";

await runTask({
  name: "start",
  description: "Start the whole pipeline without Docker: the native services (deno task stack:up), Airflow " +
    "standalone\nfrom its virtualenv (local runner, parallelism 4, a free local port from 8080) and the live " +
    "generator.\nPrints the Airflow UI's URL and login, where alert mail lands and how to stop. Idempotent.",
  flags: {
    "no-stack": { type: "boolean", help: "Do not start the native services (they run already, or elsewhere)" },
    "no-generator": { type: "boolean", help: "Do not start the live generator" },
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
    console.log(startBanner(info));
    return info;
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
