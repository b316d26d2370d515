/**
 * The model runner (`deno task models <command> [selector...]`): a small dbt-style runner over SQL model files
 * with a YAML header, on two engines (PostgreSQL for staging and the star schema, ClickHouse for marts).
 *
 * Commands: `run` (build models), `build` (seeds, models and their tests in DAG order, write-audit-publish),
 * `test`, `seed`, `ls`, `plan` (what would run and why), `docs` (a browsable catalog). `docs/runner.md` is the
 * user's guide.
 *
 * @module
 */
import { join } from "node:path";
import type { Sql } from "../clients/postgres.ts";
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import type { Logger } from "../log.ts";
import { loadProject, type Project } from "./project.ts";
import { select } from "./selector.ts";
import { compileNode, type Targets } from "./compile.ts";
import { pgLiteral as literal } from "./quote.ts";
import { type Decision, Executor, type NodeResult } from "./execute.ts";
import { buildManifest, readChecksums, writeManifest, writeRunResults } from "./artifacts.ts";
import { writeCatalog } from "./docs.ts";
import type { Node } from "./types.ts";

export { CycleError } from "./dag.ts";
export { ModelError } from "./header.ts";
export { SelectorError } from "./selector.ts";
export { loadProject } from "./project.ts";
export type { NodeResult } from "./execute.ts";

/** Every command. */
export const COMMANDS = ["run", "build", "test", "seed", "ls", "plan", "docs", "compile"] as const;
/** One command. */
export type Command = typeof COMMANDS[number];

/** The runner's arguments, parsed from the command line by tasks/models.ts. */
export interface RunnerArgs {
  command: Command;
  selectors: string[];
  exclude: string[];
  fullRefresh: boolean;
  vars: Record<string, string>;
  /** Where artifacts go (default target/). */
  targetDir: string;
  /**
   * Folder holding the manifest.json that `state:` selectors compare with (default: the target dir, whose manifest
   * only a successful `run` or `build` writes).
   */
  stateDir?: string;
  /** Where `docs` writes the catalog. */
  docsDir: string;
}

/** What the runner needs; clients are injected, ClickHouse is opened only if a ClickHouse node runs. */
export interface RunnerDeps {
  root: string;
  sql: Sql;
  clickhouse: () => Promise<ClickHouseClient>;
  log: Logger;
  targets: Targets;
  /** Lines for the user (ls, plan); stdout in the task. */
  print: (line: string) => void;
  /** Called after each node of run, build, seed or test (progress reporting; tests use it to interleave loads). */
  afterNode?: (result: NodeResult) => Promise<void>;
}

/** A run finished with errors or blocking test failures (artifacts are written). */
export class RunFailed extends Error {
  override name = "RunFailed";
}

