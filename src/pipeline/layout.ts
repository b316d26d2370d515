/**
 * Where the pipeline's objects live in the bucket. Raw minute drops are `events/date=YYYY-MM-DD/hour=HH/
 * events_YYYY-MM-DDTHH-MM-00Z.jsonl` (written by the generator); the pipeline writes only under `staging/` and
 * `quarantine/`, and never reads `ledger/` or `generator/`.
 *
 * @module
 */

/** Prefix of the raw minute drops. */
export const RAW_PREFIX = "events/";

const RAW_NAME = /events_(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z\.jsonl$/;

/** The minute a raw file is named after, or null when the name does not follow the pattern. */
export function fileMinute(key: string): Date | null {
  const m = RAW_NAME.exec(key);
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * The raw folder of the hour that holds `t` (`events/date=YYYY-MM-DD/hour=HH/`). Raw keys sort by time, so every
 * raw file of that hour or later sorts after this string.
 */
export function rawHourFolder(t: Date): string {
  const iso = t.toISOString();
  return `${RAW_PREFIX}date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}

const pad = (batch: number) => String(batch).padStart(8, "0");

/** The staging area of one batch. */
export function batchPrefix(batch: number): string {
  return `staging/batch=${pad(batch)}/`;
}

/** The staged copy of a raw file. */
export function stagedKey(batch: number, rawKey: string): string {
  return `${batchPrefix(batch)}input/${rawKey}`;
}

/**
 * validate's verdict on a batch: per staged file, the lines it rejected and the rare accepted lines whose event
 * differs from the line's JSON (unknown keys stripped). Every other line of the staged input is a valid event as is,
 * so the events themselves are not written again.
 */
export function verdictsKey(batch: number): string {
  return `${batchPrefix(batch)}valid/verdicts.json`;
}

/** The output parts of a step (`valid`, `clean`) of one batch. */
export function partPrefix(batch: number, step: "valid" | "clean"): string {
  return `${batchPrefix(batch)}${step}/`;
}

export function partKey(batch: number, step: "valid" | "clean", n: number): string {
  return `${partPrefix(batch, step)}part-${String(n).padStart(5, "0")}.tsv`;
}

/** Quarantined lines of one batch, one JSON Lines object per input file. */
export function quarantinePrefix(batch: number): string {
  return `quarantine/batch=${pad(batch)}/`;
}

export function quarantineKey(batch: number, rawKey: string): string {
  return `${quarantinePrefix(batch)}${rawKey}`;
}
