/**
 * Every piece of SQL quoting the runner does, per engine, in one place: identifiers, string literals, and the typed
 * literals that `{{ var() }}` renders. Nothing else in the runner builds a quoted string by hand.
 *
 * PostgreSQL string literals are standard (`'it''s'`), or `E'...'` when the text holds a backslash, so that the
 * value means the same whatever `standard_conforming_strings` says. ClickHouse string literals escape `\` and `'`
 * with a backslash. Text with a NUL character is refused (PostgreSQL text cannot hold it).
 *
 * @module
 */
import type { Engine } from "./types.ts";

const PLAIN_IDENT = /^[a-z_][a-z0-9_]*$/;

/** A PostgreSQL identifier, quoted only when it must be. */
export function quoteIdent(name: string): string {
  return PLAIN_IDENT.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A ClickHouse identifier, quoted only when it must be. */
export function chIdent(name: string): string {
  return PLAIN_IDENT.test(name) ? name : `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;
}

/** An identifier quoted for `engine`. */
export function ident(engine: Engine, name: string): string {
  return engine === "postgres" ? quoteIdent(name) : chIdent(name);
}

function refuseNul(value: string): void {
  if (value.includes("\0")) throw new QuoteError("a SQL string cannot hold a NUL character");
}

/** A PostgreSQL string literal. */
export function pgLiteral(value: string): string {
  refuseNul(value);
  const body = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${body.replaceAll("\\", "\\\\")}'` : `'${body}'`;
}

/** A ClickHouse string literal. */
export function chLiteral(value: string): string {
  refuseNul(value);
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A string literal for `engine`. */
export function literal(engine: Engine, value: string): string {
  return engine === "postgres" ? pgLiteral(value) : chLiteral(value);
}

/** A value cannot be quoted (a NUL character) or does not have the type asked for. */
export class QuoteError extends Error {
  override name = "QuoteError";
}

/** The types a `{{ var() }}` may declare. */
export const VAR_TYPES = ["date", "timestamp", "number", "string"] as const;
/** One var type. */
export type VarType = typeof VAR_TYPES[number];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** A timestamp in UTC as `YYYY-MM-DDTHH:MM:SS.mmmZ`, or null when `text` is none (a zone-less one is UTC). */
export function parseTimestamp(text: string): string | null {
  if (isCalendarDate(text)) return `${text}T00:00:00.000Z`;
  if (!TIMESTAMP.test(text) || !isCalendarDate(text.slice(0, 10))) return null;
  const zoned = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(text.slice(10)) ? text : `${text}Z`;
  const ms = Date.parse(zoned.replace(" ", "T"));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A timestamp literal (UTC, microsecond precision on ClickHouse). `iso` must already be a valid instant. */
export function timestampLiteral(engine: Engine, iso: string): string {
  return engine === "postgres"
    ? `${pgLiteral(iso)}::timestamptz`
    : `parseDateTime64BestEffort(${chLiteral(iso)}, 6, 'UTC')`;
}

/**
 * The literal of a var's value for its declared type, or a {@link QuoteError} saying what the value should look like:
 * `date` (`2026-11-01`), `timestamp` (ISO 8601; no zone means UTC), `number` (decimal, optional sign and exponent),
 * `string` (any text without NUL, quoted).
 */
export function typedLiteral(engine: Engine, type: VarType, value: string): string {
  switch (type) {
    case "date":
      if (!isCalendarDate(value)) throw new QuoteError(`expected a date like 2026-11-01, got ${JSON.stringify(value)}`);
      return engine === "postgres" ? `${pgLiteral(value)}::date` : `toDate(${chLiteral(value)})`;
    case "timestamp": {
      const iso = parseTimestamp(value);
      if (iso === null) {
        throw new QuoteError(`expected a timestamp like 2026-11-01T12:00:00Z, got ${JSON.stringify(value)}`);
      }
      return timestampLiteral(engine, iso);
    }
    case "number":
      if (!NUMBER.test(value)) throw new QuoteError(`expected a number like 42 or -1.5, got ${JSON.stringify(value)}`);
      // Parenthesised so that a minus sign never joins a preceding one into a `--` comment.
      return value.startsWith("-") ? `(${value})` : value;
    case "string":
      return literal(engine, value);
  }
}
