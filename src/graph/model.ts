/**
 * The graph model in Neo4j (docs/graph.md draws it). Every node has a string `key`: the star schema's surrogate key
 * (a 64-bit hash, kept as text because JavaScript numbers cannot hold it exactly), unique per label.
 *
 * Nodes: `User`, `Community`, `Topic`, `Publication`, `Share` (a repost or quote). Relationships and what decides
 * them:
 *
 * | type           | from -> to                   | state                                                            |
 * | -------------- | ---------------------------- | ---------------------------------------------------------------- |
 * | `FRIEND`       | User -> User                 | one per pair (from the smaller key), queried undirected          |
 * | `FOLLOWS`      | User -> User                 | follow.created / follow.removed                                  |
 * | `SUBSCRIBES`   | User -> User                 | subscription.started / subscription.cancelled (paid, to creator) |
 * | `CLOSE_FRIEND` | User -> User                 | close_friend.added / close_friend.removed                        |
 * | `BLOCKS`       | User -> User                 | block.created                                                    |
 * | `MUTES`        | User -> User                 | mute.created (`until` when it has a duration)                    |
 * | `MEMBER_OF`    | User -> Community            | community.created (owner), joined / left; `role`, `since`        |
 * | `MODERATES`    | User -> Community            | community.created (owner), moderator_added; ends on moderator_removed or leave |
 * | `POSTED`       | User -> Publication or Share | the author or sharer                                             |
 * | `SHARED`       | Share -> Publication / Share | what the share was made from (cascades)                          |
 * | `ABOUT`        | Publication/Community -> Topic | the topic                                                      |
 *
 * @module
 */
import { cypher, type Driver } from "../clients/neo4j.ts";

/** Node labels. */
export const LABELS = ["User", "Community", "Topic", "Publication", "Share"] as const;
export type Label = typeof LABELS[number];

/** A relationship whose presence follows add and remove events (kept in `graph.edge_state`). */
export interface StatefulRel {
  type: string;
  /** Label of the end node (the start is always a User). */
  to: Label;
  /** Queried undirected, stored once per pair from the smaller key. */
  undirected?: boolean;
  /** Carries properties besides `since` (the fold's `props`: a subscription's tier, a mute's end). */
  props?: boolean;
}

/** The stateful relationship types by name. */
export const STATEFUL: Record<string, StatefulRel> = {
  FRIEND: { type: "FRIEND", to: "User", undirected: true },
  FOLLOWS: { type: "FOLLOWS", to: "User" },
  SUBSCRIBES: { type: "SUBSCRIBES", to: "User", props: true },
  CLOSE_FRIEND: { type: "CLOSE_FRIEND", to: "User" },
  BLOCKS: { type: "BLOCKS", to: "User" },
  MUTES: { type: "MUTES", to: "User", props: true },
  MEMBER_OF: { type: "MEMBER_OF", to: "Community" },
  MODERATES: { type: "MODERATES", to: "Community" },
};

/** Relationship types created once and never removed. */
export const IMMUTABLE_RELS = ["POSTED", "SHARED", "ABOUT"] as const;

/** Every relationship type of the model. */
export const REL_TYPES: readonly string[] = [...Object.keys(STATEFUL), ...IMMUTABLE_RELS];

/** Create the uniqueness constraints (each backs an index on `key`); idempotent. */
export async function ensureConstraints(driver: Driver): Promise<void> {
  for (const label of LABELS) {
    await cypher(
      driver,
      `CREATE CONSTRAINT ${label.toLowerCase()}_key IF NOT EXISTS FOR (n:${label}) REQUIRE n.key IS UNIQUE`,
    );
  }
  await cypher(driver, "CALL db.awaitIndexes(300)");
}
