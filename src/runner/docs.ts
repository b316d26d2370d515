/**
 * `models docs`: a browsable, self-contained catalog (one HTML page with no external assets, plus its JSON):
 * every model, seed and test with its grain, description, columns, tests, upstream and downstream, and a
 * lineage graph drawn as SVG.
 *
 * @module
 */
import { join } from "node:path";
import type { Project } from "./project.ts";
import type { Manifest, ManifestNode } from "./artifacts.ts";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const COLORS: Record<string, string> = {
  source: "#e8e8e8",
  seeds: "#fde2b8",
  staging: "#d6e9ff",
  core: "#c9f0d3",
  marts: "#f3d4f5",
  tests: "#ffd6d6",
};

/** Layer (longest path from a root) of every node, sources included as `source:<schema.table>`. */
function layers(project: Project): Map<string, number> {
  const level = new Map<string, number>();
  for (const name of project.dag.order()) {
    const n = project.nodes.get(name)!;
    const parents = [...project.dag.parents.get(name)!];
    let l = n.sources.length > 0 ? 1 : 0;
    for (const p of parents) l = Math.max(l, (level.get(p) ?? 0) + 1);
    level.set(name, l);
  }
  for (const n of project.nodes.values()) for (const s of n.sources) level.set(`source:${s}`, 0);
  return level;
}

