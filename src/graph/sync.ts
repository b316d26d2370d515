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
 * batches (CREATE a pair absent before, MATCH ... DELETE to remove). Dimension nodes are MERGEd on their keys;
 * publications and shares are CREATEd with their immutable relationships when Neo4j lacks them. Batches that may run
 * together do, on `writers` Neo4j sessions at once.
 *
 * The whole sync is one PostgreSQL transaction that commits after Neo4j accepted every batch: a failure leaves the
 * watermark and the edge state where they were, and the next run re-applies the same (idempotent) changes.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";
import { cypher, type Driver, writeTransaction } from "../clients/neo4j.ts";
import type { QueryResult, Session } from "neo4j-driver";
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
  /** Transactions in flight at once (default `SYNC_WRITERS`). */
  writers?: number;
}

/** Writers by default: on our 2-core machine two made a warm sync 1.1 to 1.4 times as fast as one (docs/graph.md). */
export const SYNC_WRITERS = 2;

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
  /** Immutable relationships (POSTED, SHARED, ABOUT) created. */
  relationships_merged: number;
  /** Relationships Neo4j created or deleted (its own counters). */
  relationships_written: number;
  /** Relationships written per second of Neo4j writing. */
  relationships_per_s: number;
  /** Milliseconds of Neo4j writing: the time with at least one of the sync's transactions in flight. */
  apply_ms: number;
  /** Transactions in flight at once. */
  writers: number;
  /** Batches run again after Neo4j rolled them back as a deadlock's victim (writers locking the same nodes). */
  retried_batches: number;
  /** The whole sync, PostgreSQL reads and the edge-state fold included. */
  total_ms: number;
  /**
   * Per statement: rows sent, relationships created or deleted, milliseconds with one of its transactions in flight
   * (the stateful relationships' statements run together, so theirs overlap), rows per second.
   */
  profile: Record<string, { rows: number; relationships: number; ms: number; rows_per_s: number }>;
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
  const writers = opts.writers ?? SYNC_WRITERS;
  const started = performance.now();
  await ensureGraphSchema(sql, n);
  await ensureConstraints(deps.neo4j);
  await requireStar(sql, n);

  const summary = await sql.begin(async (tx): Promise<SyncSummary> => {
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
      relationships_written: 0,
      relationships_per_s: 0,
      apply_ms: 0,
      writers,
      retried_batches: 0,
      total_ms: 0,
      profile: {},
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

    const safe = await openWrites(deps.neo4j);
    if (safe) log.warn("an earlier sync may have written to Neo4j without committing: merging every relationship");
    const writer = new Neo4jWriter(deps, opts.batchSize, writers);
    try {
      const nodes = await syncNodes(tx, n, start, writer);
      const content = await syncContent(tx, n, start, writer);
      nodes.publications = content.publications;
      nodes.shares = content.shares;
      const merged = content.rels;
      const { added, removed } = await syncEdges(tx, n, start, writer, safe);
      const snapshot = [state.snapshotAt, pending.newest].filter((d): d is Date => d !== null)
        .reduce((a, b) => (a > b ? a : b));
      await tx.unsafe(
        `insert into ${n.graph}.sync_state (id, processed, snapshot_at, synced_at)
         values (true, $1::int8multirange, $2, now())
         on conflict (id) do update set processed = excluded.processed, snapshot_at = excluded.snapshot_at,
           synced_at = excluded.synced_at`,
        [pending.all_ranges, snapshot],
      );
      const written = writer.rels;
      const summary: SyncSummary = {
        status: "synced",
        batches: Number(pending.batches),
        window_start: start,
        snapshot_at: snapshot.toISOString(),
        nodes,
        relationships_added: added,
        relationships_removed: removed,
        relationships_merged: merged,
        relationships_written: written,
        relationships_per_s: writer.ms > 0 ? Math.round(written / (writer.ms / 1000)) : 0,
        apply_ms: Math.round(writer.ms),
        writers,
        retried_batches: writer.retries,
        total_ms: Math.round(performance.now() - started),
        profile: Object.fromEntries(
          Object.entries(writer.profile).map(([k, p]) => [
            k,
            {
              rows: p.rows,
              relationships: p.rels,
              ms: Math.round(p.ms),
              rows_per_s: p.ms > 0 ? Math.round(p.rows / (p.ms / 1000)) : 0,
            },
          ]),
        ),
      };
      log.info("graph synced", { counts: { added, removed, merged, per_s: summary.relationships_per_s } });
      return summary;
    } finally {
      await writer.close();
    }
  });
  // Committed: Neo4j and the edge state agree again.
  if (summary.window_start !== null) await closeWrites(deps.neo4j);
  return summary;
}

