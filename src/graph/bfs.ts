/**
 * Breadth-first search over an undirected graph held in typed arrays (compressed sparse rows), for what GDS has no
 * procedure for: eccentricity per node and the diameter. The edges come from Neo4j (the FRIEND relationships).
 *
 * Eccentricities use the bounding algorithm of Takes and Kosters ("Computing the eccentricity distribution of large
 * graphs", 2013): a BFS from `v` with eccentricity `e` bounds every `w` of its component by
 * `max(e - d(v,w), d(v,w)) <= ecc(w) <= e + d(v,w)`; sources are picked alternately with the largest upper and the
 * smallest lower bound until every bound closes. On small-world graphs this needs a few dozen BFS per component
 * instead of one per node. The result is exact for every node whose bounds closed; a work budget (edges scanned)
 * stops it early on huge graphs, and then the open nodes keep their bounds and the result says so.
 *
 * @module
 */

/** An undirected graph: the neighbours of node `i` are `adj[offsets[i] .. offsets[i + 1])`. */
export interface Csr {
  n: number;
  offsets: Int32Array;
  adj: Int32Array;
}

/** Build the CSR of `n` nodes from undirected edges given once each as (from, to) pairs; self-loops are dropped. */
export function buildCsr(n: number, from: ArrayLike<number>, to: ArrayLike<number>): Csr {
  const degree = new Int32Array(n + 1);
  for (let i = 0; i < from.length; i++) {
    if (from[i] === to[i]) continue;
    degree[from[i]!]!++;
    degree[to[i]!]!++;
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + degree[i]!;
  const fill = offsets.slice(0, n);
  const adj = new Int32Array(offsets[n]!);
  for (let i = 0; i < from.length; i++) {
    const a = from[i]!, b = to[i]!;
    if (a === b) continue;
    adj[fill[a]!++] = b;
    adj[fill[b]!++] = a;
  }
  return { n, offsets, adj };
}

/** Reusable BFS buffers. */
export class Bfs {
  readonly dist: Int32Array;
  readonly queue: Int32Array;
  /** Nodes visited by the last run, in BFS order: `queue[0 .. visited)`. */
  visited = 0;
  /** Edges scanned in total (the work done). */
  scanned = 0;

  constructor(readonly g: Csr) {
    this.dist = new Int32Array(g.n).fill(-1);
    this.queue = new Int32Array(g.n);
  }

  /** BFS from `source`; returns its eccentricity. Distances stay in `dist` until the next run. */
  run(source: number): number {
    const { dist, queue } = this;
    const { offsets, adj } = this.g;
    for (let i = 0; i < this.visited; i++) dist[queue[i]!] = -1;
    let head = 0, tail = 0;
    dist[source] = 0;
    queue[tail++] = source;
    while (head < tail) {
      const v = queue[head++]!;
      const dv = dist[v]! + 1;
      const end = offsets[v + 1]!;
      for (let j = offsets[v]!; j < end; j++) {
        const w = adj[j]!;
        if (dist[w] === -1) {
          dist[w] = dv;
          queue[tail++] = w;
        }
      }
      this.scanned += end - offsets[v]!;
    }
    this.visited = tail;
    return dist[queue[tail - 1]!]!;
  }
}

/** Connected components: a component index per node (0 = the largest, then by size) and their sizes. */
export function components(g: Csr): { of: Int32Array; sizes: number[] } {
  const raw = new Int32Array(g.n).fill(-1);
  const bfs = new Bfs(g);
  const rawSizes: number[] = [];
  for (let s = 0; s < g.n; s++) {
    if (raw[s] !== -1) continue;
    bfs.run(s);
    for (let i = 0; i < bfs.visited; i++) raw[bfs.queue[i]!] = rawSizes.length;
    rawSizes.push(bfs.visited);
  }
  const order = rawSizes.map((_, i) => i).sort((a, b) => rawSizes[b]! - rawSizes[a]! || a - b);
  const rank = new Int32Array(order.length);
  order.forEach((c, i) => (rank[c] = i));
  const of = raw.map((c) => rank[c]!);
  return { of, sizes: order.map((c) => rawSizes[c]!) };
}

/** Eccentricities with their bounds. */
export interface Eccentricities {
  /** Exact eccentricity, or -1 where the budget ran out before the bounds closed. */
  ecc: Int32Array;
  lower: Int32Array;
  upper: Int32Array;
  /** True when every node's eccentricity is exact. */
  exact: boolean;
  /** BFS runs done. */
  runs: number;
}

/**
 * Every node's eccentricity within its component (bounding algorithm, see the module doc). `budget` caps the edges
 * scanned over all BFS runs (Infinity: run to the end, always exact).
 */
export function eccentricities(g: Csr, comp: { of: Int32Array; sizes: number[] }, budget = Infinity): Eccentricities {
  const n = g.n;
  const ecc = new Int32Array(n).fill(-1);
  const lower = new Int32Array(n);
  const upper = new Int32Array(n).fill(2 ** 30);
  const bfs = new Bfs(g);
  let runs = 0;
  // Members of each component, so each is bounded on its own.
  const start = new Int32Array(comp.sizes.length + 1);
  for (let c = 0; c < comp.sizes.length; c++) start[c + 1] = start[c]! + comp.sizes[c]!;
  const members = new Int32Array(n);
  const fill = start.slice(0, comp.sizes.length);
  for (let v = 0; v < n; v++) members[fill[comp.of[v]!]!++] = v;
  const degree = (v: number) => g.offsets[v + 1]! - g.offsets[v]!;

  for (let c = 0; c < comp.sizes.length; c++) {
    let open = Array.from(members.subarray(start[c]!, start[c + 1]!));
    if (open.length === 1) {
      ecc[open[0]!] = lower[open[0]!] = upper[open[0]!] = 0;
      continue;
    }
    let pickUpper = true;
    while (open.length > 0 && bfs.scanned < budget) {
      let v = open[0]!;
      for (const w of open) {
        const better = pickUpper
          ? upper[w]! > upper[v]! || (upper[w] === upper[v] && degree(w) > degree(v))
          : lower[w]! < lower[v]! || (lower[w] === lower[v] && degree(w) > degree(v));
        if (better) v = w;
      }
      pickUpper = !pickUpper;
      const e = bfs.run(v);
      runs++;
      ecc[v] = lower[v] = upper[v] = e;
      const next: number[] = [];
      for (const w of open) {
        if (w === v) continue;
        const d = bfs.dist[w]!;
        lower[w] = Math.max(lower[w]!, e - d, d);
        upper[w] = Math.min(upper[w]!, e + d);
        if (lower[w] === upper[w]) ecc[w] = lower[w]!;
        else next.push(w);
      }
      open = next;
    }
  }
  let exact = true;
  for (let v = 0; v < n; v++) if (ecc[v] === -1) exact = false;
  return { ecc, lower, upper, exact, runs };
}

/** A small seeded generator (mulberry32) for reproducible samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mean shortest-path length over ordered pairs of distinct nodes of one component, estimated from BFS of `k`
 * sources drawn without replacement with a seeded generator (exact when `k` covers the component).
 */
export function sampledAveragePath(
  g: Csr,
  nodes: readonly number[],
  k: number,
  seed: number,
): { mean: number; sources: number } {
  const pool = [...nodes];
  const rand = seededRandom(seed);
  const take = Math.min(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const bfs = new Bfs(g);
  let sum = 0, pairs = 0;
  for (let i = 0; i < take; i++) {
    bfs.run(pool[i]!);
    for (let q = 1; q < bfs.visited; q++) sum += bfs.dist[bfs.queue[q]!]!;
    pairs += bfs.visited - 1;
  }
  return { mean: pairs > 0 ? sum / pairs : 0, sources: take };
}

/**
 * For every node, how many nodes lie at shortest distance exactly 1, 2, ..., `maxDepth`: a BFS from each node that
 * stops at `maxDepth`. Returns `counts[v * maxDepth + (d - 1)]`.
 */
export function reachCounts(g: Csr, maxDepth: number): Int32Array {
  const counts = new Int32Array(g.n * maxDepth);
  const dist = new Int32Array(g.n).fill(-1);
  const queue = new Int32Array(g.n);
  const { offsets, adj } = g;
  for (let s = 0; s < g.n; s++) {
    let head = 0, tail = 0;
    dist[s] = 0;
    queue[tail++] = s;
    while (head < tail) {
      const v = queue[head++]!;
      const dv = dist[v]!;
      if (dv === maxDepth) continue;
      for (let j = offsets[v]!; j < offsets[v + 1]!; j++) {
        const w = adj[j]!;
        if (dist[w] === -1) {
          dist[w] = dv + 1;
          counts[s * maxDepth + dv]!++;
          queue[tail++] = w;
        }
      }
    }
    for (let i = 0; i < tail; i++) dist[queue[i]!] = -1;
  }
  return counts;
}
