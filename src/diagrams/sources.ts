/**
 * The diagrams, each built from the project's own metadata so it cannot drift: the Compose file and the native
 * stack's services (architecture), the model project's headers (star schema: tables, keys and `relationships`
 * tests; ClickHouse marts: columns and refs), the graph model's labels and relationship types (Neo4j), and the
 * Airflow DAGs' step lists (read from `dags/socialpulse_lib/steps.py` by Python itself).
 *
 * @module
 */
import type { Project } from "../runner/project.ts";
import { IMMUTABLE_RELS, LABELS, STATEFUL } from "../graph/model.ts";
import { type Arrow, type Box, box, chunks, type Diagram, rows } from "./model.ts";

/** A Compose service as the architecture needs it. */
interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
  profiles?: string[];
  environment?: Record<string, string>;
  networks?: Record<string, { aliases?: string[] } | null> | string[];
}

/** A native service: its name and endpoint (dev/services/*.ts). */
export interface NativeService {
  name: string;
  endpoint: string;
}

/** A DAG step (dags/socialpulse_lib/steps.py). */
export interface DagStep {
  task_id: string;
  args: string[];
  pool: string;
}

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");

/** The architecture under Compose: every service with its ports, start order and the connections in its env. */
export function composeDiagram(compose: { services: Record<string, ComposeService> }): Diagram {
  const names = Object.keys(compose.services);
  const aliasOf = new Map<string, string[]>();
  for (const [n, s] of Object.entries(compose.services)) {
    const nets = s.networks && !Array.isArray(s.networks) ? Object.values(s.networks) : [];
    for (const alias of [n, ...nets.flatMap((x) => x?.aliases ?? [])]) {
      aliasOf.set(alias, [...(aliasOf.get(alias) ?? []), n]);
    }
  }
  const isApp = (s: ComposeService) => /^socialpulse-/.test(s.image ?? "") || s.build !== undefined;
  const isHelper = (n: string) => /(-init|-roles|-secrets|-proxy|-db)$/.test(n);
  const make = (n: string) => {
    const s = compose.services[n]!;
    const lines = [
      s.image ? `image: ${s.image.replace(/:.*$/, "")}` : "built here",
      ...(s.ports ?? []).map((p) => `port ${String(p).replace(/^127\.0\.0\.1:/, "")}`),
      ...(s.profiles ? [`profile: ${s.profiles.join(", ")}`] : []),
    ];
    return box(id(n), n, lines, isApp(s) ? "app" : isHelper(n) ? "source" : "store", 170);
  };
  const stores = names.filter((n) => !isApp(compose.services[n]!) && !isHelper(n));
  const helpers = names.filter((n) => !isApp(compose.services[n]!) && isHelper(n));
  const apps = names.filter((n) => isApp(compose.services[n]!));
  const boxes = rows([...chunks(apps, 6), ...chunks(helpers, 6), ...chunks(stores, 6)].map((r) => r.map(make)));
  const arrows: Arrow[] = [];
  for (const [n, s] of Object.entries(compose.services)) {
    const targets = new Map<string, string>();
    for (const [k, v] of Object.entries(s.environment ?? {})) {
      for (const m of String(v).matchAll(/(?:\/\/|@|^)([a-z][a-z0-9-]*)(?::(\d+))?/g)) {
        for (const t of aliasOf.get(m[1]!) ?? []) {
          if (t !== n && !targets.has(t)) targets.set(t, m[2] ? `:${m[2]}` : k);
        }
      }
    }
    // Every app service carries the same connection settings (x-app-env); drawing them all would hide the picture.
    // The task image's `tasks` service stands for them (Airflow runs every step in a container of that image), and
    // Airflow's own services show only their links to Airflow's database, API server and the Docker proxy.
    const shown = n === "tasks"
      ? [...targets]
      : n.startsWith("airflow-")
      ? [...targets].filter(([t]) => /^(airflow-|docker-)/.test(t))
      : [];
    for (const [t, label] of shown) arrows.push({ from: id(n), to: id(t), label });
  }
  return {
    name: "architecture-compose",
    title: "socialpulse under Docker Compose (docker/compose.yml); arrows: connections in the environment",
    boxes,
    arrows,
  };
}

