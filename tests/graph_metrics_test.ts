/**
 * Graph metrics on a real (private) Neo4j with GDS, over a hand-built graph whose answers are known: a path of seven
 * friends (the largest component), a star of five, an isolated user, a directed follow cycle with a dangling node,
 * and a share cascade. PageRank is compared with an independent power iteration; everything else with values
 * worked out by hand. The results are then written to private PostgreSQL schemas and read back.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { cypher } from "../src/clients/neo4j.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import { computeMetrics, METRICS_DEFAULTS, type MetricsOptions, pageRank } from "../src/graph/metrics.ts";
import { writeResults } from "../src/graph/results.ts";
import { pgNames } from "../src/graph/store.ts";
import { privateNeo4j } from "./_graph_env.ts";

// Users: path p0..p6 (keys 10..16), star centre s0 (20) with leaves 21..24, isolated 30, follow cycle 40->41->42->40,
// 40 also follows the dangling 43 (follows nobody), and 10 follows 40.
const PATH = [10, 11, 12, 13, 14, 15, 16];
const STAR = [20, 21, 22, 23, 24];
const USERS = [...PATH, ...STAR, 30, 40, 41, 42, 43];
const FOLLOWS: [number, number][] = [[40, 41], [41, 42], [42, 40], [40, 43], [10, 40]];
// Cascade of publication 900 by user 40: shares 901 (repost by 41) and 904 (repost by 12) from it; 902 (quote by 42)
// and 905 (quote by 13) from 901; 903 (repost by 43) from 902. Publication 910 (by 41) is never shared.
const SHARES: { key: number; kind: string; by: number; from: number; fromShare: boolean }[] = [
  { key: 901, kind: "repost", by: 41, from: 900, fromShare: false },
  { key: 904, kind: "repost", by: 12, from: 900, fromShare: false },
  { key: 902, kind: "quote", by: 42, from: 901, fromShare: true },
  { key: 905, kind: "quote", by: 13, from: 901, fromShare: true },
  { key: 903, kind: "repost", by: 43, from: 902, fromShare: true },
];

async function buildGraph() {
  const neo = await privateNeo4j();
  const d = neo.driver;
  // Keys go as strings (JavaScript numbers arrive as floats: toString(10) would be "10.0").
  await cypher(d, "UNWIND $keys AS k CREATE (:User {key: k, name: 'u' + k})", { keys: USERS.map(String) });
  const friends: [number, number][] = [];
  for (let i = 0; i + 1 < PATH.length; i++) friends.push([PATH[i]!, PATH[i + 1]!]);
  for (const leaf of STAR.slice(1)) friends.push([leaf, STAR[0]!]); // stored in either direction: queried undirected
  await cypher(
    d,
    "UNWIND $pairs AS p MATCH (a:User {key: p[0]}), (b:User {key: p[1]}) CREATE (a)-[:FRIEND]->(b)",
    { pairs: friends.map((p) => p.map(String)) },
  );
  await cypher(
    d,
    "UNWIND $pairs AS p MATCH (a:User {key: p[0]}), (b:User {key: p[1]}) CREATE (a)-[:FOLLOWS]->(b)",
    { pairs: FOLLOWS.map((p) => p.map(String)) },
  );
  await cypher(
    d,
    `UNWIND [['900', '40'], ['910', '41']] AS p MATCH (u:User {key: p[1]})
     CREATE (u)-[:POSTED]->(:Publication {key: p[0]})`,
  );
  for (const s of SHARES) {
    await cypher(
      d,
      `MATCH (u:User {key: $by}), (parent:${s.fromShare ? "Share" : "Publication"} {key: $from})
       CREATE (u)-[:POSTED]->(s:Share {key: $key, kind: $kind, sharer_key: $by})-[:SHARED]->(parent)`,
      { by: String(s.by), from: String(s.from), key: String(s.key), kind: s.kind },
    );
  }
  return neo;
}

/** Independent PageRank: K - 1 updates of r(v) = (1 - d) + d * sum over u->v of r(u) / outdeg(u), from r = 1 - d. */
function powerIteration(nodes: number[], edges: [number, number][], d: number, k: number): Map<number, number> {
  const out = new Map<number, number>(nodes.map((v) => [v, 0]));
  for (const [a] of edges) out.set(a, out.get(a)! + 1);
  let r = new Map<number, number>(nodes.map((v) => [v, 1 - d]));
  for (let it = 0; it < k - 1; it++) {
    const next = new Map<number, number>(nodes.map((v) => [v, 1 - d]));
    for (const [a, b] of edges) next.set(b, next.get(b)! + d * r.get(a)! / out.get(a)!);
    r = next;
  }
  return r;
}

const OPTS: MetricsOptions = {
  ...METRICS_DEFAULTS,
  pageRank: { dampingFactor: 0.85, maxIterations: 20, tolerance: 0 },
};

