/**
 * A private Neo4j for the graph tests: the native stack's launcher (built by `deno task stack:up`) started on a free
 * port with its own data folder, so tests never touch the shared server's single database. It is started once per
 * `deno test` process (every graph test file of the run shares it), wiped by each test that uses it, and stopped by a
 * watchdog when the process exits. Data folders of earlier runs whose process is gone are removed on start.
 *
 * `GRAPH_TEST_NEO4J_URL=bolt://localhost:<port>` uses a server you started yourself instead (faster iterations);
 * it must be a private one: the tests wipe it. `GRAPH_TEST_NEO4J_PID` gives its process id (the bench reads its CPU
 * time).
 *
 * @module
 */
import { join } from "node:path";
import { type Config, config, PROJECT_ROOT } from "../src/config.ts";
import { createNeo4j, cypher, type Driver } from "../src/clients/neo4j.ts";
import { configureLogging, logger } from "../src/log.ts";
import { neo4jService } from "../dev/services/neo4j.ts";
import { exists, type StackContext, waitHealthy } from "../dev/_lib.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { createPrivateWarehouse, dropPrivateWarehouse } from "../src/runner/testing.ts";
import { pgNames } from "../src/graph/store.ts";
import { run as runModels } from "../src/runner/mod.ts";
import { SOURCE_MODELS, type SyncDeps } from "../src/graph/sync.ts";

/** The private server: its configuration (NEO4J_URL pointing at it) and a driver. */
export interface PrivateNeo4j {
  cfg: Config;
  driver: Driver;
  /** The server's process id (for its CPU time in the bench), when known. */
  pid: number | null;
}

let server: Promise<Omit<PrivateNeo4j, "driver">> | null = null;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function removeStale(base: string) {
  try {
    for await (const e of Deno.readDir(base)) {
      const m = /^run-(\d+)$/.exec(e.name);
      if (m && !(await exists(`/proc/${m[1]}`))) await Deno.remove(join(base, e.name), { recursive: true });
    }
  } catch { /* no base yet */ }
}

async function start(): Promise<Omit<PrivateNeo4j, "driver">> {
  configureLogging({ level: "ERROR", format: "text" });
  const base = config();
  const given = Deno.env.get("GRAPH_TEST_NEO4J_URL");
  if (given) {
    const cfg: Config = { ...base, neo4j: { url: given, user: "", password: "" } };
    const pid = Number(Deno.env.get("GRAPH_TEST_NEO4J_PID") ?? "") || null;
    return { cfg, pid };
  }
  const root = join(base.devDir, "graph-test");
  await removeStale(root);
  // One server per `deno test` process: Deno runs each test file in its own isolate, so the server is found again
  // through a file named after the process, not through module state.
  const devDir = join(root, `run-${Deno.pid}`);
  const serverFile = join(devDir, "server.json");
  const known = await Deno.readTextFile(serverFile).then(
    (t) => JSON.parse(t) as { url: string; pid: number },
    () => null,
  );
  const port = known ? Number(new URL(known.url).port) : freePort();
  const cfg: Config = { ...base, neo4j: { url: `bolt://localhost:${port}`, user: "", password: "" } };
  const ctx: StackContext = {
    config: cfg,
    log: logger("graph-test-neo4j"),
    devDir,
    dataDir: (s) => join(devDir, "data", s),
    logFile: (s) => join(devDir, "logs", `${s}.log`),
    pidFile: (s) => join(devDir, "run", `${s}.pid`),
    toolsDir: base.devToolsDir,
  };
  let pid = known?.pid ?? null;
  if (!known) {
    await neo4jService.start(ctx);
    pid = Number((await Deno.readTextFile(ctx.pidFile("neo4j"))).trim());
    // Stop it when the test process ends: a detached watchdog sends SIGTERM to the server's process group (the
    // launcher then shuts Neo4j down cleanly).
    await new Deno.Command("bash", {
      args: [
        "-c",
        `nohup setsid bash -c 'while kill -0 ${Deno.pid} 2>/dev/null; do sleep 2; done; kill -TERM -${pid}' ` +
        ">/dev/null 2>&1 < /dev/null &",
      ],
    }).output();
    await Deno.writeTextFile(serverFile, JSON.stringify({ url: cfg.neo4j.url, pid }));
  }
  const reason = await waitHealthy(() => neo4jService.health(ctx), neo4jService.startTimeoutSeconds);
  if (reason !== null) throw new Error(`the private Neo4j did not start: ${reason} (log: ${ctx.logFile("neo4j")})`);
  return { cfg, pid };
}

