/**
 * `deno task graph metrics`: the graph metrics (metrics 7, 8, 9 and 10's cascades in ../shared/spec/metrics.md),
 * computed from the Neo4j graph at its snapshot time, then written to PostgreSQL (results.ts).
 *
 * Where each comes from, and why:
 * - PageRank over FOLLOWS: GDS (`gds.pageRank.stream` on a projection of every User, dropped in `finally`), with
 *   GDS's unnormalised scores; dense rank over scores rounded to 1e-9, ties by name then key.
 * - Components and average shortest path of the largest component: GDS (`gds.wcc`, `gds.closeness`: the mean of
 *   1 / closeness over a component is its exact average distance), on an undirected FRIEND projection. When the
 *   largest component exceeds `exactPathLimit` nodes, the average comes from a seeded sample of BFS sources instead
 *   and is labelled an estimate with the sample size.
 * - Eccentricity and diameter: GDS has no procedure; the FRIEND edges are exported from Neo4j and bounded BFS runs
 *   in Deno (bfs.ts), exact unless the work budget runs out (then bounds, and the diameter is labelled).
 * - Reach at exactly 1, 2 and 3 hops: by default a BFS stopped at depth 3 over the same exported edges (measured 20x
 *   faster than Cypher here); `reach: "cypher"` runs bounded shortest paths (`ANY SHORTEST ... {1,3}`) in Neo4j
 *   instead, in batches of users. Both are exact; a test holds them equal.
 * - Degrees: Cypher COUNT over the relationship type (Neo4j's degree store).
 * - Cascades: Cypher over SHARED paths from each original publication.
 *
 * @module
 */
import { cypher, type Driver } from "../clients/neo4j.ts";
import type { Logger } from "../log.ts";
import { buildCsr, components as bfsComponents, eccentricities, reachCounts, sampledAveragePath } from "./bfs.ts";

/** PageRank settings (metric 9: GDS defaults). */
export interface PageRankOptions {
  dampingFactor: number;
  maxIterations: number;
  tolerance: number;
}

/** The settings metric 9 fixes. */
export const PAGERANK_DEFAULTS: PageRankOptions = { dampingFactor: 0.85, maxIterations: 20, tolerance: 1e-7 };

/** Options of a metrics run. */
export interface MetricsOptions {
  pageRank: PageRankOptions;
  /** How reach at depth 1-3 is computed: BFS over the exported FRIEND edges, or bounded Cypher in Neo4j. */
  reach: "bfs" | "cypher";
  /** Users per reach query (Cypher). */
  reachBatch: number;
  /** Largest component size up to which the average path is exact (GDS closeness); above it, sampled. */
  exactPathLimit: number;
  /** BFS sources of the sampled average path. */
  pathSample: number;
  seed: number;
  /** Edges the eccentricity BFS may scan in total before it settles for bounds. */
  eccentricityBudget: number;
}

export const METRICS_DEFAULTS: MetricsOptions = {
  pageRank: PAGERANK_DEFAULTS,
  reach: "bfs",
  reachBatch: 5000,
  exactPathLimit: 200_000,
  pathSample: 1000,
  seed: 1,
  eccentricityBudget: 2e9,
};

/** Per user. */
export interface UserMetrics {
  key: string;
  id: string | null;
  name: string | null;
  friends: number;
  followers: number;
  following: number;
  pagerank: number;
  pagerankRank: number;
  reach1: number;
  reach2: number;
  reach3: number;
  /** Component index: 0 is the largest, then by size. */
  component: number;
  /** Exact eccentricity in the component, or null where only bounds are known. */
  eccentricity: number | null;
  eccentricityLower: number;
  eccentricityUpper: number;
}

/** Per original publication with at least one share. */
export interface Cascade {
  publicationKey: string;
  authorKey: string | null;
  reposts: number;
  quotes: number;
  /** Longest chain of shares (1: shared straight from the publication). */
  depth: number;
  /** Most shares at one depth. */
  breadth: number;
  distinctSharers: number;
}

/** Network-wide figures. */
export interface NetworkMetrics {
  users: number;
  friendships: number;
  follows: number;
  components: number;
  componentSizes: number[];
  largestComponent: number;
  diameter: number;
  diameterLower: number;
  diameterUpper: number;
  diameterIsEstimate: boolean;
  averagePath: number | null;
  averagePathIsEstimate: boolean;
  /** Sources of the sampled average (null when exact). */
  averagePathSample: number | null;
  avgFriendsAll: number;
  avgFriendsNonzero: number | null;
  avgFollowersAll: number;
  avgFollowersNonzero: number | null;
  avgFollowingAll: number;
  avgFollowingNonzero: number | null;
  eccentricityBfsRuns: number;
}

