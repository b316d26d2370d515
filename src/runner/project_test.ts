import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { finishProject } from "./project.ts";
import { nodesOf, PROJECT } from "./_test_utils.ts";

Deno.test("modelNode() reads refs, sources and a checksum that changes with SQL or config", async () => {
  const a = await nodesOf([[
    "models/core/m.sql",
    "/*\ntags: [x]\n*/\nselect * from {{ ref('s') }}, {{ source('landing', 'events') }}",
  ]]);
  const n = a.get("m")!;
  assertEquals([n.refs, n.sources, n.config.tags, n.sqlLine], [["s"], ["landing.events"], ["x"], 3]);
  const b = await nodesOf([[
    "models/core/m.sql",
    "/*\ntags: [y]\n*/\nselect * from {{ ref('s') }}, {{ source('landing', 'events') }}",
  ]]);
  assert(b.get("m")!.checksum !== n.checksum);
});

Deno.test("finishProject() rejects a ref to an unknown model, naming the file and line", async () => {
  const nodes = await nodesOf([["models/core/m.sql", "select 1\nfrom {{ ref('nope') }}"]]);
  assertRejects(
    () => Promise.resolve().then(() => finishProject("/", PROJECT, nodes)),
    /models\/core\/m\.sql:2: ref\('nope'\) names no model/,
  );
});

Deno.test("finishProject() warns when a model reads another model's table without ref", async () => {
  const nodes = await nodesOf([
    ["models/staging/stg_a.sql", "select 1 as id"],
    ["models/core/dim_a.sql", "select * from staging.stg_a"],
  ]);
  const p = finishProject("/", PROJECT, nodes);
  assertEquals(p.warnings.length, 1);
  assert(p.warnings[0]!.includes("reads 'stg_a' without {{ ref('stg_a') }}"));
});

Deno.test("finishProject() orders a relationships test's parent before the child", async () => {
  const nodes = await nodesOf([
    [
      "models/core/a_fact.sql",
      "/*\ncolumns:\n  k: { tests: [{ relationships: { to: z_dim, field: k } }] }\n*/\nselect 1 as k",
    ],
    ["models/core/z_dim.sql", "select 1 as k"],
  ]);
  assertEquals(finishProject("/", PROJECT, nodes).dag.order(), ["z_dim", "a_fact"]);
});

Deno.test("finishProject() gives a singular test over ClickHouse models the ClickHouse engine", async () => {
  const nodes = await nodesOf([
    ["models/marts/mart.sql", "/*\norder_by: id\n*/\nselect 1 as id"],
    ["models/tests/mart_has_rows.sql", "select 1 where (select count() from {{ ref('mart') }}) = 0"],
  ]);
  finishProject("/", PROJECT, nodes);
  assertEquals(nodes.get("mart_has_rows")!.config.engine, "clickhouse");
});
