/**
 * PostgreSQL (the warehouse) through `npm:postgres`: a small pool with a statement timeout, plus bulk loading
 * with `COPY ... FROM STDIN` in text format.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import postgres from "postgres";
import type { Config } from "../config.ts";

/** A pooled connection to the warehouse. */
export type Sql = postgres.Sql<Record<string, never>>;
/** A connection inside a transaction (what `sql.begin` hands its callback). */
export type TxSql = postgres.TransactionSql<Record<string, never>>;

/** Open a pool. Connections are made lazily, so this never fails; see {@link pgHealth}. */
export function createPostgres(cfg: Config["postgres"], opts: { applicationName?: string } = {}): Sql {
  return postgres({
    host: cfg.host,
    port: cfg.port,
    database: cfg.database,
    username: cfg.user,
    password: cfg.password,
    max: cfg.poolMax,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: opts.applicationName ?? "socialpulse",
      statement_timeout: cfg.statementTimeoutMs,
      TimeZone: "UTC",
    },
  }) as unknown as Sql;
}

/** Null when the server answers a query, else the reason. */
export async function pgHealth(sql: Sql): Promise<string | null> {
  try {
    await sql`select 1`;
    return null;
  } catch (e) {
    return `PostgreSQL: ${(e as Error).message}`;
  }
}

/** A value COPY can take: null is `\N`; dates become ISO-8601; objects become JSON. */
export type CopyValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | undefined
  | Record<string, unknown>
  | unknown[];

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Encode one value for COPY's text format (backslash escapes for \, tab, newline, carriage return). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return "\\N";
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" || typeof v === "bigint") s = String(v);
  else if (typeof v === "boolean") s = v ? "t" : "f";
  else if (v instanceof Date) s = v.toISOString();
  else s = JSON.stringify(v);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
}

/** Encode one row as a COPY text line (with its newline). */
export function copyLine(row: readonly CopyValue[]): string {
  return row.map(copyField).join("\t") + "\n";
}

const CHUNK = 1 << 20;

/** The parts of a postgres.js COPY query that {@link copyLines} uses. */
interface CopyQuery {
  writable(): Promise<import("node:stream").Writable>;
  reject: (e: Error) => void;
}

/**
 * Bulk-load rows with `COPY table (columns) FROM STDIN`. Runs on the given connection, so inside `sql.begin`
 * it is part of that transaction. Returns the number of rows sent.
 */
export async function copyRows(
  sql: Sql | TxSql,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  async function* encode() {
    for await (const row of rows as AsyncIterable<readonly CopyValue[]>) yield copyLine(row);
  }
  return await copyLines(sql, table, columns, encode());
}

/**
 * Bulk-load lines already in COPY text format (each ending in a newline, see {@link copyLine}). Returns the number
 * of lines sent.
 */
export async function copyLines(
  sql: Sql | TxSql,
  table: string,
  columns: readonly string[],
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  let count = 0;
  async function* chunks() {
    let buffer: string[] = [];
    let size = 0;
    for await (const line of lines as AsyncIterable<string>) {
      buffer.push(line);
      size += line.length;
      count++;
      if (size >= CHUNK) {
        yield buffer.join("");
        buffer = [];
        size = 0;
      }
    }
    if (buffer.length > 0) yield buffer.join("");
  }
  await copyChunks(sql, table, columns, chunks());
  return count;
}

/**
 * Bulk-load COPY text-format data given as chunks (whole lines or not: the server sees one stream); the fast path
 * for data encoded once and staged, which is sent as it is.
 */
export async function copyChunks(
  sql: Sql | TxSql,
  table: string,
  columns: readonly string[],
  chunks: AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const cols = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ");
  const target = table.split(".").map((p) => `"${p.replaceAll('"', '""')}"`).join(".");
  const query = sql.unsafe(`copy ${target} (${cols}) from stdin`) as unknown as CopyQuery;
  // The outcome of a COPY: the writable's end callback on success; on failure the server's error arrives either as
  // a stream error (while rows are still being written) or, once `end()` has sent CopyDone, only through the
  // query's reject: postgres.js 3.4.9 never calls the end callback then (porsager/postgres#1173), which would hang
  // the caller and leave its transaction open. Observing `reject` catches that case.
  let settle!: (e: Error | null) => void;
  const outcome = new Promise<Error | null>((resolve) => (settle = resolve));
  const reject = query.reject;
  query.reject = (e: Error) => {
    settle(e);
    return reject(e);
  };
  const writable = await query.writable();
  writable.on("error", (e: Error) => settle(e));
  const rejected = async () => {
    const e = await outcome;
    if (e) throw e;
  };
  const write = async (chunk: string | Uint8Array) => {
    const data = typeof chunk === "string" ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!writable.write(data)) {
      await Promise.race([new Promise<void>((resolve) => writable.once("drain", () => resolve())), rejected()]);
    }
  };
  try {
    for await (const chunk of chunks) await write(chunk);
    writable.end(() => settle(null));
  } catch (e) {
    writable.destroy(e as Error);
    await outcome;
    throw e;
  }
  const error = await outcome;
  if (error) throw error;
}