/**
 * Mark Neo4j as being written (a `GraphSync` node, outside the model) and say whether the writes must be safe:
 * true when the mark of an earlier sync is still set (it failed after writing to Neo4j, or before its PostgreSQL
 * commit, so Neo4j may hold relationships the edge state does not know) or when a graph has users but no mark (a
 * graph from before the mark). Then every relationship is MERGEd; otherwise new pairs are CREATEd.
 */
async function openWrites(driver: Driver): Promise<boolean> {
  const [mark] = await cypher<{ dirty: boolean | null; users: boolean }>(
    driver,
    "OPTIONAL MATCH (m:GraphSync {key: 'sync'}) RETURN m.dirty AS dirty, EXISTS { MATCH (:User) } AS users",
  );
  await cypher(driver, "MERGE (m:GraphSync {key: 'sync'}) SET m.dirty = true");
  return mark?.dirty === true || (mark?.dirty == null && mark?.users === true);
}

/** Clear the mark once PostgreSQL committed the edge state of the writes. */
async function closeWrites(driver: Driver): Promise<void> {
  await cypher(driver, "MATCH (m:GraphSync {key: 'sync'}) SET m.dirty = false");
}

/** Runs one statement in the writer's open transaction. */
type Run = (query: string, params: Record<string, unknown>) => Promise<QueryResult>;