/** Parse `--vars`: `k=v` pairs separated by spaces or given as repeated flags. */
export function parseVars(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values.flatMap((x) => x.split(/\s+/)).filter((x) => x !== "")) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new Error(`--vars takes name=value pairs; got '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** The summary of a command (the task prints it as its last stdout line). */
export type Summary = Record<string, unknown>;

function orderedSelection(project: Project, chosen: Set<string>): Node[] {
  return project.dag.order().filter((n) => chosen.has(n)).map((n) => project.nodes.get(n)!).filter((n) =>
    n.config.enabled
  );
}

/** Run one command. Throws {@link RunFailed} (after writing artifacts) when any node errored or failed. */
export async function run(deps: RunnerDeps, args: RunnerArgs): Promise<Summary> {
  const started = performance.now();
  const project = await loadProject(deps.root);
  // Fails with the cycle's path before anything runs.
  project.dag.order();
  for (const w of project.warnings) deps.log.warn(w);
  const previous = await readChecksums(args.stateDir ?? args.targetDir);
  const chosen = select(
    { nodes: project.nodes, dag: project.dag, ...(previous ? { previous } : {}) },
    args.selectors,
    args.exclude,
  );
  const nodes = orderedSelection(project, chosen);

  // Only a successful run or build writes manifest.json (below): it is what `state:` compares with next time.
  const manifest = buildManifest(project, deps.targets);
  const compiledDir = join(args.targetDir, "compiled");
  for (const n of project.nodes.values()) {
    if (n.kind === "seed") continue;
    const path = join(compiledDir, n.path);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, compileNode(n, project, deps.targets, { vars: args.vars }).trimStart() + "\n");
  }

  if (args.command === "ls" || args.command === "compile") {
    for (const n of nodes) {
      deps.print(`${n.kind.padEnd(5)} ${n.config.engine.padEnd(10)} ${n.config.materialized.padEnd(11)} ${n.name}`);
    }
    return { command: args.command, selected: nodes.length, warnings: project.warnings.length };
  }
  if (args.command === "docs") {
    const written = await writeCatalog(project, manifest, args.docsDir);
    return { command: "docs", nodes: project.nodes.size, files: written.length, dir: args.docsDir };
  }

  const exec = new Executor(project, { sql: deps.sql, clickhouse: deps.clickhouse, log: deps.log }, {
    command: args.command === "plan" ? "run" : args.command,
    fullRefresh: args.fullRefresh,
    vars: args.vars,
    targets: deps.targets,
    compiledDir: join(args.targetDir, "run"),
  });
  if (args.command === "plan") {
    await exec.init();
    return await plan(deps, exec, nodes);
  }

  // One writer at a time per warehouse (per schema prefix): a second run fails at once instead of interleaving.
  const lock = await deps.sql.reserve();
  const [got] = await lock.unsafe<{ ok: boolean }[]>(
    `select pg_try_advisory_lock(hashtext(${literal(`socialpulse.models.${deps.targets.schemaPrefix}`)})) as ok`,
  );
  if (!got?.ok) {
    lock.release();
    throw new RunFailed("another `models` run is building this warehouse (advisory lock held); try again when it ends");
  }
  try {
    // The state and the snapshot of loaded batches are read under the lock: no other run changes them meanwhile.
    await exec.init();
    const summary = await execute(deps, args, project, exec, nodes, chosen, started);
    if (args.command === "run" || args.command === "build") await writeManifest(args.targetDir, manifest);
    return summary;
  } finally {
    await lock.unsafe(`select pg_advisory_unlock_all()`);
    lock.release();
  }
}

async function plan(deps: RunnerDeps, exec: Executor, nodes: Node[]): Promise<Summary> {
  const decisions: Decision[] = [];
  for (const n of nodes) {
    if (n.kind === "test") continue;
    const d = await exec.decide(n);
    decisions.push(d);
    deps.print(`${d.action.padEnd(9)} ${n.name.padEnd(36)} ${d.reason}`);
  }
  const ch = exec.openedClickhouse;
  if (ch) await (await ch).close();
  const count = (a: string) => decisions.filter((d) => d.action === a).length;
  return {
    command: "plan",
    selected: decisions.length,
    build: count("build"),
    increment: count("increment"),
    skip: count("skip"),
    audit: count("test"),
  };
}

async function execute(
  deps: RunnerDeps,
  args: RunnerArgs,
  project: Project,
  exec: Executor,
  nodes: Node[],
  chosen: Set<string>,
  started: number,
): Promise<Summary> {
  const results: NodeResult[] = [];
  const failed = new Set<string>();
  let selected = 0;
  for (const n of nodes) {
    const wanted = args.command === "seed"
      ? n.kind === "seed"
      : args.command === "run"
      ? n.kind === "model"
      : args.command === "test"
      ? true
      : n.kind !== "test" || !chosen.has(anchorOf(exec, n) ?? "");
    if (!wanted) continue;
    selected++;
    const blockedBy = [...project.dag.upstream(n.name)].filter((u) => failed.has(u));
    if (blockedBy.length > 0 && args.command !== "test") {
      failed.add(n.name);
      results.push({
        name: n.name,
        kind: n.kind,
        status: "skipped",
        message: `upstream failed: ${blockedBy.sort().join(", ")}`,
        started_at: new Date().toISOString(),
        duration_ms: 0,
        tests: [],
      });
      continue;
    }
    let r: NodeResult;
    try {
      r = args.command === "test" || n.kind === "test"
        ? await exec.test(n)
        : await exec.build(n, args.command !== "run");
    } catch (e) {
      // Name the model file and line (a PostgreSQL error's position within the select, mapped back).
      const pos = (e as { selectPosition?: number }).selectPosition;
      const compiled = exec.compiled.get(n.name);
      const line = pos !== undefined && compiled !== undefined
        ? n.sqlLine + compiled.slice(0, pos - 1).split("\n").length - 1
        : undefined;
      const message = `${n.path}${line !== undefined ? `:${line}` : ""}: ${(e as Error).message}` +
        (n.kind === "seed" ? "" : ` (SQL as run: ${join(args.targetDir, "run", n.path)})`);
      deps.log.error(`${n.name} failed: ${message}`, { error: e });
      r = {
        name: n.name,
        kind: n.kind,
        status: "error",
        message,
        started_at: new Date().toISOString(),
        duration_ms: 0,
        tests: [],
      };
    }
    results.push(r);
    if (r.status === "error" || r.status === "fail") failed.add(n.name);
    if (deps.afterNode) await deps.afterNode(r);
    const counts: Record<string, number> = { ms: r.duration_ms };
    if (r.rows_affected !== undefined) counts.rows = r.rows_affected;
    if (r.tests.length) counts.tests = r.tests.length;
    const line = `${r.status} ${n.kind} ${n.name}${r.mode ? ` (${r.mode})` : ""}${r.message ? `: ${r.message}` : ""}`;
    if (r.status === "error" || r.status === "fail") deps.log.error(line, { counts });
    else deps.log.info(line, { counts });
  }
  const elapsed = Math.round(performance.now() - started);
  await writeRunResults(args.targetDir, args.command, elapsed, results);
  const ch = exec.openedClickhouse;
  if (ch) await (await ch).close();

  const by = (s: NodeResult["status"]) => results.filter((r) => r.status === s).length;
  const tests = results.flatMap((r) => r.tests);
  const summary: Summary = {
    command: args.command,
    selected,
    success: by("success"),
    up_to_date: by("up_to_date"),
    failed: by("fail"),
    errors: by("error"),
    skipped: by("skipped"),
    tests_passed: tests.filter((t) => t.status === "pass").length,
    tests_warned: tests.filter((t) => t.status === "warn").length,
    tests_failed: tests.filter((t) => t.status === "fail" || t.status === "error").length,
    rows: results.reduce((a, r) => a + (r.rows_affected ?? 0), 0),
    elapsed_ms: elapsed,
  };
  const bad = results.filter((r) => r.status === "error" || r.status === "fail");
  if (bad.length > 0) {
    throw new RunFailed(
      `${bad.length} node(s) failed (${bad.map((r) => `${r.name}: ${r.status}`).join("; ")}); ` +
        `${summary.skipped} skipped; see ${join(args.targetDir, "run_results.json")}`,
    );
  }
  return summary;
}

function anchorOf(exec: Executor, test: Node): string | undefined {
  for (const [anchor, tests] of exec.anchored) if (tests.includes(test)) return anchor;
  return undefined;
}
