/**
 * The graph metrics in PostgreSQL (schema `graph`), where the ClickHouse marts read them through the runner. One
 * table per result, each row stamped with the snapshot time (the newest event the graph reflects) and the time of
 * computation. A run replaces every table in one transaction: readers see the previous run's tables, whole, until
 * the commit, then the new ones.
 *
 * | table                   | grain                          |
 * | ----------------------- | ------------------------------ |
 * | `graph.user_pagerank`   | one row per user               |
 * | `graph.user_degree`     | one row per user               |
 * | `graph.user_friendship` | one row per user (reach, ecc.) |
 * | `graph.components`      | one row per FRIEND component   |
 * | `graph.network`         | one row: network-wide figures  |
 * | `graph.cascades`        | one row per shared publication |
 *
 * User keys are the star's durable `user_key` (`core.dim_user.user_key`), publication keys `publication_key`.
 *
 * @module
 */
import { copyRows, type Sql, type TxSql } from "../clients/postgres.ts";
import type { GraphMetrics } from "./metrics.ts";
import { ensureGraphSchema, type PgNames } from "./store.ts";

const STAMP = "snapshot_at timestamptz not null, computed_at timestamptz not null";

/**
 * The DDL of every result table (created when missing, in the schema of `n`). The warehouse's own schema `graph` gets
 * the same tables from the migration src/pipeline/migrations/20261130_0005_graph.sql, so that they exist (empty)
 * before the first run; tests/graph_schema_test.ts fails when the two differ.
 */
export function resultTables(n: PgNames): Record<string, string> {
  return {
    user_pagerank: `create table if not exists ${n.graph}.user_pagerank (
      user_key bigint primary key, user_id uuid, score double precision not null, rank integer not null, ${STAMP})`,
    user_degree: `create table if not exists ${n.graph}.user_degree (
      user_key bigint primary key, user_id uuid, friends integer not null, followers integer not null,
      following integer not null, ${STAMP})`,
    user_friendship: `create table if not exists ${n.graph}.user_friendship (
      user_key bigint primary key, user_id uuid, reach_1 integer not null, reach_2 integer not null,
      reach_3 integer not null, reach_within_3 integer not null, component integer not null,
      component_size integer not null, eccentricity integer, eccentricity_lower integer not null,
      eccentricity_upper integer not null, ${STAMP})`,
    components: `create table if not exists ${n.graph}.components (
      component integer primary key, size integer not null, is_largest boolean not null, ${STAMP})`,
    network: `create table if not exists ${n.graph}.network (
      users integer not null, friendships integer not null, follows integer not null, components integer not null,
      largest_component integer not null, diameter integer not null, diameter_lower integer not null,
      diameter_upper integer not null, diameter_is_estimate boolean not null, average_path double precision,
      average_path_is_estimate boolean not null, average_path_sample integer,
      avg_friends_all double precision not null, avg_friends_nonzero double precision,
      avg_followers_all double precision not null, avg_followers_nonzero double precision,
      avg_following_all double precision not null, avg_following_nonzero double precision,
      pagerank_damping double precision not null, pagerank_max_iterations integer not null,
      pagerank_tolerance double precision not null, timings jsonb not null, ${STAMP})`,
    cascades: `create table if not exists ${n.graph}.cascades (
      publication_key bigint primary key, author_user_key bigint, reposts integer not null, quotes integer not null,
      shares integer not null, depth integer not null, breadth integer not null, distinct_sharers integer not null,
      ${STAMP})`,
  };
}

/** Create the graph schema, its state tables and every result table where missing (idempotent). */
export async function ensureResultTables(sql: Sql | TxSql, n: PgNames): Promise<void> {
  await ensureGraphSchema(sql, n);
  for (const ddl of Object.values(resultTables(n))) await sql.unsafe(ddl);
}