/** Busy time of a set of transactions that may overlap: the union of their intervals. */
class BusyClock {
  ms = 0;
  #open = 0;
  #since = 0;
  start() {
    if (this.#open++ === 0) this.#since = performance.now();
  }
  stop() {
    if (--this.#open === 0) this.ms += performance.now() - this.#since;
  }
}

/**
 * Writes UNWIND batches to Neo4j, one transaction each, on `writers` sessions at once (Neo4j runs each transaction
 * on one thread, so a second writer uses a second core, and the next batch is sent while one runs). Callers submit
 * batches that may run in any order and together, and `drain()` where the next statements need them committed. Times
 * the writes (the time with at least one transaction in flight) and logs progress.
 */
class Neo4jWriter {
  rows = 0;
  /** Relationships created and deleted in Neo4j. */
  rels = 0;
  /** Transactions run again after a retryable error. */
  retries = 0;
  #nextReport = 100_000;
  #clock = new BusyClock();
  #clocks: Record<string, BusyClock> = {};
  #sessions: Session[];
  #free: Session[];
  #waiting: (() => void)[] = [];
  #inFlight = new Set<Promise<void>>();
  #failure: { error: unknown } | null = null;
  constructor(private deps: SyncDeps, readonly batchSize: number, writers: number) {
    this.#sessions = Array.from({ length: writers }, () => deps.neo4j.session());
    this.#free = [...this.#sessions];
  }

  /** Rows, relationships created or deleted and milliseconds of Neo4j writing per statement name (the profile). */
  readonly profile: Record<string, { rows: number; rels: number; ms: number }> = {};

  /** Milliseconds with at least one transaction in flight. */
  get ms(): number {
    return this.#clock.ms;
  }

  /**
   * Submit `rows` through `query` (which starts with `UNWIND $rows AS r`) in batches; returns the rows submitted.
   * `name` labels the statement in the profile. The batches may still run when it returns: see `drain()`.
   */
  async write(name: string, query: string, rows: Record<string, unknown>[]): Promise<number> {
    for (let i = 0; i < rows.length; i += this.batchSize) {
      const chunk = rows.slice(i, i + this.batchSize);
      await this.submit(name, chunk.length, (run) => run(query, { rows: chunk }));
    }
    return rows.length;
  }

  /**
   * Start `body` in one Neo4j transaction (run again whole on a transient error, a deadlock between writers included)
   * as soon as a writer is free, without waiting for it to finish. `rows` is what the profile counts for `name`.
   */
  async submit(name: string, rows: number, body: (run: Run) => Promise<unknown>): Promise<void> {
    this.#check();
    const session = await this.#acquire();
    const done: Promise<void> = this.#run(session, name, rows, body)
      .catch((error) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#inFlight.delete(done);
        this.#release(session);
      });
    this.#inFlight.add(done);
  }

  /** Run `body` in one transaction after every submitted one finished, and wait for it: a serial step. */
  async transaction(name: string, rows: number, body: (run: Run) => Promise<unknown>): Promise<void> {
    await this.drain();
    await this.submit(name, rows, body);
    await this.drain();
  }

  /** Wait until every submitted transaction finished; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    if (this.#failure) throw this.#failure.error;
  }

  async close() {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await Promise.all(this.#sessions.map((s) => s.close()));
  }

  #check() {
    if (this.#failure) throw this.#failure.error;
    if (this.deps.signal?.aborted) throw new GraphSyncError("stopped on request; nothing of this sync committed");
  }

  async #acquire(): Promise<Session> {
    for (;;) {
      const session = this.#free.pop();
      if (session) return session;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#check();
    }
  }

  #release(session: Session) {
    this.#free.push(session);
    this.#waiting.shift()?.();
  }

  async #run(session: Session, name: string, rows: number, body: (run: Run) => Promise<unknown>): Promise<void> {
    const clock = this.#clocks[name] ??= new BusyClock();
    this.#clock.start();
    clock.start();
    let rels = 0;
    try {
      await writeTransaction(session, async (t) => {
        rels = 0;
        await body(async (query, params) => {
          const result = await t.run(query, params);
          const u = result.summary.counters.updates();
          rels += u.relationshipsCreated + u.relationshipsDeleted;
          return result;
        });
      }, {
        onRetry: (e, attempt) => {
          this.retries++;
          this.deps.log.info(
            `running a ${name} batch again after a transient error (such as a deadlock between writers)`,
            {
              counts: { attempt },
              reason: (e as Error).message.split("\n")[0],
            },
          );
        },
      });
    } finally {
      clock.stop();
      this.#clock.stop();
    }
    this.rels += rels;
    const p = this.profile[name] ??= { rows: 0, rels: 0, ms: 0 };
    p.rows += rows;
    p.rels += rels;
    p.ms = clock.ms;
    this.rows += rows;
    if (this.rows >= this.#nextReport) {
      this.deps.log.info(`written ${this.rows} rows to Neo4j`, { counts: { rows: this.rows, rels: this.rels } });
      this.#nextReport += 100_000;
    }
  }
}

/**
 * Stream a query's rows in chunks of `size`, handing each chunk to `each`; the next chunk is read from PostgreSQL
 * while `each` writes the current one to Neo4j. (The iterator form: postgres.js does not await a cursor callback on
 * the last chunk. Asking for the next chunk early is safe: each chunk is a new array.)
 */
async function chunked<T extends Record<string, unknown>>(
  tx: TxSql,
  query: string,
  params: (string | number)[],
  size: number,
  each: (rows: T[]) => Promise<void>,
): Promise<void> {
  const cursor = tx.unsafe(query, params).cursor(size)[Symbol.asyncIterator]();
  let next = cursor.next();
  try {
    for (let r = await next; !r.done; r = await next) {
      next = cursor.next();
      await each(r.value as unknown as T[]);
    }
  } catch (e) {
    await cursor.return?.();
    throw e;
  }
}

/**
 * MERGE the dimension nodes of the window: topics (all), users (their newest version), communities. Every statement
 * MERGEs on a unique key, so their batches may run together.
 */
async function syncNodes(tx: TxSql, n: PgNames, start: string, w: Neo4jWriter): Promise<Record<string, number>> {
  const counts: Record<string, number> = { topics: 0, users: 0, communities: 0 };
  const size = w.batchSize;
  await chunked(
    tx,
    `select topic_key::text as key, topic as name from ${n.core}.dim_topic where topic_key <> -1`,
    [],
    size,
    async (rows) => {
      counts.topics! += await w.write(
        "topics",
        "UNWIND $rows AS r MERGE (t:Topic {key: r.key}) SET t.name = r.name",
        rows,
      );
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
        "users",
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
        "communities",
        `UNWIND $rows AS r MERGE (c:Community {key: r.key})
         SET c.id = r.id, c.name = r.name, c.kind = r.kind, c.owner_key = r.owner, c.created_at = datetime(r.created_at)
         WITH c, r WHERE r.topic <> '-1'
         MERGE (t:Topic {key: r.topic}) MERGE (c)-[:ABOUT]->(t)`,
        rows,
      );
    },
  );
  // Not drained: the publications MERGE the users and topics they meet (a unique key: one node either way).
  return counts;
}

/**
 * Publications and shares of the window with their immutable relationships (POSTED, ABOUT, SHARED). The window
 * re-reads rows an earlier sync wrote (a late event pulls it back), so each batch asks Neo4j which nodes it lacks
 * (a unique-index seek) and CREATEs those with their relationships in the same statement, the fast path of a bulk
 * sync. A node that exists only as a placeholder (MERGEd as the target of a share that landed before it: no `id`)
 * is completed with MERGEs; a complete node is left alone (these rows never change). Each batch is one Neo4j
 * transaction, so a node never exists without its relationships, and a re-run after a failure creates nothing twice.
 */
async function syncContent(
  tx: TxSql,
  n: PgNames,
  start: string,
  w: Neo4jWriter,
): Promise<{ publications: number; shares: number; rels: number }> {
  const out = { publications: 0, shares: 0, rels: 0 };
  await chunked<Record<string, string>>(
    tx,
    `select publication_key::text as key, publication_id::text as id, kind, author_user_key::text as author,
       community_key::text as community, topic_key::text as topic, ${iso("created_at")} as created_at
     from ${n.core}.dim_publication where publication_key <> -1 and created_at >= $1 order by created_at`,
    [start],
    w.batchSize,
    async (rows) => {
      const props = "id: r.id, kind: r.kind, community_key: r.community, created_at: datetime(r.created_at)";
      await w.submit("publications", rows.length, async (t) => {
        const created = await t(
          `UNWIND $rows AS r OPTIONAL MATCH (old:Publication {key: r.key}) WITH r WHERE old IS NULL
           MERGE (u:User {key: r.author})
           CREATE (u)-[:POSTED]->(p:Publication {key: r.key, ${props}})
           WITH p, r WHERE r.topic <> '-1'
           MERGE (tp:Topic {key: r.topic}) CREATE (p)-[:ABOUT]->(tp)
           RETURN collect(r.key) AS keys`,
          { rows },
        );
        // Rows just created are complete; only the others (and those without a topic, not collected past its filter)
        // can be placeholders to complete, so only they pay a second seek.
        const made = new Set(created.records[0]?.get("keys") as string[] ?? []);
        const rest = rows.filter((r) => !made.has(r.key!));
        if (rest.length === 0) return;
        await t(
          `UNWIND $rows AS r MATCH (p:Publication {key: r.key}) WHERE p.id IS NULL
           SET p += {${props}}
           MERGE (u:User {key: r.author}) MERGE (u)-[:POSTED]->(p)
           WITH p, r WHERE r.topic <> '-1'
           MERGE (tp:Topic {key: r.topic}) MERGE (p)-[:ABOUT]->(tp)`,
          { rows: rest },
        );
      });
      out.publications += rows.length;
    },
  );
  // Drained: a share MERGEs the publication it shares, which a batch still in flight may be about to CREATE.
  await w.drain();
  await chunked<Record<string, string>>(
    tx,
    `select share_key::text as key, share_id::text as id, share_kind as kind, sharer_user_key::text as sharer,
       publication_key::text as publication, parent_share_key::text as parent, ${iso("occurred_at")} as at
     from ${n.core}.fact_share where occurred_at >= $1 order by occurred_at`,
    [start],
    w.batchSize,
    async (rows) => {
      const props = "id: r.id, kind: r.kind, sharer_key: r.sharer, publication_key: r.publication, at: datetime(r.at)";
      // One batch at a time: a share's parent may be a share of an earlier batch, which must be committed first.
      await w.transaction("shares", rows.length, async (t) => {
        // Nodes and POSTED first, for the whole batch: a share's parent may be a share of the same batch.
        const created = await t(
          `UNWIND $rows AS r OPTIONAL MATCH (old:Share {key: r.key}) WITH r WHERE old IS NULL
           MERGE (u:User {key: r.sharer}) CREATE (u)-[:POSTED]->(:Share {key: r.key, ${props}})
           RETURN r.key AS key`,
          { rows },
        );
        const keys = (res: QueryResult) => new Set(res.records.map((x) => x.get("key") as string));
        const made = keys(created);
        const filled = await t(
          `UNWIND $rows AS r MATCH (s:Share {key: r.key}) WHERE s.id IS NULL
           SET s += {${props}} MERGE (u:User {key: r.sharer}) MERGE (u)-[:POSTED]->(s)
           RETURN r.key AS key`,
          { rows: rows.filter((r) => !made.has(r.key!)) },
        );
        for (const [verb, set] of [["CREATE", made], ["MERGE", keys(filled)]] as const) {
          const todo = rows.filter((r) => set.has(r.key!));
          const fromPublication = todo.filter((r) => r.parent === "-1");
          const fromShare = todo.filter((r) => r.parent !== "-1");
          if (fromPublication.length > 0) {
            await t(
              `UNWIND $rows AS r MATCH (s:Share {key: r.key})
               MERGE (p:Publication {key: r.publication}) ${verb} (s)-[:SHARED]->(p)`,
              { rows: fromPublication },
            );
          }
          if (fromShare.length > 0) {
            await t(
              `UNWIND $rows AS r MATCH (s:Share {key: r.key})
               MERGE (p:Share {key: r.parent}) ${verb} (s)-[:SHARED]->(p)`,
              { rows: fromShare },
            );
          }
        }
      });
      out.shares += rows.length;
    },
  );
  out.rels = (w.profile.publications?.rels ?? 0) + (w.profile.shares?.rels ?? 0);
  return out;
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
  safe: boolean,
): Promise<{ added: number; removed: number }> {
  await tx.unsafe(`create temp table graph_changes (
    rel text, src bigint, dst bigint, present boolean, at timestamptz, props jsonb, was_present boolean)
    on commit drop`);
  // `was_present`: the pair's state before this sync (every CTE reads the table as it was before the insert).
  await tx.unsafe(
    `with ev as (${edgeEventsSql(n, "$1")}),
     last as (select distinct on (rel, src, dst) * from ev order by rel, src, dst, at desc, event_id desc),
     before as (
       select s.rel, s.src, s.dst, s.present from ${n.graph}.edge_state s join last using (rel, src, dst)
     ),
     upserted as (
       insert into ${n.graph}.edge_state as s (rel, src, dst, present, at, event_id, props)
       select rel, src, dst, present, at, event_id, props from last
       on conflict (rel, src, dst) do update set present = excluded.present, at = excluded.at,
         event_id = excluded.event_id, props = excluded.props
       where (excluded.at, excluded.event_id) > (s.at, s.event_id)
       returning rel, src, dst, present, at, props
     )
     insert into graph_changes
     select u.*, coalesce(b.present, false) from upserted u left join before b using (rel, src, dst)`,
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
      await w.write(`${label} endpoints`, `UNWIND $rows AS r MERGE (:${label} {key: r.k})`, rows);
    });
  }
  await w.drain();
  const touchedMembership: Record<string, unknown>[] = [];
  for (const rel of Object.values(STATEFUL)) {
    const props = rel.props ? " SET x += coalesce(r.props, {})" : "";
    const ends = `(a:User {key: r.s}) MATCH (b:${rel.to} {key: r.d})`;
    // A pair absent before this sync is CREATEd (no existence check: edge_state says Neo4j lacks it, unless an
    // earlier sync failed after writing, when `safe` MERGEs everything); a pair present before gets its properties.
    const changes = {
      new: {
        where: "present and not was_present",
        query: safe
          ? `UNWIND $rows AS r MATCH ${ends} MERGE (a)-[x:${rel.type}]->(b) SET x.since = datetime(r.at)${props}`
          : `UNWIND $rows AS r MATCH ${ends} CREATE (a)-[x:${rel.type} {since: datetime(r.at)}]->(b)${props}`,
      },
      again: {
        where: "present and was_present",
        query: safe
          ? `UNWIND $rows AS r MATCH ${ends} MERGE (a)-[x:${rel.type}]->(b) SET x.since = datetime(r.at)${props}`
          : `UNWIND $rows AS r MATCH (a:User {key: r.s})-[x:${rel.type}]->(b:${rel.to} {key: r.d})
             SET x.since = datetime(r.at)${props.replace(" SET", ",")}`,
      },
      remove: {
        // A pair absent before and after is a no-op, unless an earlier sync may have left it in Neo4j.
        where: safe ? "not present" : "not present and was_present",
        query: `UNWIND $rows AS r MATCH (a:User {key: r.s})-[x:${rel.type}]->(b:${rel.to} {key: r.d}) DELETE x`,
      },
    };
    for (const [kind, change] of Object.entries(changes)) {
      await chunked<{ s: string; d: string; at: string; props: Record<string, unknown> | null }>(
        tx,
        `select src::text as s, dst::text as d, ${iso("at")} as at, props from graph_changes
         where rel = $1 and ${change.where} order by src, dst`,
        [rel.type],
        w.batchSize,
        async (rows) => {
          const sent = await w.write(`${rel.type} ${kind}`, change.query, rows);
          if (kind === "remove") removed += sent;
          else added += sent;
          if (rel.to === "Community") touchedMembership.push(...rows.map((r) => ({ s: r.s, d: r.d })));
        },
      );
    }
  }
  // Every change above is to a different pair, so all of them run together; the roles need them committed.
  await w.drain();
  // A member's role follows from ownership and moderation, which may have changed in this very sync.
  await w.write(
    "MEMBER_OF role",
    `UNWIND $rows AS r MATCH (u:User {key: r.s})-[m:MEMBER_OF]->(c:Community {key: r.d})
     SET m.role = CASE WHEN c.owner_key = u.key THEN 'owner'
       WHEN EXISTS { (u)-[:MODERATES]->(c) } THEN 'moderator' ELSE 'member' END`,
    touchedMembership,
  );
  await w.drain();
  return { added, removed };
}
