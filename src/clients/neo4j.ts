/**
 * Neo4j (the social graph) through `npm:neo4j-driver`. Authentication is optional: with an empty NEO4J_PASSWORD
 * the driver connects without credentials (the native dev server runs with auth disabled).
 *
 * Writes go in batches with `UNWIND $rows AS row ...`, never one `session.run` per row.
 *
 * @module
 */
import neo4j, { type Driver } from "neo4j-driver";
import type { Config } from "../config.ts";

export type { Driver };

/** Create a driver (connections are lazy; see {@link neo4jHealth}). */
export function createNeo4j(cfg: Config["neo4j"]): Driver {
  const auth = cfg.password !== "" ? neo4j.auth.basic(cfg.user || "neo4j", cfg.password) : undefined;
  return neo4j.driver(cfg.url, auth, {
    disableLosslessIntegers: true,
    connectionTimeout: 10_000,
    maxConnectionPoolSize: 10,
  });
}

/** Run one Cypher statement in an auto-commit session and return the records as plain objects. */
export async function cypher<T = Record<string, unknown>>(
  driver: Driver,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const session = driver.session();
  try {
    const result = await session.run(query, params);
    return result.records.map((r) => r.toObject() as T);
  } finally {
    await session.close();
  }
}

/** Null when the server answers a query, else the reason. */
export async function neo4jHealth(driver: Driver): Promise<string | null> {
  try {
    await cypher(driver, "RETURN 1 AS ok");
    return null;
  } catch (e) {
    return `Neo4j: ${(e as Error).message}`;
  }
}