/** The lineage graph as an SVG string. */
export function lineageSvg(project: Project): string {
  const level = layers(project);
  const columns = new Map<number, string[]>();
  for (const [name, l] of level) columns.set(l, [...(columns.get(l) ?? []), name]);
  const folderOf = (name: string) => name.startsWith("source:") ? "source" : project.nodes.get(name)!.folder;
  const pos = new Map<string, { x: number; y: number }>();
  const W = 210, H = 20, GX = 270, GY = 26;
  let maxRows = 0;
  for (const [l, names] of columns) {
    names.sort((a, b) => (folderOf(a) + a < folderOf(b) + b ? -1 : 1));
    names.forEach((n, i) => pos.set(n, { x: 10 + l * GX, y: 10 + i * GY }));
    maxRows = Math.max(maxRows, names.length);
  }
  const width = 20 + (Math.max(...columns.keys()) + 1) * GX;
  const height = 20 + maxRows * GY;
  const edges: string[] = [];
  const edge = (from: string, to: string) => {
    const a = pos.get(from), b = pos.get(to);
    if (!a || !b) return;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    edges.push(
      `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" class="e" data-from="${esc(from)}" data-to="${
        esc(to)
      }"/>`,
    );
  };
  for (const n of project.nodes.values()) {
    for (const p of project.dag.parents.get(n.name)!) edge(p, n.name);
    for (const s of n.sources) edge(`source:${s}`, n.name);
  }
  const boxes = [...pos].map(([name, p]) => {
    const label = name.startsWith("source:") ? name.slice(7) : name;
    const href = name.startsWith("source:") ? "#sources" : `#${name}`;
    return `<a href="${href}"><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="4" fill="${
      COLORS[folderOf(name)] ?? "#eee"
    }" stroke="#888"/>` +
      `<text x="${p.x + 6}" y="${p.y + 14}">${esc(label)}</text></a>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<style>.e{fill:none;stroke:#9aa;stroke-width:1}text{font:11px sans-serif}</style>${edges.join("")}${
      boxes.join("")
    }</svg>`;
}

function links(names: string[]): string {
  return names.length ? names.map((n) => `<a href="#${esc(n)}">${esc(n)}</a>`).join(", ") : "<i>none</i>";
}

function section(n: ManifestNode, manifest: Manifest): string {
  const up = manifest.parent_map[n.name] ?? [];
  const down = manifest.child_map[n.name] ?? [];
  const cols = n.columns.map((c) =>
    `<tr><td><code>${esc(c.name)}</code></td><td>${esc(c.description)}</td><td>${esc(c.tests.join(", "))}</td></tr>`
  ).join("");
  const cfg = n.config as Record<string, unknown>;
  const facts = [
    ["kind", n.kind],
    ["engine", n.engine],
    ["materialized", n.materialized],
    ["relation", n.relation],
    ["unique key", (cfg.unique_key as string[] | undefined)?.join(", ") ?? ""],
    [
      "incremental",
      cfg.incremental_strategy
        ? `${cfg.incremental_strategy} on ${cfg.time_column ?? cfg.updated_at ?? ""}, lookback ${cfg.lookback}`
        : "",
    ],
    ["tags", n.tags.join(", ")],
    ["file", n.path],
  ].filter(([, v]) => v !== "" && v !== undefined);
  return `<section id="${esc(n.name)}"><h2>${esc(n.name)}</h2>
<p class="grain"><b>Grain:</b> ${esc(n.grain || "(not stated)")}</p>
<p>${esc(n.description)}</p>
<table class="facts">${facts.map(([k, v]) => `<tr><th>${k}</th><td>${esc(String(v))}</td></tr>`).join("")}</table>
<p><b>Upstream:</b> ${links(up)}${
    n.depends_on.sources.length ? `; sources ${esc(n.depends_on.sources.join(", "))}` : ""
  }</p>
<p><b>Downstream:</b> ${links(down)}</p>
${cols ? `<table class="cols"><tr><th>column</th><th>description</th><th>tests</th></tr>${cols}</table>` : ""}
</section>`;
}

/** Write `index.html` and `catalog.json` into `dir`; returns the files written. */
export async function writeCatalog(project: Project, manifest: Manifest, dir: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const nodes = Object.values(manifest.nodes);
  const groups = ["seeds", "staging", "core", "marts", "tests"];
  const toc = groups.map((g) => {
    const members = nodes.filter((n) => n.folder === g);
    return members.length
      ? `<h3>${g}</h3><ul>${members.map((n) => `<li><a href="#${esc(n.name)}">${esc(n.name)}</a></li>`).join("")}</ul>`
      : "";
  }).join("");
  const sources = Object.entries(manifest.sources).map(([name, s]) =>
    `<li><b>${esc(name)}</b> (schema <code>${esc(s.schema)}</code>): ${esc(s.description)}<ul>${
      Object.entries(s.tables).map(([t, d]) => `<li><code>${esc(t)}</code> ${esc(d)}</li>`).join("")
    }</ul></li>`
  ).join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(project.file.name)} model catalog</title>
<style>body{font:14px sans-serif;margin:0;display:flex}nav{width:260px;height:100vh;overflow:auto;position:sticky;top:0;
background:#f6f6f6;padding:10px;box-sizing:border-box}main{flex:1;padding:16px;overflow:auto}section{border-top:1px solid #ddd;
padding:8px 0}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
.facts th{background:#fafafa}.grain{background:#fffbe6;padding:4px}#lineage{overflow:auto;border:1px solid #ddd}
nav ul{padding-left:16px;margin:4px 0}</style></head><body>
<nav><h2>${esc(project.file.name)}</h2><p>Generated ${esc(manifest.metadata.generated_at)}</p>
<a href="#lineage-h">Lineage</a> &middot; <a href="#sources">Sources</a>${toc}</nav>
<main><h1 id="lineage-h">Lineage</h1><p>Sources (grey), seeds (orange), staging (blue), core star schema (green),
ClickHouse marts (violet), singular tests (red). Click a box to jump to it.</p><div id="lineage">${
    lineageSvg(project)
  }</div>
<h1 id="sources">Sources</h1><ul>${sources}</ul>
<h1>Nodes</h1>${nodes.map((n) => section(n, manifest)).join("\n")}</main></body></html>
`;
  const files = [join(dir, "index.html"), join(dir, "catalog.json")];
  await Deno.writeTextFile(files[0]!, html);
  await Deno.writeTextFile(files[1]!, JSON.stringify(manifest, null, 2) + "\n");
  return files;
}
