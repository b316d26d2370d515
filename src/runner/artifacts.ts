/**
 * Artifacts under the target directory: `manifest.json` (every node with its config, dependencies, checksum and
 * compiled SQL path), `run_results.json` (status, timing, rows and test results per node), `compiled/` (each
 * node's SQL as a full build renders it) and `run/` (the SQL a run actually executed, increments included).
 *
 * @module
 */
import { join } from "node:path";
import type { Project } from "./project.ts";
import { testParents } from "./project.ts";
import { qualified, relationOf, type Targets } from "./compile.ts";
import type { NodeResult } from "./execute.ts";

/** One node as the manifest records it. */
export interface ManifestNode {
  name: string;
  kind: string;
  path: string;
  folder: string;
  engine: string;
  materialized: string;
  relation: string;
  description: string;
  grain: string;
  tags: string[];
  config: Record<string, unknown>;
  columns: { name: string; description: string; tests: string[] }[];
  depends_on: { nodes: string[]; sources: string[]; tests: string[] };
  checksum: string;
  compiled_path: string;
}

/** The manifest: nodes, sources, and the parent and child maps. */
export interface Manifest {
  metadata: { generated_at: string; project: string; format: 1 };
  nodes: Record<string, ManifestNode>;
  sources: Record<string, { schema: string; description: string; tables: Record<string, string> }>;
  parent_map: Record<string, string[]>;
  child_map: Record<string, string[]>;
}

/** Build the manifest of a project. */
export function buildManifest(project: Project, targets: Targets): Manifest {
  const nodes: Record<string, ManifestNode> = {};
  for (const n of [...project.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const { columns, tests: _tests, ...config } = n.config;
    nodes[n.name] = {
      name: n.name,
      kind: n.kind,
      path: n.path,
      folder: n.folder,
      engine: n.config.engine,
      materialized: n.kind === "test" ? "test" : n.config.materialized,
      relation: n.kind === "test" ? "" : qualified(relationOf(n, targets)),
      description: n.config.description,
      grain: n.config.grain,
      tags: n.config.tags,
      config,
      columns: columns.map((c) => ({
        name: c.name,
        description: c.description,
        tests: c.tests.map((t) => t.kind === "relationships" ? `relationships(${t.to}.${t.field})` : t.kind),
      })),
      depends_on: { nodes: n.refs, sources: n.sources, tests: testParents(n) },
      checksum: n.checksum,
      compiled_path: n.kind === "seed" ? n.path : join("compiled", n.path),
    };
  }
  const sources: Manifest["sources"] = {};
  for (const [name, s] of Object.entries(project.file.sources)) {
    sources[name] = {
      schema: targets.schemaPrefix + s.schema,
      description: s.description ?? "",
      tables: Object.fromEntries(Object.entries(s.tables).map(([t, d]) => [t, d?.description ?? ""])),
    };
  }
  const parent_map: Record<string, string[]> = {};
  const child_map: Record<string, string[]> = {};
  for (const name of project.dag.nodes) {
    parent_map[name] = [...project.dag.parents.get(name)!].sort();
    child_map[name] = [...project.dag.children.get(name)!].sort();
  }
  return {
    metadata: { generated_at: new Date().toISOString(), project: project.file.name, format: 1 },
    nodes,
    sources,
    parent_map,
    child_map,
  };
}

/** Checksums by node name from a manifest file, or undefined when there is none. */
export async function readChecksums(dir: string): Promise<Map<string, string> | undefined> {
  try {
    const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as Manifest;
    return new Map(Object.values(m.nodes).map((n) => [n.name, n.checksum]));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Write manifest.json. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** Write run_results.json. */
export async function writeRunResults(
  dir: string,
  command: string,
  elapsedMs: number,
  results: NodeResult[],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const body = { metadata: { generated_at: new Date().toISOString(), command }, elapsed_ms: elapsedMs, results };
  await Deno.writeTextFile(join(dir, "run_results.json"), JSON.stringify(body, null, 2) + "\n");
}
