/**
 * The one place that reads the environment.
 *
 * Every setting of socialpulse comes from an environment variable (a `.env` file at the project root is read
 * first; real environment variables win). The variables are parsed once with zod; a missing or malformed value
 * fails at start with a {@link ConfigError} whose message names the variable, the bad value and what is expected.
 * The native dev stack (`dev/`) and the Docker stack (`docker/compose.yml`) use the same variable names.
 *
 * @module
 */
import { z } from "zod";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the project root (the folder holding deno.json). */
export const PROJECT_ROOT: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** A configuration value is missing or malformed. The message is meant for the user, verbatim. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}, { message: "a URL like http://localhost:9000" });

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) =>
  v === "true" || v === "1" || v === "yes"
);
/** S3 bucket names: 3-63 chars of lower-case letters, digits, dots and hyphens. */
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  message: "an S3 bucket name (3-63 lower-case letters, digits, '.' or '-')",
});
const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, { message: "a lower-case SQL identifier" });
const emailList = z.string().transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s !== "")).pipe(
  z.array(z.email({ message: "a comma-separated list of e-mail addresses" })),
);

/**
 * The schema of every variable, with its default. Defaults fit the native dev stack (`deno task stack:up`),
 * so a fresh clone runs without a `.env`. `docker/compose.yml` sets the production values.
 */
