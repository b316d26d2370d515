/**
 * `graph sync` and `graph check` on real services: hand-written edge events are loaded into a private warehouse
 * (schemas prefixed `gt_sync_`) in three batches, the real models build the star schema, and the sync applies it to
 * a private Neo4j. Late events (an add and a remove of the same pair arriving out of order), duplicate creates, a
 * remove of an absent edge, a friendship ended and made again from the other side, and a moderator who leaves must
 * end in the state the events' times say; a replay changes nothing; a sync after a failed one (Neo4j written,
 * PostgreSQL not committed) writes nothing twice; the check catches a tampered graph.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import type { Sql } from "../src/clients/postgres.ts";
import { cypher, type Driver } from "../src/clients/neo4j.ts";
import { MemoryStore } from "../src/generator/mod.ts";
import { type Drops, loadBatch } from "../src/runner/testing.ts";
import { checkGraph } from "../src/graph/check.ts";
import { pgNames } from "../src/graph/store.ts";
import { GraphSyncError, syncGraph } from "../src/graph/sync.ts";
import { buildStar, withGraphWarehouse } from "./_graph_env.ts";

const PREFIX = "gt_sync_";
const names = pgNames(PREFIX);
const T0 = Date.parse("2026-11-20T10:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const [O, A, B, C, D] = Array.from({ length: 5 }, () => crypto.randomUUID()) as [
  string,
  string,
  string,
  string,
  string,
];
const COMMUNITY = crypto.randomUUID();

function ev(type: string, minute: number, actor: string | null, payload: Record<string, unknown>) {
  return {
    event_id: crypto.randomUUID(),
    event_type: type,
    schema_version: 1,
    occurred_at: at(minute),
    actor_user_id: actor,
    payload,
  };
}
const follow = (m: number, a: string, b: string) =>
  ev("follow.created", m, a, { follower_user_id: a, followee_user_id: b, source: "search" });
const unfollow = (m: number, a: string, b: string) =>
  ev("follow.removed", m, a, { follower_user_id: a, followee_user_id: b });
const befriend = (m: number, requester: string, addressee: string) =>
  ev("friendship.accepted", m, addressee, {
    request_id: crypto.randomUUID(),
    friendship_id: crypto.randomUUID(),
    requester_user_id: requester,
    addressee_user_id: addressee,
  });

const BATCHES = [
  [
    ev("community.created", 0, O, {
      community_id: COMMUNITY,
      owner_user_id: O,
      name: "Test Politics",
      kind: "community",
      topic: "politics",
      visibility: "open",
      description: null,
    }),
    ev("community.joined", 1, A, { community_id: COMMUNITY, user_id: A, via: "search" }),
    ev("community.moderator_added", 2, O, { community_id: COMMUNITY, user_id: A, appointed_by_user_id: O }),
    follow(5, B, C),
    follow(6, B, C), // a duplicate create
    unfollow(7, D, A), // a remove of an edge that never existed
    befriend(10, A, B),
    unfollow(30, A, B), // its follow.created (minute 20) arrives late, in batch 2
    follow(50, C, D), // its follow.removed (minute 40) arrives late, in batch 2
  ],
  [
    follow(20, A, B),
    unfollow(40, C, D),
    ev("friendship.ended", 15, B, { friendship_id: crypto.randomUUID(), user_id: B, friend_user_id: A }),
    ev("community.left", 3, A, { community_id: COMMUNITY, user_id: A, membership_days: 0 }),
  ],
  [
    befriend(60, B, A), // friends again, requested from the other side: still one FRIEND per pair
    ev("community.joined", 61, A, { community_id: COMMUNITY, user_id: A, via: "invite" }),
    // Made moderator again, then removed by the owner while staying a member: the role ends, the membership stays.
    ev("community.moderator_added", 62, O, { community_id: COMMUNITY, user_id: A, appointed_by_user_id: O }),
    ev("community.moderator_removed", 63, O, {
      community_id: COMMUNITY,
      user_id: A,
      removed_by_user_id: O,
      reason: "removed_by_owner",
    }),
  ],
];

function dropsOf(): Drops {
  const store = new MemoryStore();
  const files: string[] = [];
  BATCHES.forEach((events, i) => {
    const key = `events/date=2026-11-20/hour=12/events_2026-11-20T12-0${i}-00Z.jsonl`;
    store.objects.set(key, new TextEncoder().encode(events.map((e) => JSON.stringify(e)).join("\n") + "\n"));
    files.push(key);
  });
  return { store, files };
}

const build = (sql: Sql, target: string) => buildStar(sql, PREFIX, target);

/** Every relationship as `TYPE from->to` (role appended for memberships), sorted. */
async function edges(driver: Driver, key: Map<string, string>): Promise<string[]> {
  const name = new Map([...key].map(([k, v]) => [v, k]));
  const rows = await cypher<{ t: string; a: string; b: string; role: string | null }>(
    driver,
    "MATCH (a)-[r]->(b) WHERE type(r) <> 'ABOUT' RETURN type(r) AS t, a.key AS a, b.key AS b, r.role AS role",
  );
  return rows.map((r) => `${r.t} ${name.get(r.a) ?? r.a}->${name.get(r.b) ?? r.b}${r.role ? ` (${r.role})` : ""}`)
    .sort();
}

