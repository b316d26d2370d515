/**
 * `deno task diagrams`: every diagram as `docs/diagrams/<name>.drawio` (draw.io) and `<name>.svg` (our renderer),
 * regenerated from the project's metadata; `--check` fails when a file on disk differs from what the metadata
 * gives now (a stale diagram).
 *
 * @module
 */
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadProject } from "../runner/project.ts";
import { TaskFailure } from "../task.ts";
import { toDrawio } from "./drawio.ts";
import type { Diagram } from "./model.ts";
import {
  composeDiagram,
  dagDiagram,
  type DagStep,
  graphDiagram,
  martsDiagram,
  nativeDiagram,
  type NativeService,
  starDiagram,
} from "./sources.ts";
import { toSvg } from "./svg.ts";

/** The project's metadata a diagram build reads. */
export interface DiagramInputs {
  root: string;
  /** The native stack's services with their endpoints (tasks/diagrams.ts reads dev/services). */
  native: NativeService[];
}

/** The DAGs' step lists, read by Python from the DAG package itself. */
export async function dagSteps(root: string): Promise<Record<string, DagStep[]>> {
  const code = "import json, sys; sys.path.insert(0, 'dags'); from socialpulse_lib import steps as s; " +
    "f = lambda xs: [{'task_id': x.task_id, 'args': list(x.args), 'pool': x.pool} for x in xs]; " +
    "print(json.dumps({'socialpulse (pipeline)': f(s.PIPELINE_STEPS), " +
    "'socialpulse_maintenance': f(s.MAINTENANCE_STEPS)}))";
  const out = await new Deno.Command("python3", { args: ["-c", code], cwd: root, stdout: "piped", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new TaskFailure(`cannot read the DAG steps with python3: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Every diagram, from the metadata. */
export async function buildDiagrams(inputs: DiagramInputs): Promise<Diagram[]> {
  const compose = parseYaml(await Deno.readTextFile(join(inputs.root, "docker/compose.yml")), { merge: true });
  const project = await loadProject(inputs.root);
  return [
    nativeDiagram(inputs.native),
    composeDiagram(compose),
    starDiagram(project),
    martsDiagram(project),
    graphDiagram(),
    dagDiagram(await dagSteps(inputs.root)),
  ];
}

/** The files of the diagrams: name -> content. */
export function diagramFiles(diagrams: Diagram[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of diagrams) {
    files.set(`${d.name}.drawio`, toDrawio(d));
    files.set(`${d.name}.svg`, toSvg(d));
  }
  return files;
}

/** Files in `dir` that differ from `files` (missing, changed, or a diagram file no longer generated). */
export async function staleFiles(dir: string, files: Map<string, string>): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, content] of files) {
    const onDisk = await Deno.readTextFile(join(dir, name)).catch(() => null);
    if (onDisk !== content) stale.push(name);
  }
  try {
    for await (const e of Deno.readDir(dir)) {
      if (/\.(drawio|svg)$/.test(e.name) && !files.has(e.name)) stale.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return stale.sort();
}

/** Write the files into `dir` (and remove diagram files no longer generated). */
export async function writeDiagrams(dir: string, files: Map<string, string>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of await staleFiles(dir, files)) {
    const content = files.get(name);
    if (content === undefined) await Deno.remove(join(dir, name));
    else await Deno.writeTextFile(join(dir, name), content);
  }
}
