/**
 * The commands of `deno task graph`: sync, metrics, check. Each receives its clients (see tasks/graph.ts).
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { Driver } from "../clients/neo4j.ts";
import type { Logger } from "../log.ts";
import { checkGraph } from "./check.ts";
import { computeMetrics, type MetricsOptions } from "./metrics.ts";
import { ensureResultTables, writeResults } from "./results.ts";
import { type PgNames, readSyncState } from "./store.ts";
import { syncGraph, type SyncOptions } from "./sync.ts";

/** The commands. */
export const GRAPH_COMMANDS = ["sync", "metrics", "check"] as const;
export type GraphCommand = typeof GRAPH_COMMANDS[number];

/** What every command receives. */
export interface GraphDeps {
  sql: Sql;
  neo4j: Driver;
  log: Logger;
  names: PgNames;
  signal?: AbortSignal;
}

/** A failure the task reports as an error with its details (a failed consistency check). */
export class GraphCheckError extends Error {
  override name = "GraphCheckError";
  constructor(message: string, readonly report: Record<string, unknown>) {
    super(message);
  }
}

/**
 * `graph metrics`: compute from Neo4j and replace the result tables; returns the summary. Does nothing when the
 * results already stand for the graph's snapshot (unless `force`), so that a frequent schedule stays cheap.
 */
export async function runMetrics(
  deps: GraphDeps,
  opts: MetricsOptions,
  force = false,
): Promise<Record<string, unknown>> {
  await ensureResultTables(deps.sql, deps.names);
  const state = await readSyncState(deps.sql, deps.names);
  if (state.snapshotAt === null) {
    // Nothing synced yet, or only batches without a loaded event: no snapshot time to stamp results with. The
    // result tables stay as they are (empty: they only ever hold a snapshot's results), and this is no failure: a
    // fresh `deno task start` runs this step before the first event has landed.
    deps.log.info("the graph reflects no event yet: no metrics to compute");
    return { status: "no_snapshot", snapshot_at: null };
  }
  const [done] = await deps.sql.unsafe<{ at: Date | null }[]>(
    `select max(snapshot_at) as at from ${deps.names.graph}.network`,
  );
  if (!force && done?.at?.getTime() === state.snapshotAt.getTime()) {
    deps.log.info(`the metrics already stand for the snapshot ${state.snapshotAt.toISOString()}`);
    return { status: "up_to_date", snapshot_at: state.snapshotAt.toISOString() };
  }
  const m = await computeMetrics(deps.neo4j, deps.log, opts);
  const rows = await writeResults(deps.sql, deps.names, m, state.snapshotAt, opts.pageRank);
  const w = m.network;
  return {
    status: "computed",
    snapshot_at: state.snapshotAt.toISOString(),
    users: w.users,
    friendships: w.friendships,
    follows: w.follows,
    components: w.components,
    largest_component: w.largestComponent,
    diameter: w.diameter,
    diameter_is_estimate: w.diameterIsEstimate,
    average_path: w.averagePath,
    average_path_is_estimate: w.averagePathIsEstimate,
    cascades: m.cascades.length,
    timings_ms: m.timings,
    rows,
  };
}

/**
 * The task's summary of a sync or metrics run: what the run did goes under `outcome` (synced, up_to_date, computed,
 * no_snapshot), so that the task's own `status` (ok or error) is not overwritten.
 */
function asSummary(r: Record<string, unknown>): Record<string, unknown> {
  const { status, ...rest } = r;
  return { outcome: status, ...rest };
}

/** Run one command. */
export async function runGraphCommand(
  deps: GraphDeps,
  command: GraphCommand,
  opts: { sync: SyncOptions; metrics: MetricsOptions; force?: boolean },
): Promise<Record<string, unknown>> {
  switch (command) {
    case "sync":
      return asSummary(await syncGraph(deps, opts.sync));
    case "metrics":
      return asSummary(await runMetrics(deps, opts.metrics, opts.force ?? false));
    case "check": {
      const report = await checkGraph(deps.sql, deps.neo4j, deps.names);
      for (const t of report.types) {
        const line = `${t.type.padEnd(13)} neo4j=${t.neo4j} star=${t.star}`;
        if (t.neo4j === t.star && t.neo4jChecksum === t.starChecksum) deps.log.info(line);
        else {deps.log.error(
            `${line} missing in Neo4j: ${t.missingInNeo4j?.join(", ")}; extra: ${t.extraInNeo4j?.join(", ")}`,
          );}
      }
      if (!report.ok) {
        const bad = report.types.filter((t) => t.neo4j !== t.star || t.neo4jChecksum !== t.starChecksum)
          .map((t) => `${t.type} ${t.neo4j} vs ${t.star}${t.neo4j === t.star ? " (other pairs)" : ""}`);
        if (report.batches_behind > 0) bad.push(`the graph is ${report.batches_behind} batches behind the star`);
        throw new GraphCheckError(`the graph differs from the star schema: ${bad.join("; ")}`, report);
      }
      return report;
    }
  }
}
