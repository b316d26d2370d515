/**
 * Where the graph reads and writes in PostgreSQL, and its own tables there (schema `graph`):
 *
 * - `graph.sync_state`: one row, the watermark of `deno task graph sync`: the set of landing batches the graph
 *   reflects (an `int8multirange`, like the runner's `runner.model_state`) and the snapshot time (the newest event
 *   of those batches);
 * - `graph.edge_state`: the current state of every stateful relationship (friend, follow, subscription, close
 *   friend, block, mute, membership, moderation), one row per (type, from, to) with the time and id of the last
 *   event that decided it. It is what makes late events safe: an event older than the row's is ignored;
 * - the metric tables (see results.ts), replaced together in one transaction per `graph metrics` run.
 *
 * Every name takes the runner's schema prefix (`--schema-prefix`), so tests work on private schemas.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";

/** Schema-qualified names of everything the graph touches in PostgreSQL. */
export interface PgNames {
  /** The star schema (read): `core`. */
  core: string;
  /** The landing table's schema (read: newest event time). */
  landing: string;
  /** The runner's state schema (read: which batches the star reflects). */
  runner: string;
  /** The graph's own schema (watermark, edge state, metric results). */
  graph: string;
}

/** The names for a schema prefix ("" for the warehouse itself). */
export function pgNames(prefix = ""): PgNames {
  if (prefix !== "" && !/^[a-z][a-z0-9_]*$/.test(prefix)) {
    throw new Error(`schema prefix '${prefix}' must be lowercase letters, digits and underscores`);
  }
  return { core: `${prefix}core`, landing: `${prefix}landing`, runner: `${prefix}runner`, graph: `${prefix}graph` };
}

/** Create the graph schema and its state tables when missing (idempotent). */
export async function ensureGraphSchema(sql: Sql | TxSql, n: PgNames): Promise<void> {
  await sql.unsafe(`create schema if not exists ${n.graph}`);
  await sql.unsafe(`create table if not exists ${n.graph}.sync_state (
    id boolean primary key default true check (id),
    processed int8multirange not null default '{}',
    snapshot_at timestamptz,
    synced_at timestamptz
  )`);
  await sql.unsafe(`create table if not exists ${n.graph}.edge_state (
    rel text not null,
    src bigint not null,
    dst bigint not null,
    present boolean not null,
    at timestamptz not null,
    event_id text not null,
    props jsonb,
    primary key (rel, src, dst)
  )`);
}

/** The watermark: the batches the graph reflects and the newest event time among them. */
export interface SyncState {
  processed: string;
  snapshotAt: Date | null;
}

/** Read the watermark (an empty one before the first sync). */
export async function readSyncState(sql: Sql | TxSql, n: PgNames): Promise<SyncState> {
  const [row] = await sql.unsafe<{ processed: string; snapshot_at: Date | null }[]>(
    `select processed::text as processed, snapshot_at from ${n.graph}.sync_state`,
  );
  return { processed: row?.processed ?? "{}", snapshotAt: row?.snapshot_at ?? null };
}
