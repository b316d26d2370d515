/**
 * Shared plumbing of the native service stack: background processes with pid files, port and health waits,
 * idempotent installs. Each service lives in `dev/services/<name>.ts` and implements {@link Service}.
 *
 * Layout under the dev folder (DEV_DIR, default `.dev/` in the project root):
 *   data/<service>/   the service's data (wiped by `stack:reset`)
 *   logs/<service>.log
 *   run/<service>.pid
 *
 * Installed tools and builds live in DEV_TOOLS_DIR (default ~/.cache/socialpulse), shared by every clone on the
 * machine, so a fresh clone (CI) and `stack:reset` do not rebuild them.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../src/config.ts";
import type { Logger } from "../src/log.ts";

/** What every service function receives. */
export interface StackContext {
  config: Config;
  log: Logger;
  /** DEV_DIR, absolute. */
  devDir: string;
  dataDir(service: string): string;
  logFile(service: string): string;
  pidFile(service: string): string;
  toolsDir: string;
}

/** A service of the native stack. */
export interface Service {
  name: string;
  /** Where it listens, for the status table. */
  endpoint(ctx: StackContext): string;
  /** Install what is missing. Idempotent; returns quickly when everything is present. */
  install(ctx: StackContext): Promise<void>;
  /** Start in the background (no-op when already healthy). Returns once the process is spawned. */
  start(ctx: StackContext): Promise<void>;
  /** Resolves to null when healthy, or to a short reason why not. Must not throw. */
  health(ctx: StackContext): Promise<string | null>;
  /** Stop the service; a no-op when it is not running. */
  stop(ctx: StackContext): Promise<void>;
  /** Seconds to wait for health after start. */
  startTimeoutSeconds: number;
}

export function makeContext(config: Config, log: Logger): StackContext {
  const devDir = config.devDir;
  return {
    config,
    log,
    devDir,
    dataDir: (s) => join(devDir, "data", s),
    logFile: (s) => join(devDir, "logs", `${s}.log`),
    pidFile: (s) => join(devDir, "run", `${s}.pid`),
    toolsDir: config.devToolsDir,
  };
}

/** Run a command to completion; throws with its output when it fails. */
export async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; quiet?: boolean } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${text.slice(-4000)}`);
  }
  return text;
}

/** True when an executable exists at the path or on PATH. */
export async function haveCommand(name: string): Promise<boolean> {
  const r = await new Deno.Command("bash", { args: ["-c", `command -v ${name}`], stdout: "null", stderr: "null" })
    .output();
  return r.success;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start a long-running process detached from this one (it survives `deno task stack:up` exiting), with stdout
 * and stderr appended to the log file, and record its pid.
 */
export async function spawnDetached(
  ctx: StackContext,
  service: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<number> {
  await Deno.mkdir(join(ctx.devDir, "logs"), { recursive: true });
  await Deno.mkdir(join(ctx.devDir, "run"), { recursive: true });
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const script = `nohup setsid ${quoted} >> '${ctx.logFile(service)}' 2>&1 < /dev/null & echo $!`;
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const pid = Number(new TextDecoder().decode(out.stdout).trim());
  if (!out.success || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`could not start ${service}: ${new TextDecoder().decode(out.stderr)}`);
  }
  await Deno.writeTextFile(ctx.pidFile(service), String(pid));
  return pid;
}

/** The recorded pid, if that process is still alive. */
export async function runningPid(ctx: StackContext, service: string): Promise<number | null> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(ctx.pidFile(service))).trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && (await exists(`/proc/${pid}`)) ? pid : null;
}

/** SIGTERM the recorded process group, wait up to `graceSeconds`, then SIGKILL. Removes the pid file. */
export async function stopPid(ctx: StackContext, service: string, graceSeconds = 30): Promise<void> {
  const pid = await runningPid(ctx, service);
  if (pid !== null) {
    const kill = (sig: Deno.Signal) => {
      try {
        Deno.kill(-pid, sig); // setsid made the process a group leader: stop its children too
      } catch {
        try {
          Deno.kill(pid, sig);
        } catch { /* already gone */ }
      }
    };
    kill("SIGTERM");
    const deadline = Date.now() + graceSeconds * 1000;
    while (Date.now() < deadline && (await exists(`/proc/${pid}`))) await sleep(200);
    if (await exists(`/proc/${pid}`)) {
      ctx.log.warn(`${service} did not stop within ${graceSeconds}s; killing it`);
      kill("SIGKILL");
    }
  }
  await Deno.remove(ctx.pidFile(service)).catch(() => {});
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves to true when something accepts TCP connections on the port of 127.0.0.1. */
export async function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: host, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Poll `check` (null = healthy) until it passes or the timeout elapses; returns the last reason or null. */
export async function waitHealthy(
  check: () => Promise<string | null>,
  timeoutSeconds: number,
): Promise<string | null> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let reason: string | null = "not checked";
  while (Date.now() < deadline) {
    reason = await check();
    if (reason === null) return null;
    await sleep(500);
  }
  return reason;
}

/** The last lines of a service's log, for error messages. */
export async function logTail(ctx: StackContext, service: string, lines = 20): Promise<string> {
  try {
    const text = await Deno.readTextFile(ctx.logFile(service));
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
