/**
 * Fault points: named places inside the steps where a test can kill the process or pause it (to stop a service
 * under it) at a known moment, instead of on a timer. Set by `PIPELINE_FAULT_POINT=<point>:<action>`, for example
 * `clean:before-commit:kill`; unset in normal runs, where each point costs one optional call.
 *
 * - `kill`: the process sends itself SIGKILL (exit code 137), as the OOM killer or `docker kill` would.
 * - `pause`: the process logs `fault point <point> reached` at WARN and waits for a line on stdin, then goes on.
 *
 * Each fires once per process, the first time it is reached.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { UsageError } from "../task.ts";

/** Every fault point, in the order a batch passes them. */
export const FAULT_POINTS = [
  /** extract: the batch and its files are claimed in etl.files; nothing is staged yet. */
  "extract:after-claim",
  /** validate: the first staged file was read and checked; nothing is written yet. */
  "validate:after-first-file",
  /** validate: the verdicts and quarantine objects are written; the database side is not committed. */
  "validate:before-commit",
  /** clean: the first staged file was read and encoded. */
  "clean:after-first-file",
  /** clean: every clean part is written; the database side is not committed. */
  "clean:before-commit",
  /** load: inside the load transaction, before COPY reads the clean parts. */
  "load:before-copy",
  /** load: the rows are copied into landing.events; the transaction is not committed. */
  "load:before-commit",
] as const;

/** A named place inside a step. */
export type FaultPoint = typeof FAULT_POINTS[number];

const ACTIONS = ["kill", "pause"] as const;

/** Parse `<point>:<action>`; throws a {@link UsageError} naming the known points. */
export function parseFaultSpec(spec: string): { point: FaultPoint; action: typeof ACTIONS[number] } {
  const cut = spec.lastIndexOf(":");
  const point = spec.slice(0, cut) as FaultPoint;
  const action = spec.slice(cut + 1) as typeof ACTIONS[number];
  if (cut < 0 || !FAULT_POINTS.includes(point) || !ACTIONS.includes(action)) {
    throw new UsageError(
      `PIPELINE_FAULT_POINT="${spec}" is invalid: expected <point>:kill or <point>:pause, ` +
        `with a point among ${FAULT_POINTS.join(", ")}`,
    );
  }
  return { point, action };
}

/** The fault hook for a spec (undefined when there is none). */
export function faultHook(spec: string | undefined, log: Logger): ((point: FaultPoint) => Promise<void>) | undefined {
  if (spec === undefined || spec === "") return undefined;
  const target = parseFaultSpec(spec);
  let fired = false;
  return async (point) => {
    if (fired || point !== target.point) return;
    fired = true;
    if (target.action === "kill") {
      log.warn(`fault point ${point} reached: killing this process (SIGKILL)`);
      Deno.kill(Deno.pid, "SIGKILL");
      await new Promise(() => {});
    }
    log.warn(`fault point ${point} reached: paused until a line arrives on stdin`);
    await readLine();
    log.warn(`fault point ${point}: resumed`);
  };
}

async function readLine(): Promise<void> {
  const buf = new Uint8Array(1);
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null || buf[0] === 0x0a) return;
  }
}