/** Replace every result table with `m`, stamped with `snapshotAt`, in one transaction. */
export async function writeResults(
  sql: Sql,
  n: PgNames,
  m: GraphMetrics,
  snapshotAt: Date,
  pageRank: { dampingFactor: number; maxIterations: number; tolerance: number },
): Promise<Record<string, number>> {
  await ensureResultTables(sql, n);
  const computedAt = new Date();
  const stamp = [snapshotAt, computedAt] as const;
  return await sql.begin(async (tx) => {
    await tx.unsafe(
      `truncate ${Object.keys(resultTables(n)).map((t) => `${n.graph}.${t}`).join(", ")}`,
    );
    const sizes = m.network.componentSizes;
    const counts: Record<string, number> = {};
    counts.user_pagerank = await copyRows(
      tx,
      `${n.graph}.user_pagerank`,
      ["user_key", "user_id", "score", "rank", "snapshot_at", "computed_at"],
      m.users.map((u) => [u.key, u.id, u.pagerank, u.pagerankRank, ...stamp]),
    );
    counts.user_degree = await copyRows(
      tx,
      `${n.graph}.user_degree`,
      ["user_key", "user_id", "friends", "followers", "following", "snapshot_at", "computed_at"],
      m.users.map((u) => [u.key, u.id, u.friends, u.followers, u.following, ...stamp]),
    );
    counts.user_friendship = await copyRows(
      tx,
      `${n.graph}.user_friendship`,
      [
        "user_key",
        "user_id",
        "reach_1",
        "reach_2",
        "reach_3",
        "reach_within_3",
        "component",
        "component_size",
        "eccentricity",
        "eccentricity_lower",
        "eccentricity_upper",
        "snapshot_at",
        "computed_at",
      ],
      m.users.map((u) => [
        u.key,
        u.id,
        u.reach1,
        u.reach2,
        u.reach3,
        u.reach1 + u.reach2 + u.reach3,
        u.component,
        sizes[u.component] ?? 0,
        u.eccentricity,
        u.eccentricityLower,
        u.eccentricityUpper,
        ...stamp,
      ]),
    );
    counts.components = await copyRows(
      tx,
      `${n.graph}.components`,
      ["component", "size", "is_largest", "snapshot_at", "computed_at"],
      sizes.map((s, i) => [i, s, i === 0, ...stamp]),
    );
    const w = m.network;
    counts.network = await copyRows(
      tx,
      `${n.graph}.network`,
      [
        "users",
        "friendships",
        "follows",
        "components",
        "largest_component",
        "diameter",
        "diameter_lower",
        "diameter_upper",
        "diameter_is_estimate",
        "average_path",
        "average_path_is_estimate",
        "average_path_sample",
        "avg_friends_all",
        "avg_friends_nonzero",
        "avg_followers_all",
        "avg_followers_nonzero",
        "avg_following_all",
        "avg_following_nonzero",
        "pagerank_damping",
        "pagerank_max_iterations",
        "pagerank_tolerance",
        "timings",
        "snapshot_at",
        "computed_at",
      ],
      [[
        w.users,
        w.friendships,
        w.follows,
        w.components,
        w.largestComponent,
        w.diameter,
        w.diameterLower,
        w.diameterUpper,
        w.diameterIsEstimate,
        w.averagePath,
        w.averagePathIsEstimate,
        w.averagePathSample,
        w.avgFriendsAll,
        w.avgFriendsNonzero,
        w.avgFollowersAll,
        w.avgFollowersNonzero,
        w.avgFollowingAll,
        w.avgFollowingNonzero,
        pageRank.dampingFactor,
        pageRank.maxIterations,
        pageRank.tolerance,
        m.timings,
        ...stamp,
      ]],
    );
    counts.cascades = await copyRows(
      tx,
      `${n.graph}.cascades`,
      [
        "publication_key",
        "author_user_key",
        "reposts",
        "quotes",
        "shares",
        "depth",
        "breadth",
        "distinct_sharers",
        "snapshot_at",
        "computed_at",
      ],
      m.cascades.map((c) => [
        c.publicationKey,
        c.authorKey,
        c.reposts,
        c.quotes,
        c.reposts + c.quotes,
        c.depth,
        c.breadth,
        c.distinctSharers,
        ...stamp,
      ]),
    );
    return counts;
  });
}