/** The native stack and the data flow between the stages, with the endpoint of every service. */
export function nativeDiagram(services: NativeService[]): Diagram {
  const svc = (n: string) => {
    const s = services.find((x) => x.name === n);
    return s ? [box(id(s.name), s.name, [s.endpoint], "store", 190)] : [];
  };
  const apps = [
    box("generator", "deno task generate", ["minute JSON Lines drops"], "app"),
    box("pipeline", "extract > validate > clean > load", ["deno task pipeline / Airflow"], "app"),
    box("models", "deno task models build", ["staging, star schema, marts"], "app"),
    box("consumers", "dashboard, export, tableau", ["deno task dashboard | export | tableau"], "app"),
    box("graph", "deno task graph sync | metrics", ["social graph, PageRank"], "app"),
  ];
  const ch = box("clickhouse", "clickhouse (chDB, in-process)", ["chdb://.dev/data/clickhouse"], "store", 190);
  const others = services.filter((s) => !["s3", "postgres", "neo4j", "smtp"].includes(s.name)).map((s) => s.name);
  const boxes = rows([apps, [
    ...svc("s3"),
    ...svc("postgres"),
    ch,
    ...svc("smtp"),
    ...svc("neo4j"),
    ...others.flatMap(svc),
  ]], 60);
  const arrows: Arrow[] = [];
  const flow = (from: string, to: string, label: string) => {
    if (boxes.some((b) => b.id === from) && boxes.some((b) => b.id === to)) arrows.push({ from, to, label });
  };
  flow("generator", "s3", "events/*.jsonl");
  flow("s3", "pipeline", "raw files");
  flow("pipeline", "postgres", "etl, landing");
  flow("postgres", "models", "landing.events");
  flow("models", "clickhouse", "marts");
  flow("clickhouse", "consumers", "marts");
  flow("pipeline", "smtp", "alert mail");
  flow("postgres", "graph", "star schema");
  flow("graph", "neo4j", "sync");
  return {
    name: "architecture-native",
    title: "socialpulse natively (deno task stack:up, deno task start)",
    boxes,
    arrows,
  };
}

const keyLines = (cols: { name: string }[]) => cols.filter((c) => !c.name.startsWith("(")).map((c) => c.name);

/** The PostgreSQL star schema: every table of models/core with its declared columns, and its relationships. */
export function starDiagram(project: Project): Diagram {
  const core = [...project.nodes.values()].filter((n) => n.kind === "model" && n.folder === "core")
    .sort((a, b) => a.name.localeCompare(b.name));
  const make = (n: typeof core[number]) =>
    box(id(n.name), n.name, keyLines(n.config.columns), n.name.startsWith("dim_") ? "dim" : "fact", 170);
  const dims = core.filter((n) => n.name.startsWith("dim_"));
  const facts = core.filter((n) => !n.name.startsWith("dim_"));
  const boxes = rows([...chunks(dims, 6), ...chunks(facts, 6)].map((r) => r.map(make)));
  const arrows: Arrow[] = [];
  for (const n of core) {
    for (const c of n.config.columns) {
      for (const t of c.tests) {
        if (t.kind === "relationships" && project.nodes.has(t.to)) {
          // Unlabelled: the key column is listed in the box; ~90 labels would cover the picture.
          arrows.push({ from: id(n.name), to: id(t.to), label: "" });
        }
      }
    }
  }
  return { name: "star-schema", title: "PostgreSQL star schema (models/core, relationships tests)", boxes, arrows };
}

