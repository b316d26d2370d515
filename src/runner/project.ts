/**
 * Loading a project: `models/project.yml` (engine and defaults per folder, sources, seeds, how increments are
 * found), every model file under `models/`, singular tests under `models/tests/`, and seeds under `seeds/`.
 * Only headers and placeholders are parsed, never the SQL itself, so loading is fast.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { join, relative } from "node:path";
import { type Header, headerSchema, ModelError, parseHeader, resolveConfig, splitHeader } from "./header.ts";
import { scanPlaceholders, unreferencedReads } from "./template.ts";
import { Dag } from "./dag.ts";
import type { ModelConfig, Node } from "./types.ts";
import { parseSeedHeader, type SeedColumn, seedSidecarSchema } from "./seeds.ts";

const ident = z.string().regex(/^[a-z_][a-z0-9_]*$/, { message: "a lower-case SQL identifier" });

const projectSchema = z.object({
  name: z.string().min(1),
  /** Defaults per folder under models/ (`staging`, `core`, `marts`, `tests`). */
  models: z.record(z.string(), headerSchema),
  seeds: z.object({ schema: ident }).strict(),
  sources: z.record(
    z.string(),
    z.object({
      schema: ident,
      description: z.string().optional(),
      tables: z.record(z.string(), z.object({ description: z.string().optional() }).strict().nullable()),
    }).strict(),
  ),
  /**
   * How an increment finds its new data: the batches table (an id and a condition that says a batch is loaded),
   * and the events table (a batch id column and a time column).
   */
  increments: z.object({
    batches: z.object({ source: z.string(), id: ident, loaded_when: z.string().min(1) }).strict(),
    events: z.object({ source: z.string(), batch_id: ident, time: ident }).strict(),
    /** The days (UTC) each batch's events fall in, recorded by the pipeline: ClickHouse partitions to replace. */
    days: z.object({ source: z.string(), batch_id: ident, day: ident }).strict().optional(),
  }).strict().optional(),
  /** Schema of the runner's own state (processed batches per model). */
  state_schema: ident.default("runner"),
}).strict();

/** The project file, validated. */
export type ProjectFile = z.infer<typeof projectSchema>;

/** A seed's typed columns (from its CSV header or a sidecar `<name>.yml`). */
export interface SeedSpec {
  columns: SeedColumn[];
  /** CSV text without its header line. */
  file: string;
}

/** A loaded project. */
export interface Project {
  root: string;
  file: ProjectFile;
  nodes: Map<string, Node>;
  seeds: Map<string, SeedSpec>;
  dag: Dag;
  /** Non-fatal findings (a table read without ref...). */
  warnings: string[];
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}

/** sha256 of a node's text and its resolved config, hex. */
export async function checksum(text: string, config: unknown): Promise<string> {
  const data = new TextEncoder().encode(text + "\n" + JSON.stringify(config));
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parse and validate the project file. */
export function parseProjectFile(text: string, path: string): ProjectFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ModelError({ file: path, line: 1 }, `not valid YAML: ${(e as Error).message}`);
  }
  const parsed = projectSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelError({ file: path, line: 1 }, `'${issue.path.join(".")}': ${issue.message}`);
  }
  return parsed.data;
}

/** Build a model node from its file text (pure: used by the loader and by unit tests). */
export async function modelNode(
  text: string,
  path: string,
  folder: string,
  defaults: Header,
  kind: "model" | "test" = "model",
): Promise<Node> {
  const name = path.split("/").at(-1)!.replace(/\.sql$/, "");
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new ModelError({ file: path, line: 1 }, `model file names are lower-case SQL identifiers; got '${name}'`);
  }
  const split = splitHeader(text);
  const header = parseHeader(split.yaml, { file: path, line: split.yamlLine });
  const config: ModelConfig = resolveConfig(defaults, header, { file: path, line: split.yamlLine }, folder);
  const placeholders = scanPlaceholders(split.sql, path, split.sqlLine);
  const refs = [...new Set(placeholders.flatMap((p) => (p.fn === "ref" ? [p.model] : [])))].sort();
  const sources = [...new Set(placeholders.flatMap((p) => (p.fn === "source" ? [`${p.source}.${p.table}`] : [])))]
    .sort();
  if (split.sql.trim() === "") throw new ModelError({ file: path, line: split.sqlLine }, "the model has no select");
  return {
    name,
    kind,
    path,
    folder,
    config,
    sql: split.sql,
    sqlLine: split.sqlLine,
    placeholders,
    refs,
    sources,
    checksum: await checksum(text, config),
  };
}

