/**
 * Node selection, dbt style.
 *
 * - Space-separated selectors are a union; comma-joined ones (`tag:fact,path:models/core`) an intersection.
 * - Methods: a name (with `*` globs), `tag:x`, `path:x` (a folder or file prefix, relative to the project root
 *   or to models/), `engine:postgres|clickhouse`, `state:modified` (new or a changed checksum of SQL + config
 *   against a previous manifest) and `state:new`.
 * - Graph operators: `+name` (with all its ancestors), `name+` (with all its descendants), `2+name` / `name+1`
 *   (bounded depth).
 *
 * @module
 */
import type { Dag } from "./dag.ts";
import type { Node } from "./types.ts";

/** A selector could not be understood or matched nothing it must match. */
export class SelectorError extends Error {
  override name = "SelectorError";
}

/** What selection needs to know about the project. */
export interface SelectionContext {
  nodes: Map<string, Node>;
  dag: Dag;
  /** Checksums by node name from a previous manifest (for `state:`); undefined when there is none. */
  previous?: Map<string, string>;
}

/** One parsed selector atom. */
export interface Atom {
  method: "name" | "tag" | "path" | "engine" | "state";
  value: string;
  parents: number;
  children: number;
}

/** Parse one atom like `2+tag:fact+`. */
export function parseAtom(text: string): Atom {
  const m = /^(\d*\+)?([^+]+?)(\+\d*)?$/.exec(text);
  if (!m || m[2] === undefined) throw new SelectorError(`cannot read selector '${text}'`);
  const depth = (
    op: string | undefined,
    digits: string,
  ) => (op === undefined ? 0 : digits === "" ? Infinity : Number(digits));
  const parents = depth(m[1], (m[1] ?? "").replace("+", ""));
  const children = depth(m[3], (m[3] ?? "").replace("+", ""));
  const body = m[2];
  const colon = body.indexOf(":");
  if (colon < 0) return { method: "name", value: body, parents, children };
  const method = body.slice(0, colon);
  const value = body.slice(colon + 1);
  if (!["tag", "path", "engine", "state"].includes(method)) {
    throw new SelectorError(`unknown selector method '${method}:' (tag, path, engine, state)`);
  }
  if (method === "state" && !["modified", "new"].includes(value)) {
    throw new SelectorError(`state:${value} is not supported (state:modified, state:new)`);
  }
  return { method: method as Atom["method"], value, parents, children };
}

function glob(pattern: string): RegExp {
  return new RegExp("^" + pattern.split("*").map((p) => p.replace(/[.?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
}

function matchAtom(atom: Atom, ctx: SelectionContext): Set<string> {
  const out = new Set<string>();
  for (const n of ctx.nodes.values()) {
    let hit = false;
    switch (atom.method) {
      case "name":
        hit = glob(atom.value).test(n.name);
        break;
      case "tag":
        hit = n.config.tags.includes(atom.value);
        break;
      case "path": {
        const v = atom.value.replace(/\/$/, "");
        hit = [n.path, n.path.replace(/^models\//, "")].some((p) => p === v || p.startsWith(v + "/"));
        break;
      }
      case "engine":
        hit = n.config.engine === atom.value;
        break;
      case "state": {
        if (!ctx.previous) throw new SelectorError("state: selectors need a previous manifest (--state <dir>)");
        const prior = ctx.previous.get(n.name);
        hit = atom.value === "new" ? prior === undefined : prior !== n.checksum;
        break;
      }
    }
    if (hit) out.add(n.name);
  }
  for (const n of [...out]) {
    if (atom.parents > 0) { for (const u of ctx.dag.upstream(n, atom.parents)) out.add(u); }
    if (atom.children > 0) { for (const d of ctx.dag.downstream(n, atom.children)) out.add(d); }
  }
  return out;
}

/** Nodes matched by one selector (a comma-joined intersection of atoms). */
export function matchSelector(selector: string, ctx: SelectionContext): Set<string> {
  const sets = selector.split(",").filter((s) => s !== "").map((a) => matchAtom(parseAtom(a), ctx));
  if (sets.length === 0) return new Set();
  return sets.reduce((acc, s) => new Set([...acc].filter((x) => s.has(x))));
}

/**
 * The selected node names: the union of `select` (everything when empty) minus the union of `exclude`.
 * A name selector that matches nothing is an error (a typo should not silently run nothing).
 */
export function select(ctx: SelectionContext, selectors: string[], exclude: string[] = []): Set<string> {
  const split = (xs: string[]) => xs.flatMap((x) => x.split(/\s+/)).filter((x) => x !== "");
  const sel = split(selectors);
  const chosen = new Set<string>();
  if (sel.length === 0) { for (const n of ctx.nodes.keys()) chosen.add(n); }
  for (const s of sel) {
    const hit = matchSelector(s, ctx);
    if (hit.size === 0 && !s.includes(":") && !s.includes("*")) {
      throw new SelectorError(`selector '${s}' matches no model, seed or test`);
    }
    for (const n of hit) chosen.add(n);
  }
  for (const s of split(exclude)) for (const n of matchSelector(s, ctx)) chosen.delete(n);
  return chosen;
}