/** The ClickHouse marts: every model of models/marts with its columns, and what each reads (refs). */
export function martsDiagram(project: Project): Diagram {
  const marts = [...project.nodes.values()].filter((n) => n.kind === "model" && n.folder === "marts")
    .sort((a, b) => a.name.localeCompare(b.name));
  const names = new Set(marts.map((m) => m.name));
  const upstream = [...new Set(marts.flatMap((m) => m.refs).filter((r) => !names.has(r)))].sort();
  const ints = marts.filter((m) => !m.name.startsWith("mart_"));
  const finals = marts.filter((m) => m.name.startsWith("mart_"));
  const boxes: Box[] = rows([
    ...chunks(upstream.map((u) => box(id(u), u, [], "source", 120)), 8),
    ...chunks(
      ints.map((m) => box(id(m.name), m.name, [m.config.grain].filter(Boolean).map((g) => g.slice(0, 60)), "fact")),
      5,
    ),
    ...chunks(finals.map((m) => box(id(m.name), m.name, keyLines(m.config.columns), "mart", 170)), 6),
  ]);
  const arrows = marts.flatMap((m) => m.refs.map((r) => ({ from: id(r), to: id(m.name), label: "" })));
  return { name: "clickhouse-marts", title: "ClickHouse marts (models/marts) and what they read", boxes, arrows };
}

/** Ends of the relationships that are created once (the stateful ones name theirs in the graph model). */
const IMMUTABLE_ENDS: Record<string, [string, string][]> = {
  POSTED: [["User", "Publication"], ["User", "Share"]],
  SHARED: [["Share", "Publication"], ["Share", "Share"]],
  ABOUT: [["Publication", "Topic"], ["Community", "Topic"]],
};

/** The Neo4j graph model: labels and every relationship type. */
export function graphDiagram(): Diagram {
  const at = (l: string, x: number, y: number): Box => ({ ...box(l, `(:${l})`, ["key (unique)"], "node", 160), x, y });
  const boxes = [
    at("Publication", 20, 240),
    at("User", 330, 90),
    at("Community", 640, 240),
    at("Share", 330, 400),
    at("Topic", 640, 460),
  ];
  const arrows: Arrow[] = [];
  for (const [type, rel] of Object.entries(STATEFUL)) {
    arrows.push({ from: "User", to: rel.to, label: type + (rel.undirected ? " (undirected)" : "") });
  }
  for (const type of IMMUTABLE_RELS) {
    const ends = IMMUTABLE_ENDS[type];
    if (!ends) throw new Error(`graph diagram: relationship ${type} has no ends in IMMUTABLE_ENDS`);
    for (const [from, to] of ends) arrows.push({ from, to, label: type, dashed: true });
  }
  for (const l of LABELS) {
    if (!boxes.some((b) => b.id === l)) throw new Error(`graph diagram: label ${l} has no box`);
  }
  return { name: "neo4j-graph", title: "Neo4j graph model (src/graph/model.ts); dashed: created once", boxes, arrows };
}

/** The Airflow DAGs: each step in order with its command and pool. */
export function dagDiagram(dags: Record<string, DagStep[]>): Diagram {
  const boxRows = Object.entries(dags).map(([dag, steps]) => [
    box(`dag_${id(dag)}`, dag, ["DAG"], "group", 130),
    ...steps.map((s) =>
      box(
        `${id(dag)}_${id(s.task_id)}`,
        s.task_id,
        [`deno task ${s.args[0]}`, ...s.args.slice(1).map((a) => `  ${a}`), `pool: ${s.pool}`],
        "step",
        130,
      )
    ),
  ]);
  const boxes = rows(boxRows, 50);
  const arrows: Arrow[] = [];
  for (const [dag, steps] of Object.entries(dags)) {
    const ids = [`dag_${id(dag)}`, ...steps.map((s) => `${id(dag)}_${id(s.task_id)}`)];
    for (let i = 1; i < ids.length; i++) arrows.push({ from: ids[i - 1]!, to: ids[i]!, label: "" });
  }
  return { name: "airflow-dags", title: "Airflow DAGs (dags/socialpulse_lib/steps.py)", boxes, arrows };
}