Deno.test({
  name: "graph sync: late, duplicate and replayed edge events end in the state their times say",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withGraphWarehouse(PREFIX, "graph-sync-test", async ({ neo, sql, target, deps }) => {
      const drops = dropsOf();
      const seen = new Set<string>();
      const key = new Map<string, string>();
      for (const [label, id] of Object.entries({ O, A, B, C, D, community: COMMUNITY })) {
        const [row] = await sql.unsafe<{ k: string }[]>(`select hashtextextended($1::text, 0)::text as k`, [id]);
        key.set(label, row!.k);
      }

      // A friendship is stored once, from the numerically smaller key.
      const friendPair = () => (BigInt(key.get("A")!) < BigInt(key.get("B")!) ? "A->B" : "B->A");

      await t.step("batch 1: a plain sync", async () => {
        await loadBatch(sql, PREFIX, drops, [drops.files[0]!], seen);
        await build(sql, target);
        const s = await syncGraph(deps, { batchSize: 2 });
        assertEquals([s.status, s.batches], ["synced", 1]);
        assertEquals(
          await edges(neo.driver, key),
          [
            "FOLLOWS B->C",
            "FOLLOWS C->D",
            "FRIEND A->B",
            "MEMBER_OF A->community (moderator)",
            "MEMBER_OF O->community (owner)",
            "MODERATES A->community",
            "MODERATES O->community",
          ].map((e) => e.replace("FRIEND A->B", `FRIEND ${friendPair()}`)).sort(),
        );
      });

      await t.step("batch 2: late adds and removes older than the state they meet", async () => {
        await loadBatch(sql, PREFIX, drops, [drops.files[1]!], seen);
        await build(sql, target);
        const s = await syncGraph(deps, { batchSize: 2 });
        assertEquals(s.batches, 1);
        assert(s.window_start! <= at(3), "the window reaches back to the late events");
        // A->B: created at 20, removed at 30: absent. C->D: removed at 40, created at 50: present.
        // The friendship ended (15 > 10); A left (3) after becoming moderator (2): neither member nor moderator.
        assertEquals(await edges(neo.driver, key), [
          "FOLLOWS B->C",
          "FOLLOWS C->D",
          "MEMBER_OF O->community (owner)",
          "MODERATES O->community",
        ]);
      });

      await t.step(
        "batch 3: friends again from the other side, a plain member again, a moderator removed",
        async () => {
          await loadBatch(sql, PREFIX, drops, [drops.files[2]!], seen);
          await build(sql, target);
          await syncGraph(deps, { batchSize: 1000 });
          assertEquals(
            await edges(neo.driver, key),
            [
              "FOLLOWS B->C",
              "FOLLOWS C->D",
              `FRIEND ${friendPair()}`,
              "MEMBER_OF A->community (member)",
              "MEMBER_OF O->community (owner)",
              "MODERATES O->community",
            ].sort(),
          );
        },
      );

      await t.step(
        "a batch without a loaded event is reflected too (the check does not see the graph behind)",
        async () => {
          const empty = "events/date=2026-11-20/hour=12/events_2026-11-20T12-09-00Z.jsonl";
          drops.store.objects.set(empty, new TextEncoder().encode("{not json\n"));
          await loadBatch(sql, PREFIX, drops, [empty], seen);
          await build(sql, target);
          const s = await syncGraph(deps, { batchSize: 1000 });
          assertEquals([s.status, s.batches, s.relationships_added], ["synced", 1, 0]);
        },
      );

      await t.step("the check passes, a re-run is up to date, and a full replay changes nothing", async () => {
        const report = await checkGraph(sql, neo.driver, names);
        assert(report.ok, JSON.stringify(report));
        const before = await edges(neo.driver, key);
        assertEquals((await syncGraph(deps, { batchSize: 1000 })).status, "up_to_date");
        await sql.unsafe(`update ${names.graph}.sync_state set processed = '{}'`);
        const replay = await syncGraph(deps, { batchSize: 1000 });
        assertEquals([replay.status, replay.batches, replay.relationships_added, replay.relationships_removed], [
          "synced",
          4,
          0,
          0,
        ]);
        assertEquals(await edges(neo.driver, key), before);
      });

      await t.step("a sync after one that failed between Neo4j and PostgreSQL writes nothing twice", async () => {
        const file = "events/date=2026-11-20/hour=12/events_2026-11-20T12-10-00Z.jsonl";
        drops.store.objects.set(file, new TextEncoder().encode(JSON.stringify(follow(70, D, B)) + "\n"));
        await loadBatch(sql, PREFIX, drops, [file], seen);
        await build(sql, target);
        // A sync stopped at its first write: it has marked Neo4j as being written and committed nothing.
        const stopped = new AbortController();
        stopped.abort();
        await assertRejects(syncGraph({ ...deps, signal: stopped.signal }, { batchSize: 1000 }), GraphSyncError);
        // What such a sync may have written before it failed: the new follow.
        await cypher(neo.driver, "MATCH (d:User {key: $d}), (b:User {key: $b}) CREATE (d)-[:FOLLOWS]->(b)", {
          d: key.get("D"),
          b: key.get("B"),
        });
        const s = await syncGraph(deps, { batchSize: 1000 });
        assertEquals([s.status, s.batches, s.relationships_added], ["synced", 1, 1]);
        assertEquals((await edges(neo.driver, key)).filter((e) => e === "FOLLOWS D->B"), ["FOLLOWS D->B"]);
        const report = await checkGraph(sql, neo.driver, names);
        assert(report.ok, JSON.stringify(report.types.filter((x) => x.neo4j !== x.star)));
        // Committed: the mark is cleared, and the next sync CREATEs new pairs again.
        assertEquals(await cypher(neo.driver, "MATCH (m:GraphSync) RETURN m.dirty AS dirty"), [{ dirty: false }]);
      });

      await t.step("the check reports a tampered graph with examples", async () => {
        await cypher(neo.driver, "MATCH (:User {key: $b})-[r:FOLLOWS]->(:User {key: $c}) DELETE r", {
          b: key.get("B"),
          c: key.get("C"),
        });
        await cypher(neo.driver, "MATCH (a:User {key: $a}), (d:User {key: $d}) CREATE (d)-[:FOLLOWS]->(a)", {
          a: key.get("A"),
          d: key.get("D"),
        });
        const report = await checkGraph(sql, neo.driver, names);
        assertEquals(report.ok, false);
        const follows = report.types.find((x) => x.type === "FOLLOWS")!;
        // Same count (one missing, one extra) still fails: a checksum of the pairs is compared too.
        assertEquals(follows.missingInNeo4j, [`${key.get("B")}->${key.get("C")}`]);
        assertEquals(follows.extraInNeo4j, [`${key.get("D")}->${key.get("A")}`]);
      });
    });
  },
});

