/**
 * The clients of the pipeline tasks, opened once at the task boundary (`tasks/*.ts`) and injected into the steps:
 * a PostgreSQL pool, the object store, the logger and the fault hook. Pending migrations are applied first. A failure
 * because PostgreSQL or the S3 server does not answer is reported in one line naming the service.
 *
 * @module
 */
import { createPostgres } from "../clients/postgres.ts";
import { objectStore } from "../clients/s3.ts";
import type { TaskContext } from "../task.ts";
import type { StepDeps } from "./deps.ts";
import { explainFailure } from "./failures.ts";
import { faultHook } from "./faults.ts";
import { migrate } from "./migrate.ts";

/** Open the clients, migrate, run `fn` with them, close them. */
export async function withPipelineClients<T>(
  ctx: Pick<TaskContext, "config" | "log">,
  fn: (deps: StepDeps) => Promise<T>,
  opts: { task: string; poolMax?: number },
): Promise<T> {
  const fault = faultHook(ctx.config.pipeline.faultPoint, ctx.log);
  const postgres = { ...ctx.config.postgres, poolMax: Math.max(ctx.config.postgres.poolMax, opts.poolMax ?? 0) };
  const deps: StepDeps = {
    sql: createPostgres(postgres, { applicationName: `socialpulse-${opts.task}` }),
    store: objectStore(ctx.config.s3),
    log: ctx.log,
    ...(fault ? { fault } : {}),
  };
  try {
    await migrate(deps.sql);
    return await fn(deps);
  } catch (e) {
    throw await explainFailure(deps, opts.task, null, null, e);
  } finally {
    await deps.sql.end({ timeout: 5 });
  }
}
