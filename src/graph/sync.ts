/**
 * `deno task graph sync`: bring the Neo4j graph up to the star schema, incrementally.
 *
 * Source: the star schema (core facts and dimensions, read through their stable columns: keys, action, time,
 * event id). The watermark is the set of landing batches the graph reflects (`graph.sync_state`). The new batches
 * are those that every source model already reflects (`runner.model_state`) and the graph does not; the sync reads
 * the star's rows from the earliest event of those batches on (late events included, whatever day they belong to),
 * exactly as the runner's increments do.
 *
 * Stateful relationships (friend, follow, ...) are folded into `graph.edge_state` first: per (type, from, to) the
 * last event by (occurred_at, event_id) wins, and a row only changes when the incoming event is newer than the one
 * that decided it. So an add and a remove arriving out of order end in the state their times say, a replayed batch
 * changes nothing, and a remove of an absent edge is a no-op. Only the rows that changed go to Neo4j, in UNWIND
 * batches (MERGE to add, MATCH ... DELETE to remove). Nodes and the immutable relationships are MERGEd on their keys.
 *
 * The whole sync is one PostgreSQL transaction that commits after Neo4j accepted every batch: a failure leaves the
 * watermark and the edge state where they were, and the next run re-applies the same (idempotent) changes.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";
import type { Driver } from "../clients/neo4j.ts";
import type { Logger } from "../log.ts";
import { ensureConstraints, STATEFUL } from "./model.ts";
import { ensureGraphSchema, type PgNames, readSyncState } from "./store.ts";

/** The star's models the graph reads; a batch counts as new once all of them reflect it. */
export const SOURCE_MODELS = [
  "dim_user",
  "dim_community",
  "dim_publication",
  "fact_share",
  "fact_social_edge_event",
  "fact_safety_action",
  "fact_subscription_event",
  "fact_membership_event",
] as const;

/** What a sync needs. */
export interface SyncDeps {
  sql: Sql;
  neo4j: Driver;
  log: Logger;
  names: PgNames;
  signal?: AbortSignal;
}

/** Options of a sync. */
export interface SyncOptions {
  /** Rows per UNWIND batch (one Neo4j transaction each). */
  batchSize: number;
}

/** The JSON summary of a sync. */
export interface SyncSummary extends Record<string, unknown> {
  status: "synced" | "up_to_date";
  batches: number;
  window_start: string | null;
  snapshot_at: string | null;
  nodes: Record<string, number>;
  /** Stateful relationships added or updated, and removed, in Neo4j. */
  relationships_added: number;
  relationships_removed: number;
  /** Immutable relationships (POSTED, SHARED, ABOUT) merged. */
  relationships_merged: number;
  /** Every relationship written per second of Neo4j writing (adds + removes + merges). */
  relationships_per_s: number;
  apply_ms: number;
}

/** A typed error the task reports in one line. */
export class GraphSyncError extends Error {
  override name = "GraphSyncError";
}

const LOCK_KEY = 0x67726170; // "grap": one sync at a time per database

