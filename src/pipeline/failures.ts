/**
 * What a step does when it fails on a batch: find out whether a service went away (PostgreSQL or the S3 server) and
 * say so in one line naming the service and the batch, then record `failed_step`/`error` on the batch, waiting a
 * while for PostgreSQL to come back when it is the one that went away. The batch's status stays at its last completed
 * step, so the next run retries it.
 *
 * @module
 */
import { TaskFailure } from "../task.ts";
import { markFailed } from "./batch_status.ts";
import type { BatchStatus, StepDeps, StepName } from "./deps.ts";

/** A service the pipeline depends on did not answer while a step ran. */
export class ServiceUnavailableError extends TaskFailure {
  override name = "ServiceUnavailableError";
}

/** How long a failed step keeps trying to record its failure while PostgreSQL does not answer. */
export const RECORD_FAILURE_WAIT_MS = 60_000;

interface Down {
  service: "PostgreSQL" | "S3";
  endpoint: string;
  reason: string;
}

/** The first service (PostgreSQL, then S3) that does not answer now, or null when both do. */
export async function unreachableService(deps: Pick<StepDeps, "sql" | "store">): Promise<Down | null> {
  const pgEndpoint = `${deps.sql.options.host[0]}:${deps.sql.options.port[0]}`;
  const [pg, s3] = await Promise.all([
    deps.sql`select 1`.then(() => null, (e: unknown) => errorText(e)),
    deps.store.client.listBuckets().then(() => null, (e: unknown) => errorText(e)),
  ]);
  if (pg !== null) return { service: "PostgreSQL", endpoint: pgEndpoint, reason: pg };
  if (s3 !== null) return { service: "S3", endpoint: deps.store.endpoint, reason: s3 };
  return null;
}

function errorText(e: unknown): string {
  const err = e as { message?: string; code?: string };
  return (err?.message || err?.code || String(e)).split("\n")[0]!;
}

/**
 * The error to report for a failure: a {@link ServiceUnavailableError} when PostgreSQL or the S3 server does not
 * answer now (the driver's error becomes its cause), else the error itself.
 */
export async function explainFailure(
  deps: Pick<StepDeps, "sql" | "store">,
  step: string,
  batch: number | null,
  status: BatchStatus | null,
  e: unknown,
): Promise<unknown> {
  if (e instanceof TaskFailure) return e;
  const down = await unreachableService(deps).catch(() => null);
  if (down === null) return e;
  const where = batch === null ? "" : ` while processing batch ${batch}`;
  const then = batch === null ? "" : `; the batch stays '${status}' and the next run retries it`;
  return new ServiceUnavailableError(
    `${step}: ${down.service} at ${down.endpoint} is unreachable${where} (${down.reason})${then}`,
    { failed_step: step, service: down.service, endpoint: down.endpoint, batch },
    { cause: e },
  );
}

/**
 * Explain a step's failure on a batch and record it on the batch (see the module doc); returns the error to throw.
 * Never throws itself.
 */
export async function failBatch(
  deps: StepDeps,
  step: StepName,
  batch: number,
  status: BatchStatus,
  e: unknown,
): Promise<unknown> {
  const error = await explainFailure(deps, step, batch, status, e);
  await recordFailure(deps, step, batch, status, error);
  return error;
}

async function recordFailure(deps: StepDeps, step: StepName, batch: number, status: BatchStatus, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  const log = deps.log.withBatch(batch);
  const deadline = Date.now() + RECORD_FAILURE_WAIT_MS;
  let waiting = false;
  while (true) {
    try {
      await markFailed(deps.sql, batch, step, status, message);
      if (waiting) log.info(`PostgreSQL answers again: the failure is recorded on batch ${batch}`);
      return;
    } catch (e) {
      if (Date.now() >= deadline) {
        log.warn(
          `the failure could not be recorded on batch ${batch}: PostgreSQL did not answer for ` +
            `${RECORD_FAILURE_WAIT_MS / 1000} s (${errorText(e)}); the next run retries the batch all the same`,
        );
        return;
      }
      if (!waiting) {
        log.warn(
          `PostgreSQL does not answer: the failure is recorded on batch ${batch} as soon as it does ` +
            `(for up to ${RECORD_FAILURE_WAIT_MS / 1000} s)`,
        );
        waiting = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
