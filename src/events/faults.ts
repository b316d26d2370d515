/**
 * The kinds of defects the generator injects into its minute drops (`--faults`), shared by the generator, its
 * ledger and the pipeline's tests.
 *
 * Seven kinds make a line fail validation (`malformed_json` ... `oversized_string`); `future_timestamp` fails
 * {@link checkOccurredAt} rather than the static schema. `duplicate` lines are exact byte copies of an earlier valid
 * line (same `event_id`), in the same or a later file. `late` events are valid events written minutes or hours
 * after they occurred.
 *
 * @module
 */

/** Every fault kind the generator can inject, in a stable order. */
export const FAULT_KINDS = [
  "malformed_json",
  "missing_field",
  "wrong_type",
  "out_of_range",
  "future_timestamp",
  "unknown_event_type",
  "oversized_string",
  "duplicate",
  "late",
] as const;

/** One fault kind. */
export type FaultKind = typeof FAULT_KINDS[number];

/** Fault kinds whose lines must be rejected by validation (schema or {@link checkOccurredAt}). */
export const INVALID_FAULT_KINDS = [
  "malformed_json",
  "missing_field",
  "wrong_type",
  "out_of_range",
  "future_timestamp",
  "unknown_event_type",
  "oversized_string",
] as const satisfies readonly FaultKind[];

/** A fault kind whose line is invalid. */
export type InvalidFaultKind = typeof INVALID_FAULT_KINDS[number];