/** Content events: a publication whose shares land before it does (one-row batches, two writers). */
const CONTENT_PREFIX = "gt_content_";
const contentNames = pgNames(CONTENT_PREFIX);
const [P, Q, S1, S2, S3] = Array.from({ length: 5 }, () => crypto.randomUUID()) as [
  string,
  string,
  string,
  string,
  string,
];
const publish = (m: number, id: string, author: string) =>
  ev("publication.created", m, author, {
    publication_id: id,
    author_user_id: author,
    kind: "post",
    topic: "politics",
    community_id: null,
    text: "hello",
    language: "en",
    visibility: "public",
    hashtags: [],
    attachments: [],
    album_id: null,
    expires_at: null,
  });
const share = (m: number, id: string, pub: string, sharer: string, parent: string | null, depth: number) =>
  ev("share.created", m, sharer, {
    share_id: id,
    publication_id: pub,
    publication_author_user_id: A,
    sharer_user_id: sharer,
    kind: parent === null ? "repost" : "quote",
    text: parent === null ? null : "look",
    parent_share_id: parent,
    cascade_depth: depth,
  });
const CONTENT_BATCHES = [
  // P's shares (a repost, and a quote of the repost) land before P itself.
  [share(10, S1, P, B, null, 1), share(11, S2, P, C, S1, 2)],
  [publish(5, P, A), publish(20, Q, A), share(21, S3, Q, D, null, 1)],
];