const schema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default("INFO"),
  LOG_FORMAT: z.enum(["auto", "json", "text"]).default("auto"),

  /**
   * Read by Docker Compose only, never by the app: the profiles of docker/compose.yml to start (which S3 server:
   * `minio` or `versitygw`). Listed here so that `.env` has one list of names (see docker/README.md).
   */
  COMPOSE_PROFILES: z.string().optional(),

  DEV_DIR: z.string().min(1).default(".dev"),
  DEV_TOOLS_DIR: z.string().min(1).optional(),

  S3_ENDPOINT: httpUrl.default("http://localhost:9000"),
  S3_ACCESS_KEY: z.string().min(3).default("socialpulse"),
  S3_SECRET_KEY: z.string().min(8).default("socialpulse-secret"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: bucket.default("socialpulse"),

  POSTGRES_HOST: z.string().min(1).default("localhost"),
  POSTGRES_PORT: port.default(5432),
  POSTGRES_DB: identifier.default("socialpulse"),
  POSTGRES_USER: z.string().min(1).default("socialpulse"),
  POSTGRES_PASSWORD: z.string().default("socialpulse"),
  POSTGRES_POOL_MAX: positiveInt.max(100).default(4),
  POSTGRES_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(600_000),
  /** Passwords of the least-privilege roles (src/pipeline/migrations/20261130_0003_roles.sql). */
  POSTGRES_LOADER_PASSWORD: z.string().min(1).default("socialpulse-loader"),
  POSTGRES_MODELLER_PASSWORD: z.string().min(1).default("socialpulse-modeller"),
  POSTGRES_READER_PASSWORD: z.string().min(1).default("socialpulse-reader"),

  CLICKHOUSE_URL: z.string().refine((v) => /^(https?:\/\/[^/\s]+\/?|chdb:\/\/\S+)$/.test(v), {
    message: "http(s)://host:port for a ClickHouse server, or chdb://<directory> for the embedded engine",
  }).default("chdb://.dev/data/clickhouse"),
  CLICKHOUSE_USER: z.string().default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_DATABASE: identifier.default("socialpulse"),
  /** Password of the read-only ClickHouse user `socialpulse_reader` (a ClickHouse server only; chDB has no users). */
  CLICKHOUSE_READER_PASSWORD: z.string().default("socialpulse-reader"),
  /** How ClickHouse reaches PostgreSQL for `postgresql()` table-function reads (host:port as seen from ClickHouse). */
  CLICKHOUSE_PG_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, { message: "host:port" }).optional(),

  NEO4J_URL: z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^/\s]+$/, {
    message: "a Bolt URL like bolt://localhost:7687",
  }).default("bolt://localhost:7687"),
  NEO4J_USER: z.string().default(""),
  NEO4J_PASSWORD: z.string().default(""),

  PIPELINE_FUTURE_TOLERANCE_SECONDS: z.coerce.number().int().min(0).default(300),
  PIPELINE_MAX_LINE_BYTES: positiveInt.default(1_048_576),
  PIPELINE_MAX_FILES_PER_BATCH: positiveInt.default(240),
  PIPELINE_LIST_LOOKBACK_HOURS: z.coerce.number().int().min(0).default(48),
  /** How late an event may arrive after its day (hours): a mart day is final once its end is this far behind. */
  PIPELINE_LATE_WINDOW_HOURS: z.coerce.number().int().min(0).max(24 * 30).default(3),
  /** Airflow (dags/): how often the pipeline DAG runs, a cron expression or a duration like 90s, 5m, 1h. */
  PIPELINE_SCHEDULE: z.string().regex(/^(@\w+|\S+( \S+){4,5}|\d+[smhd])$/, {
    message: "a cron expression like '* * * * *' or a duration like 90s, 5m, 1h",
  }).default("* * * * *"),
  PIPELINE_MAINTENANCE_SCHEDULE: z.string().regex(/^(@\w+|\S+( \S+){4,5})$/, {
    message: "a cron expression like '30 3 * * *'",
  }).default("30 3 * * *"),
  PIPELINE_RETRIES: z.coerce.number().int().min(0).default(2),
  PIPELINE_RETRY_DELAY_SECONDS: positiveInt.default(10),
  PIPELINE_MAX_RETRY_DELAY_SECONDS: positiveInt.default(120),
  PIPELINE_STAGING_RETENTION_DAYS: positiveInt.default(7),
  PIPELINE_FAULT_POINT: z.string().regex(/^[a-z]+:[a-z-]+:(kill|pause)$/, { message: "<step>:<point>:kill|pause" })
    .optional(),

  /** The model runner's artifacts folder (manifest.json, run results): the default of `models --target-dir`. */
  RUNNER_TARGET_DIR: z.string().min(1).default("target"),
  /** Where `deno task export` writes the marts' files (the default of `export --out`), relative to the project. */
  EXPORT_DIR: z.string().min(1).default("exports"),

  SMTP_HOST: z.string().min(1).default("localhost"),
  SMTP_PORT: port.default(1025),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().default(""),
  SMTP_PASSWORD: z.string().default(""),
  ALERT_EMAIL_FROM: z.email({ message: "an e-mail address" }).default("socialpulse@localhost.localdomain"),
  ALERT_EMAIL_TO: emailList.default(["data-team@localhost.localdomain"]),
  ALERT_ON_SUCCESS: z.enum(["run", "hourly", "daily"]).default("hourly"),
  ALERT_QUARANTINE_RATIO: z.coerce.number().min(0).max(1).default(0.05),
});

/** Environment variable names this module understands (used by the compose drift test and the docs). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

type Raw = z.infer<typeof schema>;

/** The warehouse's least-privilege roles: what each may do is in the roles migration. */
export const POSTGRES_ROLES = ["loader", "modeller", "reader"] as const;
export type PostgresRole = typeof POSTGRES_ROLES[number];

/** ClickHouse target: a server over HTTP, or the embedded engine (chDB) on a data directory. */
export type ClickHouseTarget =
  | { kind: "http"; url: string }
  | { kind: "chdb"; path: string };