Deno.test({
  name: "graph metrics: hand-built graph on real Neo4j gives the known answers",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const neo = await buildGraph();
    const m = await computeMetrics(neo.driver, logger("graph-test"), OPTS);
    const user = (k: number) => m.users.find((u) => u.key === String(k))!;

    await t.step("PageRank equals an independent power iteration within 1e-6", () => {
      const ref = powerIteration(USERS, FOLLOWS, 0.85, 20);
      for (const k of USERS) {
        assert(Math.abs(user(k).pagerank - ref.get(k)!) < 1e-6, `user ${k}: ${user(k).pagerank} vs ${ref.get(k)}`);
      }
      // Dense ranks: the cycle leads; every user nobody follows ties at 1 - d.
      const byRank = [...m.users].sort((a, b) => a.pagerankRank - b.pagerankRank);
      assertEquals(byRank[0]!.pagerank, Math.max(...m.users.map((u) => u.pagerank)));
      const bottom = m.users.filter((u) => Math.abs(u.pagerank - 0.15) < 1e-12).map((u) => u.pagerankRank);
      assertEquals(new Set(bottom).size, 1);
      assertEquals(bottom.length, USERS.length - 4); // all but 40, 41, 42, 43 have no follower
      assertEquals(Math.max(...m.users.map((u) => u.pagerankRank)), new Set(m.users.map((u) => u.pagerank)).size);
    });

    await t.step("reach at depth 1, 2, 3 and eccentricity are exact", () => {
      // Path 10..16: position i reaches i±1, i±2, i±3 where they exist; eccentricity max(i, 6 - i).
      PATH.forEach((k, i) => {
        const at = (d: number) => [i - d, i + d].filter((j) => j >= 0 && j < PATH.length).length;
        assertEquals([user(k).reach1, user(k).reach2, user(k).reach3], [at(1), at(2), at(3)], `path user ${k}`);
        assertEquals(user(k).eccentricity, Math.max(i, 6 - i));
      });
      assertEquals([user(20).reach1, user(20).reach2, user(20).eccentricity], [4, 0, 1]);
      for (const leaf of STAR.slice(1)) {
        assertEquals([user(leaf).reach1, user(leaf).reach2, user(leaf).reach3, user(leaf).eccentricity], [1, 3, 0, 2]);
      }
      assertEquals([user(30).reach1, user(30).eccentricity], [0, 0]);
    });

    await t.step("reach by bounded Cypher shortest paths equals reach by BFS", async () => {
      const viaCypher = await computeMetrics(neo.driver, logger("graph-test"), { ...OPTS, reach: "cypher" });
      const reach = (us: typeof m.users) => us.map((u) => [u.key, u.reach1, u.reach2, u.reach3]);
      assertEquals(reach(viaCypher.users), reach(m.users));
    });

    await t.step("components, diameter and average path of the largest component are exact", () => {
      const w = m.network;
      // Path (7), star (5), then 30, 40, 41, 42, 43 alone (follows are not friendships).
      assertEquals(w.componentSizes, [7, 5, 1, 1, 1, 1, 1]);
      assertEquals([w.components, w.largestComponent, w.diameter, w.diameterIsEstimate], [7, 7, 6, false]);
      // Ordered pairs of a 7-path: 2 * sum_d d * (7 - d) = 112 over 42 pairs.
      assert(Math.abs(w.averagePath! - 112 / 42) < 1e-9, String(w.averagePath));
      assertEquals(w.averagePathIsEstimate, false);
      assertEquals(w.friendships, 10);
    });

    await t.step("degrees and their averages over all users and over users with at least one", () => {
      assertEquals([user(20).friends, user(40).followers, user(40).following, user(43).following], [4, 2, 2, 0]);
      assertEquals(m.network.avgFriendsAll, 20 / USERS.length);
      assertEquals(m.network.avgFriendsNonzero, 20 / 12);
      assertEquals(m.network.avgFollowersAll, 5 / USERS.length);
      assertEquals(m.network.avgFollowersNonzero, 5 / 4);
      assertEquals(m.network.avgFollowingNonzero, 5 / 4);
    });

    await t.step("cascades: reposts, quotes, depth, breadth and distinct sharers", () => {
      assertEquals(m.cascades, [{
        publicationKey: "900",
        authorKey: "40",
        reposts: 3,
        quotes: 2,
        depth: 3,
        breadth: 2,
        distinctSharers: 5,
      }]);
    });

    await t.step("PageRank drops its projection, also when the algorithm fails", async () => {
      await assertRejects(pageRank(neo.driver, { dampingFactor: 2, maxIterations: 20, tolerance: 1e-7 }));
      assertEquals(await cypher(neo.driver, "CALL gds.graph.list() YIELD graphName RETURN graphName"), []);
    });

    await t.step("results land in PostgreSQL, stamped, and a second run replaces them", async () => {
      const sql = createPostgres(neo.cfg.postgres);
      const n = pgNames("gt_metrics_");
      try {
        await sql.unsafe(`drop schema if exists ${n.graph} cascade`);
        const snapshot = new Date("2026-11-20T12:00:00Z");
        await writeResults(sql, n, m, snapshot, OPTS.pageRank);
        const counts = await writeResults(sql, n, m, snapshot, OPTS.pageRank);
        assertEquals(counts.user_pagerank, USERS.length);
        const [net] = await sql.unsafe(`select * from ${n.graph}.network`);
        assertEquals([net!.diameter, net!.largest_component, net!.snapshot_at], [6, 7, snapshot]);
        const [row] = await sql.unsafe(`select count(*)::int as n from ${n.graph}.user_friendship where user_key = 13
          and reach_within_3 = 6 and eccentricity = 3 and component_size = 7`);
        assertEquals(row!.n, 1);
        const [c] = await sql.unsafe(`select count(*)::int as n from ${n.graph}.cascades`);
        assertEquals(c!.n, 1);
      } finally {
        await sql.unsafe(`drop schema if exists ${n.graph} cascade`);
        await sql.end();
      }
    });
    await neo.driver.close();
  },
});
