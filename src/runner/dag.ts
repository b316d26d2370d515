/**
 * The DAG of models and seeds: edges from `ref`, a topological order with ties broken by name (so two runs of the
 * same project always run in the same order), and cycles reported with their path.
 *
 * @module
 */

/** The project's dependencies contain a cycle; `path` starts and ends with the same node. */
export class CycleError extends Error {
  override name = "CycleError";
  constructor(readonly path: string[]) {
    super(`dependency cycle: ${path.join(" -> ")}`);
  }
}

/** A DAG over node names: `parents.get(n)` are the nodes `n` depends on. */
export class Dag {
  readonly parents = new Map<string, Set<string>>();
  readonly children = new Map<string, Set<string>>();

  constructor(edges: Iterable<[string, Iterable<string>]>) {
    for (const [node, deps] of edges) {
      this.#ensure(node);
      for (const d of deps) {
        this.#ensure(d);
        this.parents.get(node)!.add(d);
        this.children.get(d)!.add(node);
      }
    }
  }

  #ensure(n: string) {
    if (!this.parents.has(n)) {
      this.parents.set(n, new Set());
      this.children.set(n, new Set());
    }
  }

  /** Every node name, sorted. */
  get nodes(): string[] {
    return [...this.parents.keys()].sort();
  }

  /**
   * Nodes in dependency order; among nodes that are ready at the same time the smallest name comes first.
   * Throws {@link CycleError} naming a cycle's path.
   */
  order(): string[] {
    const indegree = new Map<string, number>();
    for (const [n, ps] of this.parents) indegree.set(n, ps.size);
    const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
    const out: string[] = [];
    while (ready.length > 0) {
      const n = ready.shift()!;
      out.push(n);
      for (const c of this.children.get(n)!) {
        const d = indegree.get(c)! - 1;
        indegree.set(c, d);
        if (d === 0) insertSorted(ready, c);
      }
    }
    if (out.length < this.parents.size) throw new CycleError(this.findCycle()!);
    return out;
  }

  /**
   * One cycle's path, each node depending on the next (`a -> b -> a` as `["a", "b", "a"]`), or null.
   * Deterministic: explores by name.
   */
  findCycle(): string[] | null {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (n: string): string[] | null => {
      state.set(n, "open");
      stack.push(n);
      for (const p of [...this.parents.get(n)!].sort()) {
        const s = state.get(p);
        if (s === "open") {
          // Each node on the stack depends on the next one, and n depends on p: a closed chain.
          return [...stack.slice(stack.indexOf(p)), p];
        }
        if (s === undefined) {
          const found = visit(p);
          if (found) return found;
        }
      }
      stack.pop();
      state.set(n, "done");
      return null;
    };
    for (const n of this.nodes) {
      if (state.get(n) === undefined) {
        const found = visit(n);
        if (found) return found;
      }
    }
    return null;
  }

  /** Every ancestor of `n` up to `depth` levels (Infinity for all), excluding `n`. */
  upstream(n: string, depth = Infinity): Set<string> {
    return this.#walk(n, this.parents, depth);
  }

  /** Every descendant of `n` up to `depth` levels, excluding `n`. */
  downstream(n: string, depth = Infinity): Set<string> {
    return this.#walk(n, this.children, depth);
  }

  #walk(n: string, edges: Map<string, Set<string>>, depth: number): Set<string> {
    const seen = new Set<string>();
    let frontier = [n];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const f of frontier) {
        for (const m of edges.get(f) ?? []) {
          if (!seen.has(m) && m !== n) {
            seen.add(m);
            next.push(m);
          }
        }
      }
      frontier = next;
    }
    return seen;
  }
}

function insertSorted(xs: string[], x: string) {
  let i = 0;
  while (i < xs.length && xs[i]! < x) i++;
  xs.splice(i, 0, x);
}