/** The parsed, typed configuration. */
export interface Config {
  log: { level: LogLevel; format: "auto" | "json" | "text" };
  /** Absolute path of the native dev stack's folder (data, logs, pid files). */
  devDir: string;
  /** Where the native stack keeps what it builds or installs (shared by every clone on the machine). */
  devToolsDir: string;
  s3: { endpoint: URL; accessKey: string; secretKey: string; region: string; bucket: string };
  postgres: {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
    poolMax: number;
    statementTimeoutMs: number;
    /**
     * Log-ins of the least-privilege roles: the loader writes etl and landing only; the modeller reads landing and
     * owns staging, core, graph and runner; the reader reads core and graph. `user`/`password` above is the owner,
     * which applies migrations.
     */
    roles: Record<PostgresRole, { user: string; password: string }>;
  };
  clickhouse: {
    target: ClickHouseTarget;
    user: string;
    password: string;
    database: string;
    /** host:port of PostgreSQL as ClickHouse sees it. */
    pgAddress: string;
    /** The read-only user (dashboard, exports) of a ClickHouse server. */
    reader: { user: string; password: string };
  };
  neo4j: { url: string; user: string; password: string };
  runner: {
    /** Absolute path of the runner's artifacts folder. */
    targetDir: string;
  };
  /** Absolute path of the folder `deno task export` writes into. */
  exportDir: string;
  pipeline: {
    /** How far after "now" an event's occurred_at may lie before it is rejected (clock skew). */
    futureToleranceMs: number;
    /** Lines longer than this are quarantined as line_too_long without parsing. */
    maxLineBytes: number;
    /** How many raw files one extract run claims into a batch at most. */
    maxFilesPerBatch: number;
    /**
     * extract lists raw files from this many hours before the newest claimed file's minute onwards (0: always the
     * whole of events/), so that a long-lived bucket is not listed in full every minute.
     */
    listLookbackHours: number;
    /**
     * How many hours after its day ends a late event may still arrive: the marts call a day final (`is_final`) once
     * the newest loaded action is this far past the day's end (the runner's default of `--vars late_window_hours`).
     */
    lateWindowHours: number;
    /** Tests only: a fault point of a step at which to kill or pause the process (src/pipeline/faults.ts). */
    faultPoint?: string;
  };
  smtp: {
    host: string;
    port: number;
    secure: boolean;
    user: string;
    password: string;
    from: string;
    to: string[];
  };
  /** Airflow and the alerts (dags/, src/alerts/). */
  orchestration: {
    schedule: string;
    maintenanceSchedule: string;
    retries: number;
    retryDelaySeconds: number;
    maxRetryDelaySeconds: number;
    /** Staging objects of batches loaded longer ago than this are deleted by the maintenance DAG. */
    stagingRetentionDays: number;
    /** How often a success digest is mailed: after every run, or once per hour or day. */
    alertOnSuccess: "run" | "hourly" | "daily";
    /** A batch that quarantines more than this share of its lines sends a quality warning. */
    quarantineRatio: number;
  };
}

function projectPath(p: string): string {
  return isAbsolute(p) ? p : resolve(PROJECT_ROOT, p);
}