Deno.test({
  name: "graph sync: a publication whose shares land first is completed once, with one of each relationship",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withGraphWarehouse(CONTENT_PREFIX, "graph-content-test", async ({ neo, sql, target, deps }) => {
      const store = new MemoryStore();
      const files = CONTENT_BATCHES.map((events, i) => {
        const file = `events/date=2026-11-20/hour=13/events_2026-11-20T13-0${i}-00Z.jsonl`;
        store.objects.set(file, new TextEncoder().encode(events.map((e) => JSON.stringify(e)).join("\n") + "\n"));
        return file;
      });
      const seen = new Set<string>();
      const label = new Map<string, string>();
      /** Every node as `Label name {id?}` and every relationship as `TYPE a->b`, named by the test's labels, sorted. */
      const graph = async () => {
        const nodes = await cypher<{ l: string; k: string; id: string | null }>(
          neo.driver,
          "MATCH (n) WHERE NOT n:GraphSync AND NOT n:Topic RETURN labels(n)[0] AS l, n.key AS k, n.id AS id",
        );
        const rels = await cypher<{ t: string; a: string; b: string }>(
          neo.driver,
          "MATCH (a)-[r]->(b) RETURN type(r) AS t, a.key AS a, coalesce(b.name, b.key) AS b",
        );
        const name = (k: string) => label.get(k) ?? k;
        return [
          // (The users signed up in no batch, so they are all placeholders: only content placeholders are shown.)
          ...nodes.map((n) => `${n.l} ${name(n.k)}${n.id === null && n.l !== "User" ? " (placeholder)" : ""}`),
          ...rels.map((r) => `${r.t} ${name(r.a)}->${name(r.b)}`),
        ].sort();
      };
      for (const [l, id] of Object.entries({ A, B, C, D, P, Q, S1, S2, S3 })) {
        const [row] = await sql.unsafe<{ k: string }[]>(`select hashtextextended($1::text, 0)::text as k`, [id]);
        label.set(row!.k, l);
      }
      const users = ["User A", "User B", "User C", "User D"];

      await t.step("shares first: the publication is a placeholder they point at", async () => {
        await loadBatch(sql, CONTENT_PREFIX, { store, files }, [files[0]!], seen);
        await buildStar(sql, CONTENT_PREFIX, target);
        const s = await syncGraph(deps, { batchSize: 1, writers: 2 });
        assertEquals([s.status, s.nodes.shares, s.relationships_merged], ["synced", 2, 4]);
        assertEquals(
          await graph(),
          [
            "User B",
            "User C",
            "Publication P (placeholder)",
            "Share S1",
            "Share S2",
            "POSTED B->S1",
            "POSTED C->S2",
            "SHARED S1->P",
            "SHARED S2->S1",
          ].sort(),
        );
      });

      await t.step("the publication lands: completed with its author and topic, nothing doubled", async () => {
        await loadBatch(sql, CONTENT_PREFIX, { store, files }, [files[1]!], seen);
        await buildStar(sql, CONTENT_PREFIX, target);
        const s = await syncGraph(deps, { batchSize: 1, writers: 2 });
        assertEquals([s.status, s.nodes.publications], ["synced", 2]);
        const expected = [
          ...users,
          "Publication P",
          "Publication Q",
          "Share S1",
          "Share S2",
          "Share S3",
          "POSTED A->P",
          "POSTED A->Q",
          "POSTED B->S1",
          "POSTED C->S2",
          "POSTED D->S3",
          "ABOUT P->politics",
          "ABOUT Q->politics",
          "SHARED S1->P",
          "SHARED S2->S1",
          "SHARED S3->Q",
        ].sort();
        assertEquals(await graph(), expected);

        // A replay of both batches (the window reaches back to the shares) writes nothing.
        await sql.unsafe(`update ${contentNames.graph}.sync_state set processed = '{}'`);
        const replay = await syncGraph(deps, { batchSize: 1, writers: 2 });
        assertEquals([replay.status, replay.relationships_written], ["synced", 0]);
        assertEquals(await graph(), expected);
      });
    });
  },
});
