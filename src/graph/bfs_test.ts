import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { buildCsr, components, eccentricities, reachCounts, sampledAveragePath, seededRandom } from "./bfs.ts";

/** Reference: the distances from every node by a plain BFS over adjacency lists. */
function naiveDistances(n: number, edges: [number, number][]): Map<number, number>[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    if (a === b) continue;
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  return adj.map((_, s) => {
    const dist = new Map<number, number>([[s, 0]]);
    const queue = [s];
    for (let i = 0; i < queue.length; i++) {
      for (const w of adj[queue[i]!]!) {
        if (!dist.has(w)) {
          dist.set(w, dist.get(queue[i]!)! + 1);
          queue.push(w);
        }
      }
    }
    return dist;
  });
}

/** Reference: eccentricity of every node by a plain BFS from every node over adjacency lists. */
function naiveEccentricities(n: number, edges: [number, number][]): number[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    if (a === b) continue;
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  return adj.map((_, s) => {
    const dist = new Map<number, number>([[s, 0]]);
    let frontier = [s];
    let far = 0;
    while (frontier.length > 0) {
      const next: number[] = [];
      for (const v of frontier) {
        for (const w of adj[v]!) {
          if (!dist.has(w)) {
            dist.set(w, dist.get(v)! + 1);
            far = dist.get(w)!;
            next.push(w);
          }
        }
      }
      frontier = next;
    }
    return far;
  });
}

function csrOf(n: number, edges: [number, number][]) {
  return buildCsr(n, edges.map((e) => e[0]), edges.map((e) => e[1]));
}

Deno.test("eccentricities() of a path, a star and an isolated node are exact", () => {
  // 0-1-2-3-4 (a path), 5 the centre of a star with 6, 7, 8, and 9 alone.
  const edges: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 4], [5, 6], [5, 7], [5, 8]];
  const g = csrOf(10, edges);
  const comp = components(g);
  assertEquals(comp.sizes, [5, 4, 1]);
  const r = eccentricities(g, comp);
  assertEquals(Array.from(r.ecc), [4, 3, 2, 3, 4, 1, 2, 2, 2, 0]);
  assert(r.exact);
});

Deno.test("eccentricities() equal a BFS from every node on random sparse graphs", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = seededRandom(seed);
    const n = 400;
    const edges: [number, number][] = [];
    // A sparse random graph plus a few long chains: several components, long and short eccentricities.
    for (let i = 0; i < 380; i++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
    for (let i = 0; i < 30; i++) edges.push([i * 3, i * 3 + 1]);
    const g = csrOf(n, edges);
    const r = eccentricities(g, components(g));
    assertEquals(Array.from(r.ecc), naiveEccentricities(n, edges), `seed ${seed}`);
    assert(r.exact);
    assert(r.runs < n, `the bounds should spare BFS runs (${r.runs} of ${n})`);
  }
});

Deno.test("eccentricities() under a small budget keeps bounds around the true value", () => {
  const rand = seededRandom(9);
  const n = 300;
  const edges: [number, number][] = [];
  for (let i = 0; i < 450; i++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
  const g = csrOf(n, edges);
  const truth = naiveEccentricities(n, edges);
  const r = eccentricities(g, components(g), 50);
  assert(!r.exact);
  for (let v = 0; v < n; v++) {
    assert(r.lower[v]! <= truth[v]! && truth[v]! <= r.upper[v]!, `node ${v}`);
    if (r.ecc[v] !== -1) assertEquals(r.ecc[v], truth[v]);
  }
});

Deno.test("sampledAveragePath() over every source is the exact mean distance", () => {
  // A path 0-1-2-3: distances 1,2,3,1,2,1 each twice: mean 20/12.
  const g = csrOf(4, [[0, 1], [1, 2], [2, 3]]);
  const all = sampledAveragePath(g, [0, 1, 2, 3], 10, 1);
  assertEquals(all.sources, 4);
  assert(Math.abs(all.mean - 20 / 12) < 1e-12);
  const two = sampledAveragePath(g, [0, 1, 2, 3], 2, 1);
  assertEquals(two, sampledAveragePath(g, [0, 1, 2, 3], 2, 1), "seeded: the same sample every time");
});

Deno.test("reachCounts() gives the nodes at distance exactly 1, 2 and 3 of every node", () => {
  const rand = seededRandom(4);
  const n = 300;
  const edges: [number, number][] = [];
  for (let i = 0; i < 330; i++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
  const counts = reachCounts(csrOf(n, edges), 3);
  naiveDistances(n, edges).forEach((dist, v) => {
    const at = [1, 2, 3].map((d) => [...dist.values()].filter((x) => x === d).length);
    assertEquals(Array.from(counts.subarray(v * 3, v * 3 + 3)), at, `node ${v}`);
  });
});