/** Read the project at `root` (models/project.yml, models/**.sql, seeds/*.csv). */
export async function loadProject(root: string): Promise<Project> {
  const projectPath = join(root, "models", "project.yml");
  const file = parseProjectFile(await Deno.readTextFile(projectPath), relative(root, projectPath));
  const nodes = new Map<string, Node>();
  const seeds = new Map<string, SeedSpec>();
  const add = (n: Node) => {
    const prior = nodes.get(n.name);
    if (prior) {
      throw new ModelError(
        { file: n.path, line: 1 },
        `name '${n.name}' is also used by ${prior.path}; names are unique`,
      );
    }
    nodes.set(n.name, n);
  };

  for await (const abs of walk(join(root, "models"))) {
    if (!abs.endsWith(".sql")) continue;
    const path = relative(root, abs);
    const folder = path.split("/")[1]!;
    if (path.split("/").length < 3) {
      throw new ModelError(
        { file: path, line: 1 },
        "models live in a folder under models/ (staging, core, marts, tests)",
      );
    }
    const defaults = file.models[folder];
    if (!defaults) {
      throw new ModelError(
        { file: path, line: 1 },
        `folder '${folder}' has no entry under 'models' in models/project.yml (engine and defaults per folder)`,
      );
    }
    add(await modelNode(await Deno.readTextFile(abs), path, folder, defaults, folder === "tests" ? "test" : "model"));
  }

  for await (const abs of walk(join(root, "seeds"))) {
    if (!abs.endsWith(".csv")) continue;
    const path = relative(root, abs);
    const name = path.split("/").at(-1)!.replace(/\.csv$/, "");
    const text = await Deno.readTextFile(abs);
    let sidecar: z.infer<typeof seedSidecarSchema> | undefined;
    try {
      const sidecarText = await Deno.readTextFile(abs.replace(/\.csv$/, ".yml"));
      const parsed = seedSidecarSchema.safeParse(parseYaml(sidecarText));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ModelError(
          { file: path.replace(/\.csv$/, ".yml"), line: 1 },
          `'${issue.path.join(".")}': ${issue.message}`,
        );
      }
      sidecar = parsed.data;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const newline = text.indexOf("\n");
    const headerLine = (newline < 0 ? text : text.slice(0, newline)).replace(/\r$/, "");
    const columns = parseSeedHeader(headerLine, sidecar, { file: path, line: 1 });
    seeds.set(name, { columns, file: newline < 0 ? "" : text.slice(newline + 1) });
    const config = resolveConfig(
      { materialized: "table", engine: "postgres", schema: file.seeds.schema, tags: ["seed"] },
      {
        description: sidecar?.description ?? "",
        columns: headerSchema.shape.columns.parse(
          Object.fromEntries(columns.map((c) => [c.name, { description: c.description, tests: c.tests }])),
        ),
      },
      { file: path, line: 1 },
      file.seeds.schema,
    );
    add({
      name,
      kind: "seed",
      path,
      folder: "seeds",
      config: { ...config, grain: sidecar?.grain ?? "" },
      sql: "",
      sqlLine: 1,
      placeholders: [],
      refs: [],
      sources: [],
      checksum: await checksum(text, { config, columns }),
    });
  }
  return finishProject(root, file, nodes, seeds);
}

/** Validate refs and sources, infer test engines, build the DAG and collect warnings. */
export function finishProject(
  root: string,
  file: ProjectFile,
  nodes: Map<string, Node>,
  seeds: Map<string, SeedSpec> = new Map(),
): Project {
  const warnings: string[] = [];
  const modelNames = new Set([...nodes.values()].filter((n) => n.kind !== "test").map((n) => n.name));
  for (const n of nodes.values()) {
    for (const p of n.placeholders) {
      if (p.fn === "ref") {
        const target = nodes.get(p.model);
        if (!target || target.kind === "test") {
          throw new ModelError(p.at, `ref('${p.model}') names no model or seed${suggest(p.model, modelNames)}`);
        }
      }
      if (p.fn === "source") {
        const src = file.sources[p.source];
        if (!src || !(p.table in src.tables)) {
          throw new ModelError(p.at, `source('${p.source}', '${p.table}') is not declared in models/project.yml`);
        }
      }
    }
    for (const t of [...n.config.tests, ...n.config.columns.flatMap((c) => c.tests)]) {
      if (t.kind === "relationships" && !modelNames.has(t.to)) {
        throw new ModelError({ file: n.path, line: n.sqlLine }, `relationships test refers to unknown model '${t.to}'`);
      }
    }
    const others = new Set([...modelNames].filter((m) => m !== n.name && !n.refs.includes(m)));
    for (const m of unreferencedReads(n.sql, others)) {
      warnings.push(`${n.path}: reads '${m}' without {{ ref('${m}') }}; the DAG does not know this dependency`);
    }
    if (n.kind === "test" && n.config.engine === "postgres") {
      const engines = new Set(n.refs.map((r) => nodes.get(r)!.config.engine));
      if (engines.size === 1 && engines.has("clickhouse")) n.config.engine = "clickhouse";
    }
  }
  // A relationships test reads its parent: order the parent first, so an audit never sees a stale parent.
  const dag = new Dag([...nodes.values()].map((n) => [n.name, [...n.refs, ...testParents(n)]]));
  return { root, file, nodes, seeds, dag, warnings };
}

function suggest(name: string, names: Set<string>): string {
  const close = [...names].filter((n) => n.includes(name) || name.includes(n)).slice(0, 3);
  return close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(", ")}?)` : "";
}

/** Models a node's relationships tests read (ordering edges besides its refs). */
export function testParents(n: Node): string[] {
  const out = new Set<string>();
  for (const t of [...n.config.tests, ...n.config.columns.flatMap((c) => c.tests)]) {
    if (t.kind === "relationships" && t.to !== n.name) out.add(t.to);
  }
  return [...out].sort();
}