/** A timestamptz column as ISO-8601 text in UTC, the form Cypher's datetime() parses. */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Fail with a clear message when the star schema (and so the runner's state) is not there yet. */
export async function requireStar(sql: Sql, n: PgNames): Promise<void> {
  const [hasState] = await sql.unsafe<{ ok: boolean }[]>(
    `select to_regclass('${n.runner}.model_state') is not null as ok`,
  );
  if (!hasState?.ok) {
    throw new GraphSyncError(`the star schema is not built (no ${n.runner}.model_state): run deno task models build`);
  }
}

/** Run one incremental sync. */
export async function syncGraph(deps: SyncDeps, opts: SyncOptions): Promise<SyncSummary> {
  const { sql, log, names: n } = deps;
  await ensureGraphSchema(sql, n);
  await ensureConstraints(deps.neo4j);
  await requireStar(sql, n);

  return await sql.begin(async (tx) => {
    await tx.unsafe(`select pg_advisory_xact_lock(${LOCK_KEY})`);
    const state = await readSyncState(tx, n);
    const models = SOURCE_MODELS.map((m) => `'${m}'`).join(", ");
    const [pending] = await tx.unsafe<
      { fresh: string; all_ranges: string; start: Date | null; newest: Date | null; batches: string }[]
    >(
      `with st as (select processed from ${n.runner}.model_state where model in (${models})),
       reflected as (
         select case when (select count(*) from st) = ${SOURCE_MODELS.length}
           then (select range_intersect_agg(processed) from st) else '{}'::int8multirange end as p
       ),
       fresh as (select p - '${state.processed}'::int8multirange as f, p from reflected),
       spans as (select lower(r) as lo, upper(r) as hi from fresh, unnest(fresh.f) as r)
       select (select f::text from fresh) as fresh,
         (select (p + '${state.processed}'::int8multirange)::text from fresh) as all_ranges,
         (select coalesce(sum(hi - lo), 0) from spans) as batches,
         (select min(e.occurred_at) from ${n.landing}.events e join spans on e.batch_id >= spans.lo and e.batch_id < spans.hi)
           as start,
         (select max(e.occurred_at) from ${n.landing}.events e join spans on e.batch_id >= spans.lo and e.batch_id < spans.hi)
           as newest`,
    );
    const empty: SyncSummary = {
      status: "up_to_date",
      batches: 0,
      window_start: null,
      snapshot_at: state.snapshotAt?.toISOString() ?? null,
      nodes: {},
      relationships_added: 0,
      relationships_removed: 0,
      relationships_merged: 0,
      relationships_per_s: 0,
      apply_ms: 0,
    };
    if (!pending || Number(pending.batches) === 0) {
      log.info("the graph is up to date with the star schema");
      return empty;
    }
    if (pending.start === null) {
      // Batches without a loaded event (every line quarantined or a duplicate): nothing to apply, but reflected.
      await tx.unsafe(
        `insert into ${n.graph}.sync_state (id, processed, synced_at) values (true, $1::int8multirange, now())
         on conflict (id) do update set processed = excluded.processed, synced_at = excluded.synced_at`,
        [pending.all_ranges],
      );
      return { ...empty, status: "synced", batches: Number(pending.batches) };
    }
    const start = pending.start.toISOString();
    log.info(`syncing ${pending.batches} new batches (events from ${start})`);

    const writer = new Neo4jWriter(deps, opts.batchSize);
    try {
      const nodes = await syncNodes(tx, n, start, writer);
      const merged = await syncImmutableRels(tx, n, start, writer);
      const { added, removed } = await syncEdges(tx, n, start, writer);
      const snapshot = [state.snapshotAt, pending.newest].filter((d): d is Date => d !== null)
        .reduce((a, b) => (a > b ? a : b));
      await tx.unsafe(
        `insert into ${n.graph}.sync_state (id, processed, snapshot_at, synced_at)
         values (true, $1::int8multirange, $2, now())
         on conflict (id) do update set processed = excluded.processed, snapshot_at = excluded.snapshot_at,
           synced_at = excluded.synced_at`,
        [pending.all_ranges, snapshot],
      );
      const written = added + removed + merged;
      const summary: SyncSummary = {
        status: "synced",
        batches: Number(pending.batches),
        window_start: start,
        snapshot_at: snapshot.toISOString(),
        nodes,
        relationships_added: added,
        relationships_removed: removed,
        relationships_merged: merged,
        relationships_per_s: writer.ms > 0 ? Math.round(written / (writer.ms / 1000)) : 0,
        apply_ms: Math.round(writer.ms),
      };
      log.info("graph synced", { counts: { added, removed, merged, per_s: summary.relationships_per_s } });
      return summary;
    } finally {
      await writer.close();
    }
  });
}

/** Writes UNWIND batches to Neo4j, one transaction each, timing the writes and logging progress. */
class Neo4jWriter {
  ms = 0;
  rows = 0;
  #nextReport = 100_000;
  #session;
  constructor(private deps: SyncDeps, readonly batchSize: number) {
    this.#session = deps.neo4j.session();
  }

  /** Send `rows` through `query` (which starts with `UNWIND $rows AS r`) in batches; returns the rows sent. */
  async write(query: string, rows: Record<string, unknown>[]): Promise<number> {
    for (let i = 0; i < rows.length; i += this.batchSize) {
      if (this.deps.signal?.aborted) throw new GraphSyncError("stopped on request; nothing of this sync committed");
      const chunk = rows.slice(i, i + this.batchSize);
      const t0 = performance.now();
      await this.#session.executeWrite((t) => t.run(query, { rows: chunk }));
      this.ms += performance.now() - t0;
      this.rows += chunk.length;
      if (this.rows >= this.#nextReport) {
        this.deps.log.info(`written ${this.rows} rows to Neo4j`, { counts: { rows: this.rows } });
        this.#nextReport += 100_000;
      }
    }
    return rows.length;
  }

  async close() {
    await this.#session.close();
  }
}

/**
 * Stream a query's rows in chunks of `size`, handing each chunk to `each` before the next is read. (The iterator
 * form: postgres.js does not await a cursor callback on the last chunk.)
 */
async function chunked<T extends Record<string, unknown>>(
  tx: TxSql,
  query: string,
  params: (string | number)[],
  size: number,
  each: (rows: T[]) => Promise<void>,
): Promise<void> {
  for await (const rows of tx.unsafe(query, params).cursor(size)) await each(rows as unknown as T[]);
}

/** MERGE the nodes created in the window: topics (all), users, communities, publications, shares. */
async function syncNodes(tx: TxSql, n: PgNames, start: string, w: Neo4jWriter): Promise<Record<string, number>> {
  const counts: Record<string, number> = { topics: 0, users: 0, communities: 0, publications: 0, shares: 0 };
  const size = w.batchSize;
  await chunked(
    tx,
    `select topic_key::text as key, topic as name from ${n.core}.dim_topic where topic_key <> -1`,
    [],
    size,
    async (rows) => {
      counts.topics! += await w.write("UNWIND $rows AS r MERGE (t:Topic {key: r.key}) SET t.name = r.name", rows);
    },
  );
  await chunked(
    tx,
    `select distinct on (user_key) user_key::text as key, user_id::text as id, username as name,
       ${iso("signed_up_at")} as signed_up_at
     from ${n.core}.dim_user where user_key <> -1 and valid_from >= $1 order by user_key, valid_from desc`,
    [start],
    size,
    async (rows) => {
      counts.users! += await w.write(
        `UNWIND $rows AS r MERGE (u:User {key: r.key})
         SET u.id = r.id, u.name = r.name, u.signed_up_at = datetime(r.signed_up_at)`,
        rows,
      );
    },
  );
  await chunked(
    tx,
    `select community_key::text as key, community_id::text as id, name, kind, topic_key::text as topic,
       owner_user_key::text as owner, ${iso("created_at")} as created_at
     from ${n.core}.dim_community where community_key <> -1 and created_at >= $1`,
    [start],
    size,
    async (rows) => {
      counts.communities! += await w.write(
        `UNWIND $rows AS r MERGE (c:Community {key: r.key})
         SET c.id = r.id, c.name = r.name, c.kind = r.kind, c.owner_key = r.owner, c.created_at = datetime(r.created_at)
         WITH c, r WHERE r.topic <> '-1'
         MERGE (t:Topic {key: r.topic}) MERGE (c)-[:ABOUT]->(t)`,
        rows,
      );
    },
  );
  await chunked(
    tx,
    `select publication_key::text as key, publication_id::text as id, kind, author_user_key::text as author,
       community_key::text as community, topic_key::text as topic, ${iso("created_at")} as created_at
     from ${n.core}.dim_publication where publication_key <> -1 and created_at >= $1`,
    [start],
    size,
    async (rows) => {
      counts.publications! += await w.write(
        `UNWIND $rows AS r MERGE (p:Publication {key: r.key})
         SET p.id = r.id, p.kind = r.kind, p.community_key = r.community, p.created_at = datetime(r.created_at)`,
        rows,
      );
    },
  );
  await chunked(
    tx,
    `select share_key::text as key, share_id::text as id, share_kind as kind, sharer_user_key::text as sharer,
       publication_key::text as publication, parent_share_key::text as parent, ${iso("occurred_at")} as at
     from ${n.core}.fact_share where occurred_at >= $1`,
    [start],
    size,
    async (rows) => {
      counts.shares! += await w.write(
        `UNWIND $rows AS r MERGE (s:Share {key: r.key})
         SET s.id = r.id, s.kind = r.kind, s.sharer_key = r.sharer, s.publication_key = r.publication,
           s.at = datetime(r.at)`,
        rows,
      );
    },
  );
  return counts;
}

/** MERGE POSTED, SHARED and ABOUT for the publications and shares of the window; returns how many were sent. */
async function syncImmutableRels(tx: TxSql, n: PgNames, start: string, w: Neo4jWriter): Promise<number> {
  let merged = 0;
  await chunked(
    tx,
    `select publication_key::text as key, author_user_key::text as author, topic_key::text as topic
     from ${n.core}.dim_publication where publication_key <> -1 and created_at >= $1`,
    [start],
    w.batchSize,
    async (rows) => {
      merged += await w.write(
        `UNWIND $rows AS r MATCH (p:Publication {key: r.key})
         MERGE (u:User {key: r.author}) MERGE (u)-[:POSTED]->(p)`,
        rows,
      );
      const topical = rows.filter((r) => r.topic !== "-1");
      merged += await w.write(
        `UNWIND $rows AS r MATCH (p:Publication {key: r.key}) MERGE (t:Topic {key: r.topic}) MERGE (p)-[:ABOUT]->(t)`,
        topical,
      );
    },
  );
  await chunked(
    tx,
    `select share_key::text as key, sharer_user_key::text as sharer, publication_key::text as publication,
       parent_share_key::text as parent
     from ${n.core}.fact_share where occurred_at >= $1`,
    [start],
    w.batchSize,
    async (rows) => {
      merged += await w.write(
        `UNWIND $rows AS r MATCH (s:Share {key: r.key}) MERGE (u:User {key: r.sharer}) MERGE (u)-[:POSTED]->(s)`,
        rows,
      );
      merged += await w.write(
        `UNWIND $rows AS r MATCH (s:Share {key: r.key})
         MERGE (p:Publication {key: r.publication}) MERGE (s)-[:SHARED]->(p)`,
        rows.filter((r) => r.parent === "-1"),
      );
      merged += await w.write(
        `UNWIND $rows AS r MATCH (s:Share {key: r.key}) MERGE (p:Share {key: r.parent}) MERGE (s)-[:SHARED]->(p)`,
        rows.filter((r) => r.parent !== "-1"),
      );
    },
  );
  return merged;
}

/**
 * The star's edge events of the window as (rel, src, dst, present, at, event_id, props) rows: the SQL that both the
 * sync (from a window start, `$1`) and the consistency check (from the beginning) fold.
 */
export function edgeEventsSql(n: PgNames, since: string): string {
  return `
    select case edge_type when 'friend' then 'FRIEND' when 'follow' then 'FOLLOWS'
        when 'subscription' then 'SUBSCRIBES' when 'close_friend' then 'CLOSE_FRIEND'
        when 'block' then 'BLOCKS' when 'mute' then 'MUTES' end as rel,
      case when edge_type = 'friend' then least(user_key, other_user_key) else user_key end as src,
      case when edge_type = 'friend' then greatest(user_key, other_user_key) else other_user_key end as dst,
      action = 'added' as present, occurred_at as at, event_id::text as event_id,
      case when edge_type = 'mute' and mute_duration_days is not null
        then jsonb_build_object('until', occurred_at + make_interval(days => mute_duration_days))
        when edge_type = 'subscription' and action = 'added' then jsonb_build_object('tier', subscription_tier)
      end as props
    from (
      select edge_type, action, user_key, other_user_key, occurred_at, event_id,
        null::integer as mute_duration_days, null::text as subscription_tier
      from ${n.core}.fact_social_edge_event
      union all
      select edge_type, 'added', actor_user_key, subject_user_key, occurred_at, event_id, mute_duration_days, null
      from ${n.core}.fact_safety_action
      union all
      select 'subscription', action, subscriber_user_key, creator_user_key, occurred_at, event_id, null,
        subscription_tier
      from ${n.core}.fact_subscription_event
    ) as e
    where action in ('added', 'removed') and occurred_at >= ${since}
    union all
    select 'MEMBER_OF', user_key, community_key, action = 'join', occurred_at, event_id::text, null
    from ${n.core}.fact_membership_event where action in ('join', 'leave') and occurred_at >= ${since}
    union all
    select 'MODERATES', user_key, community_key, action = 'moderator_assigned', occurred_at, event_id::text, null
    from ${n.core}.fact_membership_event where action in ('moderator_assigned', 'moderator_removed', 'leave')
      and occurred_at >= ${since}
    union all
    select rel, owner_user_key, community_key, true, created_at, '', null
    from ${n.core}.dim_community, (values ('MEMBER_OF'), ('MODERATES')) as r(rel)
    where community_key <> -1 and created_at >= ${since}`;
}

/** Fold the window's edge events into graph.edge_state and apply the rows that changed to Neo4j. */
async function syncEdges(
  tx: TxSql,
  n: PgNames,
  start: string,
  w: Neo4jWriter,
): Promise<{ added: number; removed: number }> {
  await tx.unsafe(`create temp table graph_changes (
    rel text, src bigint, dst bigint, present boolean, at timestamptz, props jsonb) on commit drop`);
  await tx.unsafe(
    `with ev as (${edgeEventsSql(n, "$1")}),
     last as (select distinct on (rel, src, dst) * from ev order by rel, src, dst, at desc, event_id desc),
     upserted as (
       insert into ${n.graph}.edge_state as s (rel, src, dst, present, at, event_id, props)
       select rel, src, dst, present, at, event_id, props from last
       on conflict (rel, src, dst) do update set present = excluded.present, at = excluded.at,
         event_id = excluded.event_id, props = excluded.props
       where (excluded.at, excluded.event_id) > (s.at, s.event_id)
       returning rel, src, dst, present, at, props
     )
     insert into graph_changes select * from upserted`,
    [start],
  );
  let added = 0, removed = 0;
  // Endpoints first (a user or community may have no dimension row yet: a late sign-up), so that the relationship
  // writes below only look nodes up.
  const endedAt = (label: string) =>
    Object.values(STATEFUL).filter((r) => r.to === label).map((r) => `'${r.type}'`).join(", ");
  const endpoints = {
    User: `select src::text as k from graph_changes where present
           union select dst::text from graph_changes where present and rel in (${endedAt("User")})`,
    Community: `select distinct dst::text as k from graph_changes where present and rel in (${endedAt("Community")})`,
  };
  for (const [label, query] of Object.entries(endpoints)) {
    await chunked<{ k: string }>(tx, query, [], w.batchSize, async (rows) => {
      await w.write(`UNWIND $rows AS r MERGE (:${label} {key: r.k})`, rows);
    });
  }
  const touchedMembership: Record<string, unknown>[] = [];
  for (const rel of Object.values(STATEFUL)) {
    for (const present of [true, false]) {
      await chunked<{ s: string; d: string; at: string; props: Record<string, unknown> | null }>(
        tx,
        `select src::text as s, dst::text as d, ${iso("at")} as at, props from graph_changes
         where rel = $1 and present = ${present} order by src, dst`,
        [rel.type],
        w.batchSize,
        async (rows) => {
          if (present) {
            added += await w.write(
              `UNWIND $rows AS r MATCH (a:User {key: r.s}) MATCH (b:${rel.to} {key: r.d})
               MERGE (a)-[x:${rel.type}]->(b) SET x.since = datetime(r.at), x += coalesce(r.props, {})`,
              rows.map((r) => ({ ...r, props: r.props ?? null })),
            );
          } else {
            removed += await w.write(
              `UNWIND $rows AS r MATCH (a:User {key: r.s})-[x:${rel.type}]->(b:${rel.to} {key: r.d}) DELETE x`,
              rows,
            );
          }
          if (rel.to === "Community") touchedMembership.push(...rows.map((r) => ({ s: r.s, d: r.d })));
        },
      );
    }
  }
  // A member's role follows from ownership and moderation, which may have changed in this very sync.
  await w.write(
    `UNWIND $rows AS r MATCH (u:User {key: r.s})-[m:MEMBER_OF]->(c:Community {key: r.d})
     SET m.role = CASE WHEN c.owner_key = u.key THEN 'owner'
       WHEN EXISTS { (u)-[:MODERATES]->(c) } THEN 'moderator' ELSE 'member' END`,
    touchedMembership,
  );
  return { added, removed };
}
