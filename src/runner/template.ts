/**
 * `{{ ... }}` placeholders in model SQL: found and replaced by the runner, with no template engine.
 *
 * | placeholder                         | renders as                                                          |
 * | ----------------------------------- | ------------------------------------------------------------------- |
 * | `{{ ref('model') }}`                | the model's relation (a `postgresql(...)` read across engines)      |
 * | `{{ source('name', 'table') }}`     | a declared source table                                             |
 * | `{{ this }}`                        | this model's own relation                                           |
 * | `{{ var('name', 'type') }}`         | a `--vars` value as a typed literal (`var('n', 'number', '1')`)     |
 * | `{{ in_range('column') }}`          | the increment's window on the column, or `true` on a full build     |
 * | `{{ in_range('column', '6 days') }}`| the same, each range widened backwards (what N-day windows read)    |
 * | `{{ surrogate_key('a', 'b') }}`     | a deterministic 64-bit key from the columns (hash; -1 for null)     |
 * | `{{ date_key('column') }}`          | the UTC day of a timestamp as a `yyyymmdd` integer (`dim_date`)     |
 *
 * @module
 */
import { ModelError } from "./header.ts";
import { QuoteError, timestampLiteral, typedLiteral, VAR_TYPES, type VarType } from "./quote.ts";
import type { Engine, Location, Placeholder } from "./types.ts";

const PLACEHOLDER = /\{\{\s*([\s\S]*?)\s*\}\}/g;
const DURATION = /^(\d+)\s*(second|minute|hour|day)s?$/;
const UNIT_MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Milliseconds of a duration like `6 days` (`second`, `minute`, `hour`, `day`, singular or plural). */
export function durationMs(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration like '2 hours'`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
const STRING_ARG = /^'([^']*)'$|^"([^"]*)"$/;

function parseArgs(text: string, at: Location): string[] {
  if (text.trim() === "") return [];
  return text.split(",").map((a) => {
    const m = STRING_ARG.exec(a.trim());
    if (!m) throw new ModelError(at, `placeholder arguments are quoted strings; got ${a.trim()}`);
    return m[1] ?? m[2] ?? "";
  });
}

/** Find every placeholder in `sql` (whose first line is line `firstLine` of `file`). */
export function scanPlaceholders(sql: string, file: string, firstLine: number): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of sql.matchAll(PLACEHOLDER)) {
    const start = m.index;
    const end = start + m[0].length;
    const at = { file, line: firstLine + sql.slice(0, start).split("\n").length - 1 };
    const body = m[1]!.trim();
    if (body === "this") {
      out.push({ fn: "this", at, start, end });
      continue;
    }
    const call = /^([a-z_]+)\s*\(([\s\S]*)\)$/.exec(body);
    if (!call) throw new ModelError(at, `cannot read placeholder {{ ${body} }}`);
    const fn = call[1]!;
    const args = parseArgs(call[2]!, at);
    const arity = (min: number, max: number) => {
      if (args.length < min || args.length > max) {
        throw new ModelError(
          at,
          `${fn}() takes ${min === max ? min : `${min}-${max}`} argument(s), got ${args.length}`,
        );
      }
    };
    switch (fn) {
      case "ref":
        arity(1, 1);
        out.push({ fn, model: args[0]!, at, start, end });
        break;
      case "source":
        arity(2, 2);
        out.push({ fn, source: args[0]!, table: args[1]!, at, start, end });
        break;
      case "var": {
        arity(2, 3);
        const type = args[1]!;
        if (!(VAR_TYPES as readonly string[]).includes(type)) {
          throw new ModelError(
            at,
            `var('${args[0]}') declares type '${type}'; a var's type is one of ${VAR_TYPES.join(", ")} ` +
              `(e.g. {{ var('${args[0]}', 'date') }}, or with a default {{ var('${args[0]}', 'number', '1') }})`,
          );
        }
        const fallback = args[2] !== undefined ? { fallback: args[2] } : {};
        out.push({ fn, name: args[0]!, type: type as VarType, ...fallback, at, start, end });
        break;
      }
      case "in_range": {
        arity(1, 2);
        const widen = args[1];
        if (widen !== undefined && !DURATION.test(widen)) {
          throw new ModelError(
            at,
            `in_range('${args[0]}', '${widen}'): the second argument is a duration like '6 days'`,
          );
        }
        out.push({ fn, column: args[0]!, ...(widen !== undefined ? { widen } : {}), at, start, end });
        break;
      }
      case "surrogate_key":
        arity(1, 16);
        out.push({ fn, columns: args, at, start, end });
        break;
      case "date_key":
        arity(1, 1);
        out.push({ fn, column: args[0]!, at, start, end });
        break;
      default:
        throw new ModelError(
          at,
          `unknown placeholder function ${fn}() (ref, source, var, this, in_range, surrogate_key, date_key)`,
        );
    }
  }
  return out;
}

/** A time window for an incremental build: rows at or after `start` (and before `end`, when set). */
export interface Window {
  start: string;
  end?: string;
  /** Disjoint `[start, end)` ranges inside `start`..`end`: only rows in one of them are in the window. */
  ranges?: { start: string; end: string }[];
}

