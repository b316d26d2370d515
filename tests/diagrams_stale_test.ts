/**
 * The draw.io diagrams in docs/diagrams: each `.drawio` is well-formed XML (xmllint) in draw.io's mxGraph form
 * (cells 0 and 1 first, every edge between existing vertices), names everything it should, read independently of
 * the generator (every Compose service from the YAML, every file of models/core and models/marts, every graph
 * label and relationship type, every DAG step id from the Python source), and its SVG shows the same boxes. Then
 * `deno task diagrams --check` passes on the committed files and fails on a stale copy. Needs xmllint and python3.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT } from "../src/config.ts";
import { LABELS, REL_TYPES } from "../src/graph/model.ts";

const DIR = join(PROJECT_ROOT, "docs/diagrams");

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, cwd: PROJECT_ROOT, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const unescape = (s: string) =>
  s.replaceAll("&#10;", "\n").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");

/** Vertices (id -> first line of the label) and edges (source, target, label) of a .drawio file. */
function cells(xml: string) {
  const vertices = new Map<string, string>();
  const edges: { source: string; target: string; label: string }[] = [];
  const ids: string[] = [];
  for (const m of xml.matchAll(/<mxCell ([^>]*?)\/?>/g)) {
    const attrs = Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, unescape(a[2]!)]));
    ids.push(attrs.id!);
    if (attrs.vertex === "1") vertices.set(attrs.id!, attrs.value!.split("\n")[0]!);
    if (attrs.edge === "1") edges.push({ source: attrs.source!, target: attrs.target!, label: attrs.value ?? "" });
  }
  return { ids, vertices, edges };
}

async function diagram(name: string) {
  const xml = await Deno.readTextFile(join(DIR, `${name}.drawio`));
  const svg = await Deno.readTextFile(join(DIR, `${name}.svg`));
  const lint = await run("xmllint", ["--noout", join(DIR, `${name}.drawio`)]);
  assertEquals(lint.code, 0, lint.stderr);
  assert(/^<\?xml[^>]*\?>\n<mxfile [^>]*>\n\s*<diagram [^>]*>\n\s*<mxGraphModel [^>]*>\n\s*<root>/.test(xml), name);
  const c = cells(xml);
  assertEquals(c.ids.slice(0, 2), ["0", "1"], `${name}: cells 0 and 1 come first`);
  for (const e of c.edges) {
    assert(c.vertices.has(e.source) && c.vertices.has(e.target), `${name}: edge ${e.source} -> ${e.target}`);
  }
  const titles = new Set(c.vertices.values());
  const svgTexts = new Set([...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]!)));
  for (const t of titles) assert(svgTexts.has(t), `${name}.svg shows '${t}'`);
  return { ...c, titles, labels: new Set(c.edges.map((e) => e.label)) };
}

const sqlNames = (folder: string) =>
  [...Deno.readDirSync(join(PROJECT_ROOT, "models", folder))].filter((e) => e.name.endsWith(".sql"))
    .map((e) => e.name.replace(/\.sql$/, ""));

Deno.test("the architecture diagrams name every Compose service and every native service", async () => {
  const compose = parseYaml(await Deno.readTextFile(join(PROJECT_ROOT, "docker/compose.yml")));
  const d = await diagram("architecture-compose");
  assertEquals([...d.titles].sort(), Object.keys(compose.services).sort());
  const native = await diagram("architecture-native");
  for (const s of ["postgres", "s3", "smtp", "neo4j"]) assert(native.titles.has(s), s);
  assert([...native.titles].some((t) => t.startsWith("clickhouse")));
});

Deno.test("the star schema diagram names every table of models/core, the marts diagram every mart", async () => {
  const star = await diagram("star-schema");
  assertEquals([...star.titles].sort(), sqlNames("core").sort());
  assert(star.edges.length > 20, `relationships drawn: ${star.edges.length}`);
  const marts = await diagram("clickhouse-marts");
  for (const m of sqlNames("marts")) assert(marts.titles.has(m), m);
});

Deno.test("the graph diagram names every label and relationship type; the DAG diagram every step", async () => {
  const g = await diagram("neo4j-graph");
  for (const l of LABELS) assert(g.titles.has(`(:${l})`), l);
  for (const r of REL_TYPES) assert([...g.labels].some((x) => x.startsWith(r)), r);
  const steps = await Deno.readTextFile(join(PROJECT_ROOT, "dags/socialpulse_lib/steps.py"));
  const ids = [...steps.matchAll(/Step\(\s*"([a-z_]+)"/g)].map((m) => m[1]!);
  assert(ids.length >= 6, ids.join(","));
  const dag = await diagram("airflow-dags");
  for (const id of ids) assert(dag.titles.has(id), id);
});

Deno.test({
  name: "deno task diagrams --check passes on docs/diagrams and fails on a stale copy",
  sanitizeResources: false,
  async fn() {
    const ok = await run(Deno.execPath(), ["run", "-A", "tasks/diagrams.ts", "--check"]);
    assertEquals(ok.code, 0, `docs/diagrams is stale; run 'deno task diagrams': ${ok.stdout}${ok.stderr}`);
    const tmp = await Deno.makeTempDir({ prefix: "sp-diagrams-" });
    try {
      for (const e of Deno.readDirSync(DIR)) await Deno.copyFile(join(DIR, e.name), join(tmp, e.name));
      const star = join(tmp, "star-schema.drawio");
      await Deno.writeTextFile(star, (await Deno.readTextFile(star)).replace("dim_topic", "dim_topik"));
      const stale = await run(Deno.execPath(), ["run", "-A", "tasks/diagrams.ts", "--check", "--out", tmp]);
      assertEquals(stale.code, 1);
      assert(stale.stdout.includes("stale diagrams") && stale.stdout.includes("star-schema.drawio"), stale.stdout);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
