/**
 * ClickHouse (the marts) through `npm:@clickhouse/client`.
 *
 * `CLICKHOUSE_URL=http(s)://host:port` talks to a ClickHouse server (production). `chdb://<dir>` (the default for
 * development and CI) runs the real ClickHouse engine in-process through npm `chdb`, plugged into the same
 * client with `chdb/connection`: callers get the same `ClickHouseClient` either way, and the same SQL runs on
 * both. `chdb` is imported lazily, only for `chdb://`, so the production image does not need its 0.5 GB library.
 * Only one process may open a chDB data directory at a time.
 *
 * @module
 */
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import type { Config } from "../config.ts";

export type { ClickHouseClient };

/**
 * Open a client on the configured target and make sure the project's database exists (idempotent).
 * The client's default database is the project's, so unqualified table names land there.
 */
export async function createClickHouse(cfg: Config["clickhouse"]): Promise<ClickHouseClient> {
  const settings = { date_time_input_format: "best_effort" as const };
  if (cfg.target.kind === "http") {
    const bootstrap = createClient({ url: cfg.target.url, username: cfg.user, password: cfg.password });
    try {
      await bootstrap.command({ query: `create database if not exists ${cfg.database}` });
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
