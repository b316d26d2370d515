/**
 * `deno task start` and `deno task stop`: the whole pipeline on one machine without Docker. start brings up the
 * native service stack (`deno task stack:up`), Airflow standalone from its virtualenv (local runner, parallelism 4
 * for two cores, on a free local port, in its own process group) and the live generator, then prints where
 * everything is. stop ends the generator and Airflow (SIGTERM to each process group) and then the stack.
 *
 * State: Airflow's home (SQLite metadata, logs) is `<DEV_DIR>/airflow`; pid files and logs are the native stack's
 * (`<DEV_DIR>/run/airflow.pid`, `<DEV_DIR>/logs/airflow.log`, and the same for `generator`).
 *
 * @module
 */
import { join } from "node:path";
import { type Config, PROJECT_ROOT } from "../config.ts";
import type { Logger } from "../log.ts";
import { makeContext, runningPid, spawnDetached, type StackContext, stopPid } from "../../dev/_lib.ts";
import { airflowBin, airflowEnv, prepareAirflowHome } from "./airflow.ts";

/** What start reports (and prints). */
export interface StartInfo extends Record<string, unknown> {
  airflow_url: string;
  airflow_user: string;
  airflow_password: string;
  mailbox: string;
  airflow_home: string;
  logs: string;
  generator: boolean;
}

const STATE_FILE = "airflow.json";

/** A TCP port of 127.0.0.1 that nothing listens on, from `preferred` upwards. */
export function freePort(preferred: number, avoid: number[] = []): number {
  for (let port = preferred; port < preferred + 200; port++) {
    if (avoid.includes(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      continue;
    }
  }
  throw new Error(`no free local port in ${preferred}..${preferred + 199}`);
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd: PROJECT_ROOT, stdout: "inherit", stderr: "inherit" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${out.code})`);
}

async function health(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/api/v2/monitor/health`, { signal: AbortSignal.timeout(3000) });
    const body = await res.text();
    if (!res.ok) return `HTTP ${res.status}`;
    const h = JSON.parse(body) as Record<string, { status?: string }>;
    const bad = ["metadatabase", "scheduler", "dag_processor"].filter((k) => h[k]?.status !== "healthy");
    return bad.length === 0 ? null : `not yet healthy: ${bad.join(", ")}`;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The admin password that Airflow's simple auth manager generated on first start. */
async function adminPassword(home: string): Promise<string> {
  try {
    const users = JSON.parse(await Deno.readTextFile(join(home, "simple_auth_manager_passwords.json.generated")));
    return String(users.admin ?? Object.values(users)[0] ?? "");
  } catch {
    return "";
  }
}

