/** `deno task graph <sync|metrics|check>`: the Neo4j social graph and its metrics (see docs/graph.md). */
import { runTask, UsageError } from "../src/task.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { postgresAs } from "../src/config.ts";
import { createNeo4j } from "../src/clients/neo4j.ts";
import { pgNames } from "../src/graph/store.ts";
import { METRICS_DEFAULTS } from "../src/graph/metrics.ts";
import { SYNC_WRITERS } from "../src/graph/sync.ts";
import { GRAPH_COMMANDS, type GraphCommand, runGraphCommand } from "../src/graph/run.ts";

const positiveInt = (name: string, v: unknown): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return n;
};

await runTask({
  name: "graph",
  description: "The Neo4j social graph. sync: apply the star schema's new edge events and nodes (incremental, " +
    "idempotent). metrics: PageRank, friendship depth, degrees and cascades into PostgreSQL schema graph. " +
    "check: relationship counts in Neo4j against the state derived from the star schema.",
  positionals: "<sync|metrics|check>",
  flags: {
    "batch-size": { type: "string", help: "Rows per UNWIND batch (one Neo4j transaction each)", default: "5000" },
    writers: {
      type: "string",
      help: "sync: Neo4j transactions in flight at once (batches that may run together)",
      default: String(SYNC_WRITERS),
    },
    "schema-prefix": { type: "string", help: "Prefix of every PostgreSQL schema read and written", default: "" },
    "path-sample": {
      type: "string",
      help: "BFS sources for the average path when the largest component is too big for exact closeness",
      default: String(METRICS_DEFAULTS.pathSample),
    },
    seed: { type: "string", help: "Seed of the average path's source sample", default: "1" },
    force: { type: "boolean", help: "metrics: compute even when the results already stand for the snapshot" },
    reach: {
      type: "string",
      help: "How metrics counts users at depth 1-3: bfs (over the exported FRIEND edges) or cypher (in Neo4j)",
      default: "bfs",
    },
  },
  epilog: "Examples:\n  deno task models build && deno task graph sync && deno task graph metrics\n" +
    "  deno task graph check",
  run: async ({ flags, positionals, config, log, signal }) => {
    const [command, ...rest] = positionals;
    if (!command || !(GRAPH_COMMANDS as readonly string[]).includes(command) || rest.length > 0) {
      throw new UsageError(`expected one command (${GRAPH_COMMANDS.join(", ")}), got '${positionals.join(" ")}'`);
    }
    let names;
    try {
      names = pgNames(String(flags["schema-prefix"]));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const sync = {
      batchSize: positiveInt("batch-size", flags["batch-size"]),
      writers: positiveInt("writers", flags.writers),
    };
    if (flags.reach !== "bfs" && flags.reach !== "cypher") {
      throw new UsageError(`--reach must be bfs or cypher, got '${flags.reach}'`);
    }
    const metrics = {
      ...METRICS_DEFAULTS,
      reach: flags.reach as "bfs" | "cypher",
      pathSample: positiveInt("path-sample", flags["path-sample"]),
      seed: positiveInt("seed", flags.seed),
    };
    // The modeller reads the star schema and landing and owns schema graph (20261130_0003_roles.sql).
    const sql = createPostgres(postgresAs(config.postgres, "modeller"), { applicationName: "socialpulse-graph" });
    const neo4j = createNeo4j(config.neo4j);
    try {
      return {
        command,
        ...await runGraphCommand({ sql, neo4j, log, names, signal }, command as GraphCommand, {
          sync,
          metrics,
          force: flags.force === true,
        }),
      };
    } finally {
      await neo4j.close();
      await sql.end();
    }
  },
});
