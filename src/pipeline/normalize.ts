/**
 * Normalisation of a valid event (the clean step), as a pure function: what is recoverable is made canonical so
 * that equal things compare equal downstream.
 *
 * - every string: trimmed and Unicode NFC-normalised;
 * - e-mail addresses and handles (`email`, `username`, `handle`): lower-cased;
 * - timestamps (`occurred_at` and every `*_at` field): canonical UTC ISO-8601 with milliseconds;
 * - money (`amount`, `*_amount`): rounded to two decimals.
 *
 * @module
 */

const LOWERCASE_KEYS: ReadonlySet<string> = new Set(["email", "username", "handle"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function normalizeString(key: string, s: string): string {
  let out = s.trim().normalize("NFC");
  if (LOWERCASE_KEYS.has(key)) out = out.toLowerCase();
  else if ((key === "occurred_at" || key.endsWith("_at")) && ISO.test(out)) {
    const t = Date.parse(out);
    if (!Number.isNaN(t)) out = new Date(t).toISOString();
  }
  return out;
}

function normalizeValue(key: string, v: unknown): unknown {
  if (typeof v === "string") return normalizeString(key, v);
  if (typeof v === "number") {
    return key === "amount" || key.endsWith("_amount") ? Math.round(v * 100) / 100 : v;
  }
  if (Array.isArray(v)) return v.map((x) => normalizeValue(key, x));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeValue(k, x);
    return out;
  }
  return v;
}

/** A normalised copy of an event (or of any JSON value). */
export function normalizeEvent<T>(event: T): T {
  return normalizeValue("", event) as T;
}