/** What rendering needs to know; the runner builds it per model and per phase (build, audit). */
export interface RenderContext {
  engine: Engine;
  ref(model: string, at: Location): string;
  source(source: string, table: string, at: Location): string;
  self: string;
  vars: Record<string, string>;
  /** The increment's window; undefined on a full build. */
  window?: Window;
}

/**
 * The SQL predicate of `in_range(column)` for a window, per engine; `widenMs` moves every range's start back (the
 * rows a window of that many days before each recomputed row reads).
 */
export function rangePredicate(engine: Engine, column: string, window: Window | undefined, widenMs = 0): string {
  if (!window) return "true";
  const ts = (v: string) => timestampLiteral(engine, v);
  const back = (v: string) => widenMs === 0 ? v : new Date(Date.parse(v) - widenMs).toISOString();
  if (window.ranges && window.ranges.length > 0) {
    return `(${
      window.ranges.map((r) => `(${column} >= ${ts(back(r.start))} and ${column} < ${ts(r.end)})`).join(" or ")
    })`;
  }
  const parts = [`${column} >= ${ts(back(window.start))}`];
  if (window.end !== undefined) parts.push(`${column} < ${ts(window.end)}`);
  return `(${parts.join(" and ")})`;
}

/**
 * A deterministic signed 64-bit key from the text of the columns (`|`-joined): PostgreSQL's
 * `hashtextextended` (the stable hash behind hash partitioning; about four times faster than md5 here), and
 * `sipHash64` on ClickHouse. The engines compute different values, so a ClickHouse model takes keys from the star
 * schema instead of recomputing them. A single null column gives -1 (the "none/unknown" member every dimension
 * carries).
 */
export function surrogateKey(engine: Engine, columns: string[]): string {
  if (engine === "postgres") {
    const text = columns.length === 1
      ? `(${columns[0]})::text`
      : `concat_ws('|', ${columns.map((c) => `coalesce((${c})::text, '')`).join(", ")})`;
    const hash = `hashtextextended(${text}, 0)`;
    return columns.length === 1 ? `(case when (${columns[0]}) is null then -1 else ${hash} end)` : hash;
  }
  const text = columns.length === 1
    ? `toString(${columns[0]})`
    : `concat(${columns.map((c) => `ifNull(toString(${c}), '')`).join(", '|', ")})`;
  const hash = `reinterpretAsInt64(sipHash64(${text}))`;
  return columns.length === 1 ? `if(isNull(${columns[0]}), toInt64(-1), ${hash})` : hash;
}

/**
 * The `dim_date` key of a timestamp: its UTC calendar day as a `yyyymmdd` integer. One expression for every fact,
 * so that no model spells the day differently (or in the session's time zone).
 */
export function dateKey(engine: Engine, column: string): string {
  return engine === "postgres"
    ? `(to_char((${column}) at time zone 'UTC', 'YYYYMMDD'))::integer`
    : `toInt32(toYYYYMMDD(${column}, 'UTC'))`;
}

/** Replace every placeholder in `sql`. */
export function render(sql: string, placeholders: Placeholder[], ctx: RenderContext): string {
  let out = "";
  let pos = 0;
  for (const p of placeholders) {
    out += sql.slice(pos, p.start);
    pos = p.end;
    switch (p.fn) {
      case "ref":
        out += ctx.ref(p.model, p.at);
        break;
      case "source":
        out += ctx.source(p.source, p.table, p.at);
        break;
      case "this":
        out += ctx.self;
        break;
      case "var": {
        const v = ctx.vars[p.name] ?? p.fallback;
        if (v === undefined) {
          throw new ModelError(p.at, `var('${p.name}') is not set: pass --vars ${p.name}=<${p.type}>`);
        }
        try {
          out += typedLiteral(ctx.engine, p.type, v);
        } catch (e) {
          if (!(e instanceof QuoteError)) throw e;
          throw new ModelError(p.at, `var('${p.name}') is declared ${p.type}: ${e.message}`);
        }
        break;
      }
      case "in_range":
        out += rangePredicate(ctx.engine, p.column, ctx.window, p.widen !== undefined ? durationMs(p.widen) : 0);
        break;
      case "surrogate_key":
        out += surrogateKey(ctx.engine, p.columns);
        break;
      case "date_key":
        out += dateKey(ctx.engine, p.column);
        break;
    }
  }
  return out + sql.slice(pos);
}

/**
 * Names that look like a table read (`from x`, `join schema.x`) of another model without `ref`. The text has its
 * placeholders, comments and string literals removed first. Returns the model names found.
 */
export function unreferencedReads(sql: string, modelNames: ReadonlySet<string>): string[] {
  const cleaned = sql
    .replace(PLACEHOLDER, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");
  const ctes = new Set([...cleaned.matchAll(/\b([a-z_][a-z0-9_]*)\s+as\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
  const found = new Set<string>();
  for (const m of cleaned.matchAll(/\b(?:from|join)\s+(?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/gi)) {
    const name = m[1]!.toLowerCase();
    if (modelNames.has(name) && !ctes.has(name)) found.add(name);
  }
  return [...found].sort();
}
