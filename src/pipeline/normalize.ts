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
import type { z } from "zod";
import { eventSchema } from "../events/mod.ts";

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

/** A compiled normaliser: rewrites the value in place where needed and returns it. */
type Plan = (key: string, v: unknown) => unknown;

const identity: Plan = (_k, v) => v;
const generic: Plan = normalizeValue;
const isMoney = (key: string) => key === "amount" || key.endsWith("_amount");

interface SchemaNode {
  _zod: {
    def: {
      type: string;
      format?: string;
      shape?: Record<string, SchemaNode>;
      innerType?: SchemaNode;
      element?: SchemaNode;
      entries?: Record<string, string | number>;
      values?: unknown[];
    };
  };
}

/**
 * A normaliser compiled from an event's zod schema that gives exactly {@link normalizeEvent}'s result on a value the
 * schema accepts, but visits only the fields that can change: free text, e-mails, handles, timestamps and money.
 * Ids (uuid), dates, enums and literals are left alone because normalizeEvent leaves such values alone too (they are
 * printable ASCII with no space at the ends; enums are checked when compiling). A value of an unexpected type is
 * handed to the generic walk, so a non-conforming value is still normalised correctly, only slower.
 */
export function compileNormalizer(schema: unknown): <T>(event: T) => T {
  const plan = compilePlan("", schema as SchemaNode);
  return <T>(event: T) => plan("", event) as T;
}

function compilePlan(key: string, node: SchemaNode): Plan {
  const def = node._zod.def;
  const special = LOWERCASE_KEYS.has(key) || key.endsWith("_at");
  switch (def.type) {
    case "boolean":
    case "null":
      return identity;
    case "literal":
      return (def.values ?? []).every((x) => typeof x !== "string" || (!special && PLAIN.test(x))) ? identity : generic;
    case "enum":
      return Object.values(def.entries ?? {}).every((x) => typeof x !== "string" || (!special && PLAIN.test(x)))
        ? identity
        : generic;
    case "number":
      return isMoney(key) ? generic : identity;
    case "string":
      // uuid and date values match patterns of plain ASCII characters only.
      if ((def.format === "uuid" || def.format === "date") && !special) return identity;
      // A schema datetime (a real calendar time, UTC, "Z") with exactly three decimals is already what
      // toISOString() would write; the other forms take the generic path.
      if (def.format === "datetime" && key.endsWith("_at")) {
        return (k, v) => (typeof v === "string" && v.length === 24 && v.charCodeAt(19) === 46 ? v : generic(k, v));
      }
      return generic;
    case "nullable": {
      const inner = compilePlan(key, def.innerType!);
      return inner === identity ? identity : (k, v) => (v === null ? v : inner(k, v));
    }
    case "array": {
      const element = compilePlan(key, def.element!);
      if (element === identity) return identity;
      return (k, v) => {
        if (!Array.isArray(v)) return generic(k, v);
        for (let i = 0; i < v.length; i++) v[i] = element(k, v[i]);
        return v;
      };
    }
    case "object": {
      const fields = Object.entries(def.shape ?? {})
        .map(([k, n]) => [k, compilePlan(k, n)] as const)
        .filter(([, p]) => p !== identity);
      return (k, v) => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return generic(k, v);
        const o = v as Record<string, unknown>;
        for (let i = 0; i < fields.length; i++) {
          const [fk, p] = fields[i]!;
          if (fk in o) o[fk] = p(fk, o[fk]);
        }
        return o;
      };
    }
    default:
      return generic;
  }
}

const NORMALIZERS: ReadonlyMap<string, <T>(event: T) => T> = new Map(
  eventSchema.options.map((o) => [String((o as z.ZodObject).shape.event_type.value), compileNormalizer(o)]),
);

/** {@link normalizeEvent} for an event that passed validation, through its type's compiled normaliser. */
export function normalizeValidEvent<T extends { event_type: string }>(event: T): T {
  const n = NORMALIZERS.get(event.event_type);
  return n ? n(event) : normalizeEvent(event);
}