/**
 * Parse a `.env` file: `KEY=value` lines, `#` comments, optional `export `, single or double quotes.
 * Returns the pairs; it never touches the process environment.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError(`.env line ${i + 1} is not KEY=value: '${rawLine}'`);
    let value = m[2] ?? "";
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? "";
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]!] = value;
  }
  return out;
}

/**
 * Build the configuration from an environment map. Empty strings count as unset, so `FOO=` in `.env` means
 * "use the default". Throws {@link ConfigError} naming the first bad variables.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const home = env.HOME ?? "/root";
  const input: Record<string, string> = {};
  for (const key of CONFIG_VARIABLES) {
    const v = env[key];
    if (v !== undefined && v !== "") input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "?");
      return `${key}=${JSON.stringify(input[key] ?? "")} is invalid: expected ${issue.message}`;
    });
    throw new ConfigError(`configuration error: ${problems.join("; ")}`);
  }
  return fromRaw(parsed.data, home);
}

function fromRaw(r: Raw, home: string): Config {
  const target: ClickHouseTarget = r.CLICKHOUSE_URL.startsWith("chdb://")
    ? { kind: "chdb", path: projectPath(r.CLICKHOUSE_URL.slice("chdb://".length)) }
    : { kind: "http", url: r.CLICKHOUSE_URL };
  return {
    log: { level: r.LOG_LEVEL, format: r.LOG_FORMAT },
    devDir: projectPath(r.DEV_DIR),
    devToolsDir: projectPath(r.DEV_TOOLS_DIR ?? `${home}/.cache/socialpulse`),
    s3: {
      endpoint: new URL(r.S3_ENDPOINT),
      accessKey: r.S3_ACCESS_KEY,
      secretKey: r.S3_SECRET_KEY,
      region: r.S3_REGION,
      bucket: r.S3_BUCKET,
    },
    postgres: {
      host: r.POSTGRES_HOST,
      port: r.POSTGRES_PORT,
      database: r.POSTGRES_DB,
      user: r.POSTGRES_USER,
      password: r.POSTGRES_PASSWORD,
      poolMax: r.POSTGRES_POOL_MAX,
      statementTimeoutMs: r.POSTGRES_STATEMENT_TIMEOUT_MS,
      roles: {
        loader: { user: "socialpulse_loader", password: r.POSTGRES_LOADER_PASSWORD },
        modeller: { user: "socialpulse_modeller", password: r.POSTGRES_MODELLER_PASSWORD },
        reader: { user: "socialpulse_reader", password: r.POSTGRES_READER_PASSWORD },
      },
    },
    clickhouse: {
      target,
      user: r.CLICKHOUSE_USER,
      password: r.CLICKHOUSE_PASSWORD,
      database: r.CLICKHOUSE_DATABASE,
      pgAddress: r.CLICKHOUSE_PG_ADDRESS ?? `${r.POSTGRES_HOST}:${r.POSTGRES_PORT}`,
      reader: { user: "socialpulse_reader", password: r.CLICKHOUSE_READER_PASSWORD },
    },
    neo4j: { url: r.NEO4J_URL, user: r.NEO4J_USER, password: r.NEO4J_PASSWORD },
    runner: { targetDir: projectPath(r.RUNNER_TARGET_DIR) },
    exportDir: projectPath(r.EXPORT_DIR),
    pipeline: {
      futureToleranceMs: r.PIPELINE_FUTURE_TOLERANCE_SECONDS * 1000,
      maxLineBytes: r.PIPELINE_MAX_LINE_BYTES,
      maxFilesPerBatch: r.PIPELINE_MAX_FILES_PER_BATCH,
      listLookbackHours: r.PIPELINE_LIST_LOOKBACK_HOURS,
      lateWindowHours: r.PIPELINE_LATE_WINDOW_HOURS,
      ...(r.PIPELINE_FAULT_POINT ? { faultPoint: r.PIPELINE_FAULT_POINT } : {}),
    },
    smtp: {
      host: r.SMTP_HOST,
      port: r.SMTP_PORT,
      secure: r.SMTP_SECURE,
      user: r.SMTP_USER,
      password: r.SMTP_PASSWORD,
      from: r.ALERT_EMAIL_FROM,
      to: r.ALERT_EMAIL_TO,
    },
    orchestration: {
      schedule: r.PIPELINE_SCHEDULE,
      maintenanceSchedule: r.PIPELINE_MAINTENANCE_SCHEDULE,
      retries: r.PIPELINE_RETRIES,
      retryDelaySeconds: r.PIPELINE_RETRY_DELAY_SECONDS,
      maxRetryDelaySeconds: r.PIPELINE_MAX_RETRY_DELAY_SECONDS,
      stagingRetentionDays: r.PIPELINE_STAGING_RETENTION_DAYS,
      alertOnSuccess: r.ALERT_ON_SUCCESS,
      quarantineRatio: r.ALERT_QUARANTINE_RATIO,
    },
  };
}

/** The warehouse settings with the log-in of one least-privilege role instead of the owner. */
export function postgresAs(cfg: Config["postgres"], role: PostgresRole): Config["postgres"] {
  return { ...cfg, user: cfg.roles[role].user, password: cfg.roles[role].password };
}

/** The process environment merged over the project's `.env` file (if any). */
export function processEnv(): Record<string, string> {
  let fileVars: Record<string, string> = {};
  try {
    fileVars = parseDotenv(Deno.readTextFileSync(resolve(PROJECT_ROOT, ".env")));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return { ...fileVars, ...Deno.env.toObject() };
}

let cached: Config | undefined;

/** The configuration of this process, parsed on first use from `.env` and the environment. */
export function config(): Config {
  cached ??= parseConfig(processEnv());
  return cached;
}
