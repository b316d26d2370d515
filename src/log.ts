/**
 * Structured logging.
 *
 * One JSON object per line (`ts`, `level`, `step`, `batch`, `msg`, `counts`, `error` with its stack) when stdout
 * is not a terminal (Airflow, Docker, CI), readable text when it is. Logs go to stderr, so that stdout stays free
 * for a task's machine-readable result (the one-line JSON summary that Airflow reads).
 *
 * @module
 */
import type { LogLevel } from "./config.ts";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** Extra context attached to a log line. */
export interface LogFields {
  /** Numbers worth keeping: rows loaded, files read, milliseconds... */
  counts?: Record<string, number>;
  /** The error that caused this line; its message, name, cause chain and stack are logged. */
  error?: unknown;
  /** Anything else, serialised as JSON. */
  [key: string]: unknown;
}

/** Where and how log lines are written. */
export interface LogSink {
  level: LogLevel;
  format: "json" | "text";
  write(line: string): void;
}

const encoder = new TextEncoder();

function defaultSink(): LogSink {
  const stdoutIsTty = Deno.stdout.isTerminal();
  return {
    level: "INFO",
    format: stdoutIsTty ? "text" : "json",
    write: (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")),
  };
}

let sink: LogSink = defaultSink();

/**
 * Configure logging once per process (tasks do it from the config). `format: "auto"` chooses JSON unless
 * stdout is a terminal.
 */
export function configureLogging(
  opts: { level: LogLevel; format: "auto" | "json" | "text"; write?: (l: string) => void },
) {
  const base = defaultSink();
  sink = {
    level: opts.level,
    format: opts.format === "auto" ? base.format : opts.format,
    write: opts.write ?? base.write,
  };
}

/** Serialise an error with its cause chain; never throws. */
export function describeError(e: unknown): Record<string, unknown> {
  if (e instanceof Error) {
    const out: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack };
    if (e.cause !== undefined) out.cause = describeError(e.cause);
    return out;
  }
  return { message: String(e) };
}

/** A logger bound to a step (and optionally a batch). */
export class Logger {
  constructor(readonly step: string, readonly batch?: string | number) {}

  /** A logger for the same step, bound to a batch id. */
  withBatch(batch: string | number): Logger {
    return new Logger(this.step, batch);
  }

  debug(msg: string, fields?: LogFields) {
    this.#emit("DEBUG", msg, fields);
  }
  info(msg: string, fields?: LogFields) {
    this.#emit("INFO", msg, fields);
  }
  warn(msg: string, fields?: LogFields) {
    this.#emit("WARN", msg, fields);
  }
  error(msg: string, fields?: LogFields) {
    this.#emit("ERROR", msg, fields);
  }

  #emit(level: LogLevel, msg: string, fields: LogFields = {}) {
    if (ORDER[level] < ORDER[sink.level]) return;
    const { error, counts, ...rest } = fields;
    const record: Record<string, unknown> = { ts: new Date().toISOString(), level, step: this.step };
    if (this.batch !== undefined) record.batch = this.batch;
    record.msg = msg;
    if (counts !== undefined) record.counts = counts;
    Object.assign(record, rest);
    if (error !== undefined) record.error = describeError(error);
    sink.write(sink.format === "json" ? JSON.stringify(record) : formatText(record));
  }
}

function formatText(r: Record<string, unknown>): string {
  const { ts, level, step, batch, msg, counts, error, ...rest } = r;
  let line = `${String(ts).slice(11, 23)} ${String(level).padEnd(5)} [${step}${
    batch !== undefined ? ` #${batch}` : ""
  }] ${msg}`;
  if (counts) {
    line += " " + Object.entries(counts as Record<string, number>).map(([k, v]) => `${k}=${v}`).join(" ");
  }
  for (const [k, v] of Object.entries(rest)) line += ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`;
  if (error) {
    const e = error as { message?: string; stack?: string };
    line += `\n  ${e.stack ?? e.message}`;
  }
  return line;
}

/** A logger for a step name (a task, a service, a module). */
export function logger(step: string): Logger {
  return new Logger(step);
}
