/** Shared fixtures of the runner's unit tests: a small project file and nodes built from file texts. */
import { modelNode, parseProjectFile, type ProjectFile } from "./project.ts";
import type { Node } from "./types.ts";

/** A small project file shared by the runner's unit tests. */
export const PROJECT: ProjectFile = parseProjectFile(
  `name: t
models:
  staging: { engine: postgres, schema: staging, materialized: view }
  core: { engine: postgres, schema: core, materialized: table }
  marts: { engine: clickhouse, materialized: table }
  tests: { engine: postgres }
seeds: { schema: staging }
sources:
  landing: { schema: landing, tables: { events: null } }
`,
  "models/project.yml",
);

/** Build nodes from `[path, text]` pairs. */
export async function nodesOf(files: [string, string][]): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  for (const [path, text] of files) {
    const folder = path.split("/")[1]!;
    const n = await modelNode(text, path, folder, PROJECT.models[folder]!, folder === "tests" ? "test" : "model");
    out.set(n.name, n);
  }
  return out;
}
