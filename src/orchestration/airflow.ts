/**
 * Airflow on a machine without Docker: where its virtualenv is (installed by dev/airflow/setup.sh), the environment
 * its processes get (local runner, this project's DAG folder, the project's `.env` merged in) and its CLI. Used by
 * `deno task start|stop` and the tests of the DAGs.
 *
 * @module
 */
import { join } from "node:path";
import { type Config, processEnv, PROJECT_ROOT } from "../config.ts";

/** The Airflow version of dev/airflow/setup.sh and its constraints file. */
export const AIRFLOW_VERSION = "3.3.2";

/** A needed tool is missing; the message says how to install it. */
export class AirflowMissingError extends Error {
  override name = "AirflowMissingError";
}

/** The virtualenv that dev/airflow/setup.sh installs into the tools folder. */
export function airflowVenv(cfg: Config): string {
  return join(cfg.devToolsDir, "airflow", AIRFLOW_VERSION, "venv");
}

/** The venv's executables (airflow, python, pytest); throws when the venv is missing. */
export async function airflowBin(cfg: Config, name: "airflow" | "python"): Promise<string> {
  const path = join(airflowVenv(cfg), "bin", name);
  try {
    await Deno.stat(path);
  } catch {
    throw new AirflowMissingError(`Airflow is not installed at ${airflowVenv(cfg)}: run 'bash dev/airflow/setup.sh'`);
  }
  return path;
}

/**
 * The environment of an Airflow process running this project's DAGs with the local runner: the process environment
 * with the project's `.env` under it (the DAG files read PIPELINE_SCHEDULE and the like from the environment, the
 * tasks read `.env` themselves), then `overrides`.
 */
export function airflowEnv(
  cfg: Config,
  home: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const denoDir = Deno.execPath().replace(/\/[^/]+$/, "");
  const base = processEnv();
  return {
    ...base,
    // The venv first: `airflow standalone` starts its parts as `airflow <command>`.
    PATH: `${join(airflowVenv(cfg), "bin")}:${denoDir}:${base.PATH ?? "/usr/bin:/bin"}`,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: join(PROJECT_ROOT, "dags"),
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    SOCIALPULSE_RUNNER: "local",
    SOCIALPULSE_PROJECT_DIR: PROJECT_ROOT,
    SOCIALPULSE_DENO: Deno.execPath(),
    ...overrides,
  };
}

/** Run the Airflow CLI to completion; throws with the end of its output when it fails. */
export async function airflowCli(
  cfg: Config,
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(await airflowBin(cfg, "airflow"), {
    args,
    env,
    clearEnv: true,
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, output };
}

/** The pools the DAGs use (dags/socialpulse_lib/steps.py), in the format of `airflow pools import`. */
export async function declaredPools(cfg: Config): Promise<Record<string, { slots: number; description: string }>> {
  const script = "import json, sys; sys.path.insert(0, 'dags'); from socialpulse_lib.steps import POOLS; " +
    "print(json.dumps({k: {'slots': v[0], 'description': v[1]} for k, v in POOLS.items()}))";
  const out = await new Deno.Command(await airflowBin(cfg, "python"), {
    args: ["-c", script],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`could not read the pools: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Migrate Airflow's metadata database (SQLite under AIRFLOW_HOME) and create the pools the DAGs use. */
export async function prepareAirflowHome(cfg: Config, env: Record<string, string>): Promise<void> {
  await Deno.mkdir(env.AIRFLOW_HOME!, { recursive: true });
  const migrate = await airflowCli(cfg, env, ["db", "migrate"]);
  if (migrate.code !== 0) throw new Error(`airflow db migrate failed:\n${migrate.output.slice(-3000)}`);
  const file = join(env.AIRFLOW_HOME!, "socialpulse-pools.json");
  await Deno.writeTextFile(file, JSON.stringify(await declaredPools(cfg)));
  const pools = await airflowCli(cfg, env, ["pools", "import", file]);
  if (pools.code !== 0) throw new Error(`airflow pools import failed:\n${pools.output.slice(-3000)}`);
}