/** Everything a run computes, with the time each part took. */
export interface GraphMetrics {
  users: UserMetrics[];
  cascades: Cascade[];
  network: NetworkMetrics;
  timings: Record<string, number>;
}

/** The metrics of a graph without users: no rows per user, zero counts, averages of nothing. */
export function emptyMetrics(): GraphMetrics {
  return {
    users: [],
    cascades: [],
    network: {
      users: 0,
      friendships: 0,
      follows: 0,
      components: 0,
      componentSizes: [],
      largestComponent: 0,
      diameter: 0,
      diameterLower: 0,
      diameterUpper: 0,
      diameterIsEstimate: false,
      averagePath: null,
      averagePathIsEstimate: false,
      averagePathSample: null,
      avgFriendsAll: 0,
      avgFriendsNonzero: null,
      avgFollowersAll: 0,
      avgFollowersNonzero: null,
      avgFollowingAll: 0,
      avgFollowingNonzero: null,
      eccentricityBfsRuns: 0,
    },
    timings: {},
  };
}

/** Run a GDS procedure on a projection that is dropped afterwards, even when the body fails. */
async function withProjection<T>(
  driver: Driver,
  projectQuery: string,
  body: (graph: string) => Promise<T>,
): Promise<T> {
  const graph = `sp-${crypto.randomUUID()}`;
  await cypher(driver, projectQuery, { graph });
  try {
    return await body(graph);
  } finally {
    await cypher(driver, "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName", { graph });
  }
}

/**
 * The projection query of every `User` with the relationships of one type. GDS's native projection refuses a label
 * or a relationship type the database has never held ("one or more relationship types not found"), as in the first
 * minutes of a world without an accepted friendship; a type with no relationship is projected from Cypher instead,
 * as the users alone (an aggregation over no rows projects nothing, which GDS also accepts).
 */
async function userProjection(driver: Driver, type: string, orientation: "NATURAL" | "UNDIRECTED"): Promise<string> {
  const [row] = await cypher<{ n: number }>(driver, `MATCH ()-[r:${type}]->() RETURN count(r) AS n`);
  if ((row?.n ?? 0) > 0) {
    return `CALL gds.graph.project($graph, 'User', {${type}: {orientation: '${orientation}'}}) YIELD graphName
     RETURN graphName`;
  }
  return "MATCH (u:User) WITH gds.graph.project($graph, u, null) AS g RETURN g.graphName AS graphName";
}

/** PageRank per user key over FOLLOWS (GDS, unnormalised). */
export async function pageRank(driver: Driver, opts: PageRankOptions): Promise<Map<string, number>> {
  return await withProjection(
    driver,
    await userProjection(driver, "FOLLOWS", "NATURAL"),
    async (graph) => {
      const rows = await cypher<{ key: string; score: number }>(
        driver,
        `CALL gds.pageRank.stream($graph, {dampingFactor: $d, maxIterations: toInteger($k), tolerance: $tol})
         YIELD nodeId, score RETURN gds.util.asNode(nodeId).key AS key, score`,
        { graph, d: opts.dampingFactor, k: opts.maxIterations, tol: opts.tolerance },
      );
      return new Map(rows.map((r) => [r.key, r.score]));
    },
  );
}

/**
 * Dense ranks (1, 2, 2, 3) by score descending; scores equal to 1e-9 tie, and ties list by name then key (the
 * project's ranking rule).
 */
export function denseRanks(items: { key: string; name: string | null; score: number }[]): Map<string, number> {
  const rounded = (s: number) => Math.round(s * 1e9);
  const sorted = [...items].sort((a, b) =>
    rounded(b.score) - rounded(a.score) || (a.name ?? "").localeCompare(b.name ?? "") || a.key.localeCompare(b.key)
  );
  const out = new Map<string, number>();
  let rank = 0, last: number | null = null;
  for (const it of sorted) {
    if (rounded(it.score) !== last) {
      rank++;
      last = rounded(it.score);
    }
    out.set(it.key, rank);
  }
  return out;
}

/** Friends, followers and following per user, with name and id. */
async function degrees(driver: Driver) {
  return await cypher<
    { key: string; id: string | null; name: string | null; friends: number; followers: number; following: number }
  >(
    driver,
    `MATCH (u:User) RETURN u.key AS key, u.id AS id, u.name AS name, COUNT { (u)-[:FRIEND]-() } AS friends,
       COUNT { (u)<-[:FOLLOWS]-() } AS followers, COUNT { (u)-[:FOLLOWS]->() } AS following`,
  );
}