async function waitFor(check: () => Promise<string | null>, seconds: number): Promise<string | null> {
  const deadline = Date.now() + seconds * 1000;
  let reason: string | null = "not checked";
  while (Date.now() < deadline) {
    reason = await check();
    if (reason === null) return null;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return reason;
}

/**
 * The tasks start runs, given by the task boundary (src/ starts no task itself): `stackUp` brings up the native
 * services and returns when they are healthy; `generator` is the command line of the live generator.
 */
export interface StartHooks {
  stackUp(): Promise<void>;
  generator: string[];
}

/** Start everything; idempotent (what already runs is left as it is). */
export async function start(
  cfg: Config,
  log: Logger,
  opts: { stack: boolean; generator: boolean; port?: number },
  hooks: StartHooks,
): Promise<StartInfo> {
  const ctx: StackContext = makeContext(cfg, log);
  if (opts.stack) await hooks.stackUp();
  await run("bash", [join(PROJECT_ROOT, "dev", "airflow", "setup.sh")]);
  await airflowBin(cfg, "airflow");

  const home = join(cfg.devDir, "airflow");
  const stateFile = join(cfg.devDir, "run", STATE_FILE);
  let port: number;
  if ((await runningPid(ctx, "airflow")) !== null) {
    port = JSON.parse(await Deno.readTextFile(stateFile)).port;
    log.info(`Airflow already runs on port ${port}`);
  } else {
    port = opts.port ?? freePort(8080);
    const workerLogs = freePort(8793, [port]);
    const triggerLogs = freePort(workerLogs + 1, [port, workerLogs]);
    const url = `http://localhost:${port}`;
    const env = airflowEnv(cfg, home, {
      AIRFLOW__API__HOST: "127.0.0.1",
      AIRFLOW__API__PORT: String(port),
      AIRFLOW__API__BASE_URL: url,
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `${url}/execution/`,
      AIRFLOW__CORE__PARALLELISM: "4",
      AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT: String(workerLogs),
      AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT: String(triggerLogs),
    });
    log.info("preparing Airflow's metadata database and pools", { counts: { port } });
    await prepareAirflowHome(cfg, env);
    await Deno.mkdir(join(cfg.devDir, "run"), { recursive: true });
    await Deno.writeTextFile(stateFile, JSON.stringify({ port }));
    await spawnDetached(ctx, "airflow", await airflowBin(cfg, "airflow"), ["standalone"], { cwd: PROJECT_ROOT, env });
  }
  const url = `http://localhost:${port}`;
  const reason = await waitFor(() => health(url), 180);
  if (reason !== null) {
    await stopPid(ctx, "airflow", 30);
    throw new Error(
      `Airflow was not healthy at ${url} after 180 s (${reason}) and was stopped; see ${ctx.logFile("airflow")}`,
    );
  }

  let generator = false;
  if (opts.generator) {
    if ((await runningPid(ctx, "generator")) === null) {
      const [cmd, ...args] = hooks.generator;
      await spawnDetached(ctx, "generator", cmd!, args, { cwd: PROJECT_ROOT });
    }
    generator = true;
  }
  return {
    airflow_url: url,
    airflow_user: "admin",
    airflow_password: await adminPassword(home),
    mailbox: join(cfg.devDir, "data", "smtp"),
    airflow_home: home,
    logs: join(cfg.devDir, "logs"),
    generator,
  };
}

/** The lines start prints for a person. */
export function startBanner(i: StartInfo): string {
  return [
    "",
    "socialpulse is running:",
    `  Airflow UI      ${i.airflow_url}   (user ${i.airflow_user}, password ${i.airflow_password || "see the log"})`,
    `  DAGs            socialpulse (every minute), socialpulse_maintenance (daily); local runner`,
    `  generator       ${i.generator ? "live: one file per minute into the bucket" : "not started (--no-generator)"}`,
    `  alert mailbox   ${i.mailbox}/*.eml (the SMTP capture on SMTP_PORT)`,
    `  logs            ${i.logs}/airflow.log, generator.log; task logs under ${i.airflow_home}/logs`,
    "  stop with       deno task stop   (deno task stop --keep-stack leaves the services running)",
    "",
  ].join("\n");
}

/** Pids of the live processes in a process group (from /proc). */
async function groupMembers(pgid: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      // Fields after the command (which may hold spaces) in parentheses: state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") out.push(Number(e.name));
    } catch {
      continue;
    }
  }
  return out;
}

/** Wait until no process of the group (already sent SIGTERM) is left; SIGKILL what remains after `seconds`. */
async function stopGroup(log: Logger, name: string, pgid: number, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while ((await groupMembers(pgid)).length > 0) {
    if (Date.now() > deadline) {
      log.warn(`${name}: processes of group ${pgid} still run after ${seconds}s; killing them`);
      try {
        Deno.kill(-pgid, "SIGKILL");
      } catch { /* gone meanwhile */ }
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Stop the generator, Airflow and (unless keepStack) the native stack. */
export async function stop(
  cfg: Config,
  log: Logger,
  opts: { keepStack: boolean; stackDown(): Promise<void> },
): Promise<Record<string, unknown>> {
  const ctx = makeContext(cfg, log);
  const stopped: string[] = [];
  for (const name of ["generator", "airflow"]) {
    const pid = await runningPid(ctx, name);
    if (pid !== null) stopped.push(name);
    await stopPid(ctx, name, 60);
    // Airflow standalone's leader exits before its scheduler, API server and triggerer: wait for the whole group.
    if (pid !== null) await stopGroup(log, name, pid, 60);
  }
  await Deno.remove(join(cfg.devDir, "run", STATE_FILE)).catch(() => {});
  if (!opts.keepStack) {
    await opts.stackDown();
    stopped.push("stack");
  }
  log.info(`stopped ${stopped.join(", ") || "nothing (nothing was running)"}`);
  return { stopped };
}
