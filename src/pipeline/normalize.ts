/**
 * Normalisation of a valid event (the clean step), as a pure function: what is recoverable is made canonical so
 * that equal things compare equal downstream.
 *
 * - every string: trimmed, made well-formed (a lone UTF-16 surrogate, e.g. an emoji cut in half, becomes U+FFFD:
 *   PostgreSQL cannot store it) and Unicode NFC-normalised;
 * - e-mail addresses and handles (`email`, `username`, `handle`): lower-cased;
 * - timestamps (`occurred_at` and every `*_at` field): canonical UTC ISO-8601 with milliseconds;
 * - money (`amount`, `*_amount`): rounded to two decimals.
 *
 * @module
 */

const LOWERCASE_KEYS: ReadonlySet<string> = new Set(["email", "username", "handle"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Printable ASCII with no space at either end: already normal (the common case, checked first for speed). */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function normalizeString(key: string, s: string): string {
  const special = LOWERCASE_KEYS.has(key) || key.endsWith("_at");
  if (!special && (s === "" || PLAIN.test(s))) return s;
  let out = s.trim();
  if (!out.isWellFormed()) out = out.toWellFormed();
  out = out.normalize("NFC");
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
  if (v !== null && typeof v === "object") normalizeInPlace(key, v as Record<string, unknown>);
  return v;
}

/** Objects and arrays are normalised in place: the clean step owns the freshly parsed event (no copies). */
function normalizeInPlace(key: string, o: Record<string, unknown> | unknown[]) {
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) o[i] = normalizeValue(key, o[i]);
    return;
  }
  for (const k in o) o[k] = normalizeValue(k, o[k]);
}

/** Normalise an event (or any JSON value) in place, and return it. */
export function normalizeEvent<T>(event: T): T {
  return normalizeValue("", event) as T;
}
