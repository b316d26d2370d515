/**
 * The dashboard as a background service of `deno task start` / `deno task stop`: started detached in its own process
 * group (pid file `<DEV_DIR>/run/dashboard.pid`, log `<DEV_DIR>/logs/dashboard.log`, port in
 * `<DEV_DIR>/run/dashboard.json`) on the first free port from 8090, and waited for until `/healthz` answers. With the
 * embedded engine it serves the newest export snapshot (snapshot.ts), so it runs beside the every-minute pipeline.
 *
 * @module
 */
import { join } from "node:path";
import { type Config, PROJECT_ROOT } from "../config.ts";
import type { Logger } from "../log.ts";
import { makeContext, runningPid, spawnDetached, stopPid } from "../../dev/_lib.ts";
import { freePort } from "../orchestration/start.ts";

const NAME = "dashboard";
const STATE_FILE = "dashboard.json";

/** Where the started dashboard answers. */
export interface DashboardService {
  url: string;
  log: string;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Start the dashboard unless it runs already; `command` is its command line without the port (given by the task
 * boundary: src/ starts no task itself). Idempotent.
 */
export async function startDashboardService(
  cfg: Config,
  log: Logger,
  command: string[],
  preferredPort = 8090,
): Promise<DashboardService> {
  const ctx = makeContext(cfg, log);
  const stateFile = join(cfg.devDir, "run", STATE_FILE);
  let port: number;
  if ((await runningPid(ctx, NAME)) !== null) {
    port = JSON.parse(await Deno.readTextFile(stateFile)).port;
    log.info(`the dashboard already runs on port ${port}`);
  } else {
    port = freePort(preferredPort);
    const [cmd, ...args] = command;
    await spawnDetached(ctx, NAME, cmd!, [...args, "--port", String(port)], { cwd: PROJECT_ROOT });
    await Deno.writeTextFile(stateFile, JSON.stringify({ port }));
  }
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  while (!(await healthy(url))) {
    if ((await runningPid(ctx, NAME)) === null || Date.now() > deadline) {
      await stopPid(ctx, NAME, 10);
      throw new Error(`the dashboard did not answer at ${url} within 60 s; see ${ctx.logFile(NAME)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, log: ctx.logFile(NAME) };
}

/** Stop the dashboard when it runs; true when it did. */
export async function stopDashboardService(cfg: Config, log: Logger): Promise<boolean> {
  const ctx = makeContext(cfg, log);
  const running = (await runningPid(ctx, NAME)) !== null;
  await stopPid(ctx, NAME, 20);
  await Deno.remove(join(cfg.devDir, "run", STATE_FILE)).catch(() => {});
  return running;
}
