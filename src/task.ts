/**
 * The boundary of every `deno task`: flags, `--help`, configuration, logging, errors, exit code, and the
 * one-line JSON summary that is always the last line of stdout (Airflow reads it).
 *
 * A task file in `tasks/` is a few lines: it declares its flags and calls {@link runTask} with a `run` function
 * from `src/` that receives the parsed flags and the configuration.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, config, ConfigError } from "./config.ts";
import { configureLogging, describeError, type Logger, logger } from "./log.ts";

/** One command-line flag. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** Shown by --help. */
  help: string;
  /** Shown by --help; also applied when the flag is absent. */
  default?: string | boolean;
  multiple?: boolean;
}

/** What a task declares about itself. */
export interface TaskSpec<R extends Record<string, unknown>> {
  /** The task's name as in `deno task <name>`. */
  name: string;
  /** One paragraph for --help. */
  description: string;
  flags?: Record<string, FlagSpec>;
  /** Names of positional arguments, for --help (e.g. "<command> [selector...]"). */
  positionals?: string;
  /** Extra text printed at the end of --help (examples). */
  epilog?: string;
  run(ctx: TaskContext): Promise<R>;
}

/** What a task's run function receives. */
export interface TaskContext {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  config: Config;
  log: Logger;
  /** Aborted on SIGINT/SIGTERM, so long work can finish its current unit cleanly. */
  signal: AbortSignal;
}

/** A failure the user caused (bad flag, bad input): reported in one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A failure whose message says all an operator needs (a service that went away, naming it and the batch): logged in
 * one line without a stack trace, exit code 1. Its fields go into the log line and the JSON summary's `error`.
 */
export class TaskFailure extends Error {
  override name = "TaskFailure";
  constructor(
    message: string,
    readonly fields: Record<string, string | number | null> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Render --help for a task. */
export function helpText(spec: TaskSpec<Record<string, unknown>>): string {
  const lines = [`Usage: deno task ${spec.name} [options]${spec.positionals ? " " + spec.positionals : ""}`, ""];
  lines.push(spec.description, "", "Options:");
  const flags = { ...spec.flags, help: { type: "boolean", short: "h", help: "Show this help and exit" } as FlagSpec };
  for (const [name, f] of Object.entries(flags)) {
    const left = `  ${f.short ? `-${f.short}, ` : "    "}--${name}${f.type === "string" ? " <value>" : ""}`;
    const def = f.default !== undefined && f.default !== false ? ` (default: ${f.default})` : "";
    lines.push(`${left.padEnd(34)} ${f.help}${def}`);
  }
  if (spec.epilog) lines.push("", spec.epilog);
  return lines.join("\n");
}

/**
 * Run a task at the process boundary. Never returns: exits 0 on success, 1 on failure, 2 on a usage or
 * configuration error. The last stdout line is `{"task":..., "status":"ok"|"error", "duration_ms":..., ...}`, after
 * flag errors too; only `--help` prints the help text instead.
 */
export async function runTask<R extends Record<string, unknown>>(
  spec: TaskSpec<R>,
  argv: string[] = Deno.args,
): Promise<never> {
  const started = performance.now();
  const summary = (status: string, extra: Record<string, unknown>) =>
    console.log(
      JSON.stringify({ task: spec.name, status, duration_ms: Math.round(performance.now() - started), ...extra }),
    );

  let flags: TaskContext["flags"];
  let positionals: string[];
  try {
    const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
      help: { type: "boolean", short: "h" },
    };
    for (const [k, f] of Object.entries(spec.flags ?? {})) {
      options[k] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
    }
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    flags = parsed.values as TaskContext["flags"];
    positionals = parsed.positionals;
  } catch (e) {
    const message = `${(e as Error).message} (see --help)`;
    console.error(`${spec.name}: ${message}`);
    summary("error", { error: { name: "UsageError", message } });
    Deno.exit(2);
  }
  if (flags.help) {
    console.log(helpText(spec as unknown as TaskSpec<Record<string, unknown>>));
    Deno.exit(0);
  }
  for (const [k, f] of Object.entries(spec.flags ?? {})) {
    if (flags[k] === undefined && f.default !== undefined) flags[k] = f.default;
  }

  let cfg: Config;
  try {
    cfg = config();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${spec.name}: ${e.message}`);
      summary("error", { error: { name: e.name, message: e.message } });
      Deno.exit(2);
    }
    throw e;
  }
  configureLogging(cfg.log);
  const log = logger(spec.name);

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    log.warn("stop requested; finishing the current unit of work (send again to exit at once)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  try {
    const result = await spec.run({ flags, positionals, config: cfg, log, signal: controller.signal });
    summary("ok", result);
    Deno.exit(0);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      console.error(`${spec.name}: ${e.message}`);
      summary("error", { error: { name: e.name, message: e.message } });
      Deno.exit(2);
    }
    if (e instanceof TaskFailure) {
      const batch = e.fields.batch;
      (batch === null || batch === undefined ? log : log.withBatch(batch)).error(e.message, { ...e.fields });
      summary("error", { error: { name: e.name, message: e.message, ...e.fields } });
      Deno.exit(1);
    }
    log.error(`${spec.name} failed: ${(e as Error)?.message ?? String(e)}`, { error: e });
    const { stack: _stack, ...error } = describeError(e);
    summary("error", { error });
    Deno.exit(1);
  }
}