/** Users at shortest FRIEND distance exactly 1, 2 and 3 of each user (bounded shortest paths, in batches). */
export async function cypherReach(
  driver: Driver,
  keys: string[],
  batch: number,
  log: Logger,
): Promise<Map<string, [number, number, number]>> {
  const out = new Map<string, [number, number, number]>();
  for (let i = 0; i < keys.length; i += batch) {
    const rows = await cypher<{ key: string; d: number; n: number }>(
      driver,
      `UNWIND $keys AS k MATCH (s:User {key: k})
       MATCH p = ANY SHORTEST (s)-[:FRIEND]-{1,3}(t:User) WHERE t <> s
       RETURN k AS key, length(p) AS d, count(*) AS n`,
      { keys: keys.slice(i, i + batch) },
    );
    for (const r of rows) {
      const v = out.get(r.key) ?? [0, 0, 0];
      v[r.d - 1] = r.n;
      out.set(r.key, v);
    }
    if (keys.length > batch) log.info(`reach: ${Math.min(i + batch, keys.length)} of ${keys.length} users`);
  }
  return out;
}

/** Component id per user key (GDS WCC) and the mean of 1 / closeness per component (exact average distance). */
async function friendComponents(driver: Driver, exactPathLimit: number) {
  return await withProjection(
    driver,
    await userProjection(driver, "FRIEND", "UNDIRECTED"),
    async (graph) => {
      const wcc = await cypher<{ key: string; c: number }>(
        driver,
        "CALL gds.wcc.stream($graph) YIELD nodeId, componentId RETURN gds.util.asNode(nodeId).key AS key, componentId AS c",
        { graph },
      );
      const sizes = new Map<number, number>();
      for (const r of wcc) sizes.set(r.c, (sizes.get(r.c) ?? 0) + 1);
      let largest = -1, largestSize = 0;
      for (const [c, s] of sizes) {
        if (s > largestSize || (s === largestSize && c < largest)) [largest, largestSize] = [c, s];
      }
      let averagePath: number | null = null;
      if (largestSize >= 2 && largestSize <= exactPathLimit) {
        const rows = await cypher<{ key: string; closeness: number }>(
          driver,
          "CALL gds.closeness.stream($graph) YIELD nodeId, score RETURN gds.util.asNode(nodeId).key AS key, score AS closeness",
          { graph },
        );
        const inLargest = new Set(wcc.filter((r) => r.c === largest).map((r) => r.key));
        let sum = 0;
        for (const r of rows) if (inLargest.has(r.key)) sum += 1 / r.closeness;
        averagePath = sum / largestSize;
      }
      return { componentOf: new Map(wcc.map((r) => [r.key, r.c])), sizes, largest, largestSize, averagePath };
    },
  );
}

/** Cascades: per original publication, its shares by kind, depth, widest level and distinct sharers. */
export async function cascades(driver: Driver): Promise<Cascade[]> {
  const rows = await cypher<
    {
      key: string;
      author: string | null;
      reposts: number;
      quotes: number;
      depth: number;
      breadth: number;
      sharers: number;
    }
  >(
    driver,
    `MATCH (p:Publication) WHERE EXISTS { (p)<-[:SHARED]-(:Share) }
     MATCH path = (p)<-[:SHARED]-+(s:Share)
     WITH p, length(path) AS level, s
     WITH p, level, count(s) AS at_level, sum(CASE s.kind WHEN 'repost' THEN 1 ELSE 0 END) AS reposts,
       sum(CASE s.kind WHEN 'quote' THEN 1 ELSE 0 END) AS quotes, collect(s.sharer_key) AS sharers
     WITH p, max(level) AS depth, max(at_level) AS breadth, sum(reposts) AS reposts, sum(quotes) AS quotes,
       collect(sharers) AS sharer_lists
     OPTIONAL MATCH (author:User)-[:POSTED]->(p)
     RETURN p.key AS key, author.key AS author, reposts, quotes, depth, breadth,
       size(apoc.coll.toSet(apoc.coll.flatten(sharer_lists))) AS sharers`,
  );
  return rows.map((r) => ({
    publicationKey: r.key,
    authorKey: r.author,
    reposts: r.reposts,
    quotes: r.quotes,
    depth: r.depth,
    breadth: r.breadth,
    distinctSharers: r.sharers,
  }));
}

