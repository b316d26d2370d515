/**
 * PostgreSQL (the warehouse) through `npm:postgres`: a small pool with a statement timeout, plus bulk loading
 * with `COPY ... FROM STDIN` in text format.
 *
 * @module
 */
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

/** Encode one value for COPY's text format (backslash escapes for \, tab, newline, carriage return). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return "\\N";
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" || typeof v === "bigint") s = String(v);
  else if (typeof v === "boolean") s = v ? "t" : "f";
  else if (v instanceof Date) s = v.toISOString();
  else s = JSON.stringify(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** Encode one row as a COPY text line (with its newline). */
export function copyLine(row: readonly CopyValue[]): string {
  return row.map(copyField).join("\t") + "\n";
}

const CHUNK = 1 << 20;

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
 * Bulk-load lines already in COPY text format (each ending in a newline, see {@link copyLine}); the fast path
 * for data that was encoded once and staged. Returns the number of lines sent.
 */
export async function copyLines(
  sql: Sql | TxSql,
  table: string,
  columns: readonly string[],
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  const cols = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ");
  const target = table.split(".").map((p) => `"${p.replaceAll('"', '""')}"`).join(".");
  const writable = await sql.unsafe(`copy ${target} (${cols}) from stdin`).writable();
  let count = 0;
  let buffer: string[] = [];
  let size = 0;
  const write = (chunk: string) =>
    new Promise<void>((resolve, reject) => {
      const ok = writable.write(chunk, (err: Error | null | undefined) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else writable.once("drain", () => resolve());
    });
  try {
    for await (const line of lines as AsyncIterable<string>) {
      buffer.push(line);
      size += line.length;
      count++;
      if (size >= CHUNK) {
        await write(buffer.join(""));
        buffer = [];
        size = 0;
      }
    }
    if (buffer.length > 0) await write(buffer.join(""));
  } catch (e) {
    writable.destroy(e as Error);
    throw e;
  }
  await new Promise<void>((resolve, reject) => {
    writable.once("error", reject);
    writable.end(() => resolve());
  });
  return count;
}
