/**
 * The small shared context of the pipeline steps: what every step receives (its clients, injected by the task
 * boundary) and what it returns.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { ObjectStore } from "../clients/s3.ts";
import type { Logger } from "../log.ts";
import type { FaultPoint } from "./faults.ts";

/** What every step receives. */
export interface StepDeps {
  /**
   * The PostgreSQL pool. The task boundary may swap it for a new pool when the driver lost a connection in a way it
   * cannot recover from (see `src/pipeline/clients.ts`), so code that outlives one batch reads `deps.sql` again.
   */
  sql: Sql;
  store: ObjectStore;
  log: Logger;
  /**
   * Called at each named fault point of a step (see {@link FaultPoint}); absent in normal runs. Tests set
   * `PIPELINE_FAULT_POINT` to kill or pause the process at one of them.
   */
  fault?: (point: FaultPoint) => Promise<void>;
}

/** What every step returns: the batches it processed and its counts. */
export interface StepResult extends Record<string, unknown> {
  batches: number[];
  counts: Record<string, number>;
}

/** The status a batch has after each step. */
export type BatchStatus = "claimed" | "extracted" | "validated" | "cleaned" | "loaded";
/** The four steps that move a batch forward. */
export type StepName = "extract" | "validate" | "clean" | "load";
/** The steps that take a batch from the step before (validate, clean, load). */
export type BatchStep = Exclude<StepName, "extract">;

/** The status a batch is in when it waits for a step (its input status). */
export const INPUT_STATUS: Record<StepName, BatchStatus> = {
  extract: "claimed",
  validate: "extracted",
  clean: "validated",
  load: "cleaned",
};
