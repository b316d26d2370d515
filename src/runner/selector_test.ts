import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { parseAtom, select, type SelectionContext } from "./selector.ts";
import { finishProject } from "./project.ts";
import { nodesOf, PROJECT } from "./_test_utils.ts";

async function ctx(previous?: Map<string, string>): Promise<SelectionContext> {
  const nodes = await nodesOf([
    ["models/staging/stg_a.sql", "select 1 as id"],
    ["models/staging/stg_b.sql", "select 1 as id"],
    ["models/core/dim_a.sql", "/*\ntags: [dimension]\n*/\nselect * from {{ ref('stg_a') }}"],
    ["models/core/fact_x.sql", "/*\ntags: [fact]\n*/\nselect * from {{ ref('dim_a') }}, {{ ref('stg_b') }}"],
    ["models/marts/mart_x.sql", "/*\norder_by: id\n*/\nselect * from {{ ref('fact_x') }}"],
  ]);
  const p = finishProject("/", PROJECT, nodes);
  return { nodes: p.nodes, dag: p.dag, ...(previous ? { previous } : {}) };
}

const sorted = (s: Set<string>) => [...s].sort();

Deno.test("parseAtom() reads methods and graph operators with depths", () => {
  assertEquals(parseAtom("+fact_x"), { method: "name", value: "fact_x", parents: Infinity, children: 0 });
  assertEquals(parseAtom("2+tag:fact+1"), { method: "tag", value: "fact", parents: 2, children: 1 });
  assertThrows(() => parseAtom("colour:red"), /unknown selector method/);
});

Deno.test("select() takes everything by default and unions space-separated selectors", async () => {
  const c = await ctx();
  assertEquals(select(c, []).size, 5);
  assertEquals(sorted(select(c, ["stg_a dim_a"])), ["dim_a", "stg_a"]);
});

Deno.test("select() follows +name (ancestors) and name+ (descendants)", async () => {
  const c = await ctx();
  assertEquals(sorted(select(c, ["+fact_x"])), ["dim_a", "fact_x", "stg_a", "stg_b"]);
  assertEquals(sorted(select(c, ["dim_a+"])), ["dim_a", "fact_x", "mart_x"]);
  assertEquals(sorted(select(c, ["1+fact_x"])), ["dim_a", "fact_x", "stg_b"]);
});

Deno.test("select() matches tag:, path:, engine:, globs, intersections and --exclude", async () => {
  const c = await ctx();
  assertEquals(sorted(select(c, ["tag:fact"])), ["fact_x"]);
  assertEquals(sorted(select(c, ["path:models/staging"])), ["stg_a", "stg_b"]);
  assertEquals(sorted(select(c, ["path:core"])), ["dim_a", "fact_x"]);
  assertEquals(sorted(select(c, ["engine:clickhouse"])), ["mart_x"]);
  assertEquals(sorted(select(c, ["stg_*"])), ["stg_a", "stg_b"]);
  assertEquals(sorted(select(c, ["+mart_x,path:core"])), ["dim_a", "fact_x"]);
  assertEquals(sorted(select(c, ["+fact_x"], ["path:staging"])), ["dim_a", "fact_x"]);
});

Deno.test("select() with state:modified picks new and changed nodes against a previous manifest", async () => {
  const now = await ctx();
  const previous = new Map([...now.nodes.values()].map((n) => [n.name, n.checksum]));
  previous.set("dim_a", "old");
  previous.delete("stg_b");
  const c = await ctx(previous);
  assertEquals(sorted(select(c, ["state:modified"])), ["dim_a", "stg_b"]);
  assertEquals(sorted(select(c, ["state:new"])), ["stg_b"]);
  assertEquals(sorted(select(c, ["state:modified+"])), ["dim_a", "fact_x", "mart_x", "stg_b"]);
  const none = await ctx();
  assertThrows(() => select(none, ["state:modified"]), /previous manifest/);
});

Deno.test("select() fails on a name that matches nothing", async () => {
  const c = await ctx();
  assertThrows(() => select(c, ["fact_y"]), /matches no model/);
});
