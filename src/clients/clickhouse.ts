/**
 * ClickHouse (the marts) through `npm:@clickhouse/client`.
 *
 * `CLICKHOUSE_URL=http(s)://host:port` talks to a ClickHouse server (production). `chdb://<dir>` (the default for
 * development and CI) runs the real ClickHouse engine in-process through npm `chdb`, plugged into the same
 * client with `chdb/connection`: callers get the same `ClickHouseClient` either way, and the same SQL runs on
 * both. `chdb` is imported lazily, only for `chdb://`, so the production image does not need its 0.5 GB library.
 * Only one process may open a chDB data directory at a time.
 *
 * ClickHouse reads PostgreSQL (marts over the star schema) through a named collection, {@link PG_COLLECTION}, that
 * this module defines when a caller passes the PostgreSQL credentials: SQL, views and compiled models then name the
 * collection only, never the password. On chDB the collection is defined at connect and dropped at close, so the
 * password sits in the data directory (`named_collections/`, as ClickHouse stores it) only while a process has it
 * open. On a server an existing collection (e.g. from the server's configuration) is used as it is.
 *
 * @module
 */
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import type { Config } from "../config.ts";
import { chIdent, chLiteral } from "../runner/quote.ts";

export type { ClickHouseClient };

/** The named collection through which ClickHouse reads PostgreSQL: `postgresql(socialpulse_pg, schema=..., table=...)`. */
export const PG_COLLECTION = "socialpulse_pg";

/** PostgreSQL as ClickHouse reaches it (`address` is `host:port`). */
export interface PostgresRead {
  address: string;
  database: string;
  user: string;
  password: string;
}

/** Options of {@link createClickHouse}. */
export interface ClickHouseOptions {
  /** Define {@link PG_COLLECTION} with these credentials (needed by models that read PostgreSQL). */
  postgres?: PostgresRead;
  /**
   * Read only: the dashboard and exports. On a server, log in as the read-only user (`cfg.reader`,
   * docker/clickhouse/reader.xml) and create nothing. chDB has no users: the session is set to `readonly = 2` after
   * the database is made sure of, and stays so for the rest of the process (one engine per process).
   */
  readOnly?: boolean;
}

/** The key-value list of the collection (the password is the only secret; it never reaches a log line). */
function collectionPairs(pg: PostgresRead): string {
  const colon = pg.address.lastIndexOf(":");
  const host = colon > 0 ? pg.address.slice(0, colon) : pg.address;
  const port = colon > 0 ? Number(pg.address.slice(colon + 1)) : 5432;
  if (!Number.isInteger(port)) throw new Error(`PostgreSQL address for ClickHouse is not host:port: '${pg.address}'`);
  return [
    `host = ${chLiteral(host)}`,
    `port = ${port}`,
    `database = ${chLiteral(pg.database)}`,
    `user = ${chLiteral(pg.user)}`,
    `password = ${chLiteral(pg.password)}`,
  ].join(", ");
}

/**
 * Define (or redefine) the PostgreSQL collection. `replace` false keeps a collection that already exists (a server's
 * own, possibly from its configuration files).
 */
export async function definePostgresCollection(
  client: ClickHouseClient,
  pg: PostgresRead,
  replace: boolean,
): Promise<void> {
  const name = chIdent(PG_COLLECTION);
  const pairs = collectionPairs(pg);
  try {
    await client.command({ query: `create named collection if not exists ${name} as ${pairs}` });
    if (replace) await client.command({ query: `alter named collection ${name} set ${pairs}` });
  } catch (e) {
    // The statement holds the password: report ClickHouse's reason without echoing the SQL.
    const message = (e as Error).message;
    const reason = (pg.password ? message.replaceAll(pg.password, "[HIDDEN]") : message).split("\n")[0];
    throw new Error(
      `cannot define the ClickHouse named collection ${PG_COLLECTION} (the user needs named_collection_control, ` +
        `or define it in the server's configuration): ${reason}`,
    );
  }
}

/**
 * Open a client on the configured target and make sure the project's database exists (idempotent).
 * The client's default database is the project's, so unqualified table names land there.
 */
export async function createClickHouse(
  cfg: Config["clickhouse"],
  opts: ClickHouseOptions = {},
): Promise<ClickHouseClient> {
  const settings = { date_time_input_format: "best_effort" as const };
  if (cfg.target.kind === "http" && opts.readOnly) {
    return createClient({
      url: cfg.target.url,
      username: cfg.reader.user,
      password: cfg.reader.password,
      database: cfg.database,
    });
  }
  if (cfg.target.kind === "http") {
    const bootstrap = createClient({ url: cfg.target.url, username: cfg.user, password: cfg.password });
    try {
      await bootstrap.command({ query: `create database if not exists ${cfg.database}` });
      if (opts.postgres) await definePostgresCollection(bootstrap, opts.postgres, false);
    } finally {
      await bootstrap.close();
    }
    return createClient({
      url: cfg.target.url,
      username: cfg.user,
      password: cfg.password,
      database: cfg.database,
      clickhouse_settings: settings,
    });
  }
  await Deno.mkdir(cfg.target.path, { recursive: true });
  let createChdbConnection;
  try {
    ({ createChdbConnection } = await import("chdb/connection"));
  } catch (e) {
    throw new Error(
      `CLICKHOUSE_URL=chdb://... needs the npm package chdb (an optional dependency): run 'npm install', ` +
        `or point CLICKHOUSE_URL at a ClickHouse server`,
      { cause: e },
    );
  }
  const connection = createChdbConnection({ path: cfg.target.path });
  const bootstrap = createClient({ connection } as Parameters<typeof createClient>[0]);
  await bootstrap.command({ query: `create database if not exists ${cfg.database}` });
  // chDB keeps one engine per process; `use` makes the project's database the session default.
  await bootstrap.command({ query: `use ${cfg.database}` });
  // chDB has no users: a read-only client makes its session read-only instead (readonly = 2, as the server's reader
  // profile: SELECT and per-query settings, no INSERT, no DDL), for the rest of the process, which holds one engine.
  if (opts.readOnly) await bootstrap.command({ query: "set readonly = 2" });
  if (opts.postgres) {
    await definePostgresCollection(bootstrap, opts.postgres, true);
    const close = bootstrap.close.bind(bootstrap);
    // Take the password out of the data directory again when this process lets go of it.
    bootstrap.close = async () => {
      try {
        await bootstrap.command({ query: `drop named collection if exists ${chIdent(PG_COLLECTION)}` });
      } finally {
        await close();
      }
    };
  }
  return bootstrap;
}

/** Null when the engine answers a query, else the reason. */
export async function clickhouseHealth(client: ClickHouseClient): Promise<string | null> {
  try {
    const rs = await client.query({ query: "select version() as v", format: "JSONEachRow" });
    const rows = await rs.json<{ v: string }>();
    return rows[0]?.v ? null : "ClickHouse returned no version";
  } catch (e) {
    return `ClickHouse: ${(e as Error).message}`;
  }
}

/** Run a query and return its rows as objects. */
export async function chQuery<T>(
  client: ClickHouseClient,
  query: string,
  params?: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({ query, format: "JSONEachRow", ...(params ? { query_params: params } : {}) });
  return await rs.json<T>();
}