const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Compute every graph metric from the Neo4j graph. */
export async function computeMetrics(driver: Driver, log: Logger, opts: MetricsOptions): Promise<GraphMetrics> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    timings[name] = Math.round(performance.now() - t0);
    log.info(`computed ${name}`, { counts: { ms: timings[name]! } });
    return r;
  };

  const deg = await timed("degrees", () => degrees(driver));
  if (deg.length === 0) return { ...emptyMetrics(), timings };
  const keys = deg.map((d) => d.key);
  const index = new Map(keys.map((k, i) => [k, i]));
  const pr = await timed("pagerank", () => pageRank(driver, opts.pageRank));
  const ranks = denseRanks(deg.map((d) => ({ key: d.key, name: d.name, score: pr.get(d.key) ?? 0 })));
  const comp = await timed("components_and_closeness", () => friendComponents(driver, opts.exactPathLimit));

  // The FRIEND edges, exported from Neo4j once, for eccentricity, diameter and (by default) reach.
  const friends = await timed("friend_edges_export", async () => {
    const edges = await cypher<{ a: string; b: string }>(
      driver,
      "MATCH (a:User)-[:FRIEND]->(b:User) RETURN a.key AS a, b.key AS b",
    );
    const from = new Int32Array(edges.length), to = new Int32Array(edges.length);
    edges.forEach((e, i) => {
      from[i] = index.get(e.a)!;
      to[i] = index.get(e.b)!;
    });
    return { g: buildCsr(keys.length, from, to), count: edges.length };
  });
  const g = friends.g;
  const within = await timed("reach", async () => {
    if (opts.reach === "cypher") return await cypherReach(driver, keys, opts.reachBatch, log);
    const counts = reachCounts(g, 3);
    return new Map(
      keys.map((k, i) => [k, [counts[i * 3]!, counts[i * 3 + 1]!, counts[i * 3 + 2]!] as [number, number, number]]),
    );
  });

  const ecc = await timed("eccentricity", () => {
    const c = bfsComponents(g);
    const e = eccentricities(g, c, opts.eccentricityBudget);
    let sampled: { mean: number; sources: number } | null = null;
    if (comp.averagePath === null && c.sizes[0]! >= 2) {
      const largest: number[] = [];
      for (let v = 0; v < g.n; v++) if (c.of[v] === 0) largest.push(v);
      sampled = sampledAveragePath(g, largest, opts.pathSample, opts.seed);
    }
    return { c, e, sampled, friendships: friends.count };
  });

  // Diameter of the largest component: exact when all its eccentricities are; else bounds.
  let dLower = 0, dUpper = 0, dExact = true;
  for (let v = 0; v < keys.length; v++) {
    if (ecc.c.of[v] !== 0) continue;
    dLower = Math.max(dLower, ecc.e.lower[v]!);
    dUpper = Math.max(dUpper, ecc.e.upper[v]!);
    if (ecc.e.ecc[v] === -1) dExact = false;
  }
  if (dExact) dUpper = dLower;

  const users: UserMetrics[] = deg.map((d, i) => {
    const r = within.get(d.key) ?? [0, 0, 0];
    return {
      key: d.key,
      id: d.id,
      name: d.name,
      friends: d.friends,
      followers: d.followers,
      following: d.following,
      pagerank: pr.get(d.key) ?? 0,
      pagerankRank: ranks.get(d.key)!,
      reach1: r[0],
      reach2: r[1],
      reach3: r[2],
      component: ecc.c.of[i]!,
      eccentricity: ecc.e.ecc[i] === -1 ? null : ecc.e.ecc[i]!,
      eccentricityLower: ecc.e.lower[i]!,
      eccentricityUpper: ecc.e.upper[i]!,
    };
  });
  const cs = await timed("cascades", () => cascades(driver));
  const [follows] = await cypher<{ n: number }>(driver, "MATCH ()-[r:FOLLOWS]->() RETURN count(r) AS n");
  const nonzero = (xs: number[]) => {
    const nz = xs.filter((x) => x > 0);
    return nz.length > 0 ? mean(nz) : null;
  };
  const network: NetworkMetrics = {
    users: users.length,
    friendships: ecc.friendships,
    follows: follows?.n ?? 0,
    components: comp.sizes.size,
    componentSizes: ecc.c.sizes,
    largestComponent: comp.largestSize,
    diameter: dLower,
    diameterLower: dLower,
    diameterUpper: dUpper,
    diameterIsEstimate: !dExact,
    averagePath: comp.averagePath ?? ecc.sampled?.mean ?? null,
    averagePathIsEstimate: comp.averagePath === null && ecc.sampled !== null,
    averagePathSample: comp.averagePath === null ? ecc.sampled?.sources ?? null : null,
    avgFriendsAll: mean(users.map((u) => u.friends)),
    avgFriendsNonzero: nonzero(users.map((u) => u.friends)),
    avgFollowersAll: mean(users.map((u) => u.followers)),
    avgFollowersNonzero: nonzero(users.map((u) => u.followers)),
    avgFollowingAll: mean(users.map((u) => u.following)),
    avgFollowingNonzero: nonzero(users.map((u) => u.following)),
    eccentricityBfsRuns: ecc.e.runs,
  };
  if (comp.largestSize !== (ecc.c.sizes[0] ?? 0)) {
    throw new Error(
      `GDS WCC and the BFS disagree on the largest component (${comp.largestSize} vs ${ecc.c.sizes[0]} users)`,
    );
  }
  return { users, cascades: cs, network, timings };
}