/**
 * The private Neo4j, started on first use, with an empty graph (every node, constraint and projection dropped), and a
 * driver of the caller's own (a test closes it when done; the next test of the file gets a new one).
 */
export async function privateNeo4j(): Promise<PrivateNeo4j> {
  server ??= start();
  const { cfg, pid } = await server;
  const driver = createNeo4j(cfg.neo4j);
  await cypher(
    driver,
    "CALL gds.graph.list() YIELD graphName CALL gds.graph.drop(graphName, false) YIELD graphName AS g RETURN count(*)",
  );
  await cypher(driver, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS");
  for (const c of await cypher<{ name: string }>(driver, "SHOW CONSTRAINTS YIELD name")) {
    await cypher(driver, `DROP CONSTRAINT ${c.name} IF EXISTS`);
  }
  return { cfg, driver, pid };
}

/**
 * Build the part of the star schema the graph reads (its source models, their upstream and the seeds) in the private
 * schemas of `prefix`, with the real models: `seed`, then `run`.
 */
export async function buildStar(sql: Sql, prefix: string, targetDir: string): Promise<void> {
  const deps = {
    root: PROJECT_ROOT,
    sql,
    clickhouse: () => Promise.reject(new Error("the graph tests open no ClickHouse")),
    log: logger("graph-test-models"),
    print: () => {},
    targets: {
      schemaPrefix: prefix,
      clickhouseDatabase: config().clickhouse.database,
      pg: { collection: "socialpulse_pg" },
    },
  };
  const args = {
    selectors: [...SOURCE_MODELS, "dim_topic"].map((m) => `+${m}`),
    exclude: [],
    fullRefresh: false,
    vars: {},
    targetDir,
    docsDir: join(targetDir, "docs"),
  };
  await runModels(deps, { ...args, command: "seed", selectors: [] });
  await runModels(deps, { ...args, command: "run" });
}

/** What a graph test on a private warehouse works with. */
export interface GraphWarehouse {
  neo: PrivateNeo4j;
  sql: Sql;
  /** A temporary folder for the models' target. */
  target: string;
  /** The sync's and the metrics' dependencies on the warehouse's schemas. */
  deps: SyncDeps;
}

/**
 * Run `body` on an empty private warehouse (schemas prefixed `prefix`, no `graph` schema yet) and the private Neo4j
 * (empty), logging as `logName`; drops the warehouse and closes everything afterwards, whatever happened.
 */
export async function withGraphWarehouse(
  prefix: string,
  logName: string,
  body: (env: GraphWarehouse) => Promise<void>,
): Promise<void> {
  const neo = await privateNeo4j();
  const sql = createPostgres(neo.cfg.postgres);
  const target = await Deno.makeTempDir({ prefix: `${logName}_` });
  const names = pgNames(prefix);
  try {
    await createPrivateWarehouse(sql, prefix);
    await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
    await body({ neo, sql, target, deps: { sql, neo4j: neo.driver, log: logger(logName), names } });
  } finally {
    await dropPrivateWarehouse(sql, prefix);
    await sql.unsafe(`drop schema if exists ${names.graph} cascade`);
    await sql.end();
    await neo.driver.close();
    await Deno.remove(target, { recursive: true });
  }
}
