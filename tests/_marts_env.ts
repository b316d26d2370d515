/**
 * Test support for the marts tests: a private warehouse (PostgreSQL schemas with a prefix) filled with generated
 * drops, `deno task models` run in a child process on a private chDB folder (one chDB folder per process), queries
 * of that folder from another child process, and the generator's ledgers read back from the in-memory store.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";
import type { Sql } from "../src/clients/postgres.ts";
import type { DayAggregateJson, EntityDayJson } from "../src/generator/ledger.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import type { Drops } from "../src/runner/testing.ts";
import { chdbQueries, inChdbProcess } from "./_chdb.ts";

/** What a `deno task models` child process returned. */
export interface ModelsRun {
  code: number;
  results: NodeResult[];
  stderr: string;
  summary: Record<string, unknown>;
}

/** A private warehouse: schema prefix, chDB folder, ClickHouse database and the runner's target dir. */
export interface MartsEnv {
  prefix: string;
  chPath: string;
  database: string;
  targetDir: string;
}

/** A private warehouse with fresh temporary folders for its chDB data and the runner's target dir. */
export async function tempMartsEnv(prefix: string, database: string, label: string): Promise<MartsEnv> {
  return {
    prefix,
    chPath: await Deno.makeTempDir({ prefix: `sp-${label}-ch-` }),
    database,
    targetDir: await Deno.makeTempDir({ prefix: `sp-${label}-target-` }),
  };
}

/** Run `deno task models <args>` on the real project's models against a private warehouse. */
export async function models(env: MartsEnv, args: string[]): Promise<ModelsRun> {
  await Deno.remove(join(env.targetDir, "run_results.json")).catch(() => {});
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/models.ts", ...args, "--schema-prefix", env.prefix, "--target-dir", env.targetDir],
    cwd: PROJECT_ROOT,
    env: { CLICKHOUSE_URL: `chdb://${env.chPath}`, CLICKHOUSE_DATABASE: env.database, LOG_FORMAT: "json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  let results: NodeResult[] = [];
  try {
    results = JSON.parse(await Deno.readTextFile(join(env.targetDir, "run_results.json"))).results;
  } catch { /* a failed start writes none */ }
  const stdout = dec.decode(out.stdout).trim();
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(stdout.split("\n").at(-1) ?? "{}");
  } catch { /* left empty: the caller reports stderr */ }
  return { code: out.code, results, stderr: dec.decode(out.stderr), summary };
}

/** Run statements (DDL, inserts) on a chDB folder, in a separate process. */
export async function chCommands(env: MartsEnv, statements: string[]): Promise<void> {
  await inChdbProcess(
    env.chPath,
    env.database,
    `for (const q of ${JSON.stringify(statements)}) await ch.command({ query: q });`,
    { what: "chdb command" },
  );
}

/** Rows of queries on a chDB folder, read in a separate process; each row's values as ClickHouse's JSON gives them. */
export function chRows(env: MartsEnv, queries: string[]): Promise<Record<string, unknown>[][]> {
  return chdbQueries(env.chPath, env.database, queries);
}

async function gunzipJson<T>(bytes: Uint8Array): Promise<T> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

/** The entity ledger of a day, from the generator's store. */
export function entityLedger(drops: Drops, date: string): Promise<EntityDayJson> {
  const bytes = drops.store.objects.get(`ledger/entities/date=${date}.json.gz`);
  if (!bytes) throw new Error(`no entity ledger for ${date}`);
  return gunzipJson(bytes);
}

/** The day ledger (per-day aggregate) of a day, from the generator's store. */
export function dayLedger(drops: Drops, date: string): DayAggregateJson {
  const bytes = drops.store.objects.get(`ledger/days/date=${date}.json`);
  if (!bytes) throw new Error(`no day ledger for ${date}`);
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Load drop files in batches of `perBatch` files (minute order), as the pipeline would. */
export async function loadInBatches(
  sql: Sql,
  prefix: string,
  drops: Drops,
  files: string[],
  perBatch: number,
  seen: Set<string>,
): Promise<void> {
  const { loadBatch } = await import("../src/runner/testing.ts");
  for (let i = 0; i < files.length; i += perBatch) {
    await loadBatch(sql, prefix, drops, files.slice(i, i + perBatch), seen);
  }
}
