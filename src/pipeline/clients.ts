/**
 * The clients of the pipeline tasks, opened once at the task boundary (`tasks/*.ts`) and injected into the steps:
 * a PostgreSQL pool, the object store, the logger and the fault hook. Pending migrations are applied first, as the
 * warehouse owner; the steps then connect as their least-privilege role when the task names one (the loader writes
 * `etl` and `landing` only: src/pipeline/migrations/20261130_0003_roles.sql). A failure because PostgreSQL or the S3
 * server does not answer is reported in one line naming the service.
 *
 * @module
 */
import { createPostgres, type Sql } from "../clients/postgres.ts";
import { type Config, postgresAs, type PostgresRole } from "../config.ts";
import { objectStore } from "../clients/s3.ts";
import type { TaskContext } from "../task.ts";
import type { StepDeps } from "./deps.ts";
import { explainFailure } from "./failures.ts";
import { faultHook } from "./faults.ts";
import { migrate } from "./migrate.ts";

/**
 * Open the clients, migrate (as the owner), run `fn` with them (as `opts.role` when given, else as the owner), close
 * them.
 */
export async function withPipelineClients<T>(
  ctx: Pick<TaskContext, "config" | "log">,
  fn: (deps: StepDeps) => Promise<T>,
  opts: { task: string; poolMax?: number; role?: PostgresRole },
): Promise<T> {
  const fault = faultHook(ctx.config.pipeline.faultPoint, ctx.log);
  const owner = { ...ctx.config.postgres, poolMax: Math.max(ctx.config.postgres.poolMax, opts.poolMax ?? 0) };
  const postgres = opts.role ? postgresAs(owner, opts.role) : owner;
  const deps: StepDeps = {
    sql: createPostgres(owner, { applicationName: `socialpulse-${opts.task}` }),
    store: objectStore(ctx.config.s3),
    log: ctx.log,
    ...(fault ? { fault } : {}),
  };
  const ignoreDefect = (ev: Event) => {
    const error = (ev as ErrorEvent).error ?? (ev as PromiseRejectionEvent).reason;
    if (!isPostgresSocketDefect(error)) return;
    ev.preventDefault();
    // The query that write belonged to would never settle: end the pool at once, which fails every query in flight
    // (CONNECTION_DESTROYED), and give the steps a new pool for what follows (recording the failure on the batch).
    ctx.log.debug("postgres.js wrote to a closed connection (porsager/postgres#1208); the pool is replaced", { error });
    const old = deps.sql;
    deps.sql = createPostgres(postgres, { applicationName: `socialpulse-${opts.task}` });
    void old.end({ timeout: 0 }).catch(() => {});
  };
  globalThis.addEventListener("error", ignoreDefect);
  globalThis.addEventListener("unhandledrejection", ignoreDefect);
  try {
    await migrate(deps.sql);
    if (postgres !== owner) {
      const migrated = deps.sql;
      deps.sql = createPostgres(postgres, { applicationName: `socialpulse-${opts.task}` });
      await migrated.end({ timeout: 5 });
    }
    return await fn(deps);
  } catch (e) {
    throw await explainFailure(deps, opts.task, null, null, e);
  } finally {
    await deps.sql.end({ timeout: 5 });
    globalThis.removeEventListener("error", ignoreDefect);
    globalThis.removeEventListener("unhandledrejection", ignoreDefect);
  }
}

/**
 * A pool that works as `role`, opened after the pending migrations were applied as the warehouse owner (whose pool is
 * closed first): for the tasks outside the ingestion steps that write or read `etl` (notify and cleanup as the loader).
 */
export async function migratedPoolAs(
  cfg: Config["postgres"],
  role: PostgresRole,
  opts: { applicationName: string },
): Promise<Sql> {
  const owner = createPostgres({ ...cfg, poolMax: 1 }, opts);
  try {
    await migrate(owner);
  } finally {
    await owner.end({ timeout: 5 });
  }
  return createPostgres(postgresAs(cfg, role), opts);
}

/**
 * postgres.js 3.4.9 throws from a timer callback, out of reach of any await, when it writes to a connection whose
 * socket has closed (porsager/postgres#1154, #1208), as happens to queries sent while PostgreSQL goes away. Left alone,
 * that kills the process with a TypeError and no summary; dropped, it leaves its query pending for ever.
 */
function isPostgresSocketDefect(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fromDriver = (error.stack ?? "").includes("postgres/src/connection.js");
  return fromDriver && (error instanceof TypeError || error.name === "BrokenPipe" || error.name === "ConnectionReset");
}
