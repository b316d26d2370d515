/**
 * `deno task export`: every mart as CSV and Parquet, written by ClickHouse itself (a `FORMAT` clause; the client
 * streams the bytes ClickHouse produced into the file, so the same code works in-process on chDB and over HTTP on a
 * server, where `INTO OUTFILE` is refused), into a folder per snapshot day (`<out>/date=YYYY-MM-DD/`) and the same
 * files into the bucket under `exports/date=YYYY-MM-DD/`,
 * with a manifest (per mart: rows, columns and types, each file's bytes and SHA-256, the snapshot time).
 *
 * Idempotent: a re-run on the same day overwrites that day's files and objects (each file written beside and renamed over the old one, S3 PUT); rows are
 * written in a total order (`ORDER BY ALL`), so unchanged marts give byte-identical files and checksums.
 *
 * CSV: UTF-8, a header row, ISO 8601 dates and times (`2026-11-20`, `2026-11-20T10:00:00.000000Z`), `.` as the
 * decimal point, NULL as an empty field.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import { chQuery } from "../clients/clickhouse.ts";
import type { ObjectStore } from "../clients/s3.ts";
import type { Logger } from "../log.ts";
import { TaskFailure } from "../task.ts";

/** What an export needs: the ClickHouse client on the marts' database, the bucket (null: local files only). */
export interface ExportDeps {
  ch: ClickHouseClient;
  store: ObjectStore | null;
  log: Logger;
  now: () => Date;
}

/** Where to write, and what. */
export interface ExportArgs {
  /** The ClickHouse database holding the marts. */
  database: string;
  /** Local folder; the day's files go to `<outDir>/date=YYYY-MM-DD/`. */
  outDir: string;
  /** Only these marts (default: every table of the database whose name starts with `mart_`). */
  marts?: string[];
}

/** One written file. */
export interface ExportFile {
  /** Path relative to the day folder (also the object name under `exports/date=.../`). */
  name: string;
  bytes: number;
  sha256: string;
}

/** The manifest entry of one mart. */
export interface MartManifest {
  mart: string;
  rows: number;
  columns: { name: string; type: string }[];
  csv: ExportFile;
  parquet: ExportFile;
}

/** `manifest.json` of one export. */
export interface ExportManifest {
  snapshot_at: string;
  date: string;
  database: string;
  marts: MartManifest[];
}

/** A user-facing export failure (a mart that does not exist, an unwritable folder). */
export class ExportError extends TaskFailure {
  override name = "ExportError";
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function sha256(path: string): Promise<{ bytes: number; sha256: string }> {
  const data = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return { bytes: data.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join("") };
}

/** The marts to export: the named ones (each must exist) or every `mart_*` table of the database. */
async function martNames(ch: ClickHouseClient, database: string, wanted?: string[]): Promise<string[]> {
  const tables = (await chQuery<{ name: string }>(
    ch,
    "select name from system.tables where database = {db:String} and name like 'mart\\_%' " +
      "and engine not in ('View', 'MaterializedView') order by name",
    { db: database },
  )).map((r) => r.name);
  if (!wanted || wanted.length === 0) return tables;
  const missing = wanted.filter((m) => !tables.includes(m));
  if (missing.length) {
    throw new ExportError(
      `no such mart in ClickHouse database ${database}: ${missing.join(", ")} (have: ${tables.join(", ")})`,
    );
  }
  return wanted;
}

/** Export every mart; returns the manifest (also written as `manifest.json` beside the files). */
export async function exportMarts(deps: ExportDeps, args: ExportArgs): Promise<ExportManifest> {
  const { ch, log } = deps;
  if (!IDENT.test(args.database)) throw new ExportError(`not a ClickHouse database name: '${args.database}'`);
  const snapshot = deps.now();
  const date = snapshot.toISOString().slice(0, 10);
  const dir = resolve(args.outDir, `date=${date}`);
  await Deno.mkdir(dir, { recursive: true });
  const manifest: ExportManifest = { snapshot_at: snapshot.toISOString(), date, database: args.database, marts: [] };

  for (const mart of await martNames(ch, args.database, args.marts)) {
    const table = `${args.database}.${mart}`;
    const columns = await chQuery<{ name: string; type: string }>(
      ch,
      "select name, type from system.columns where database = {db:String} and table = {t:String} order by position",
      { db: args.database, t: mart },
    );
    const [{ n }] = await chQuery<{ n: string }>(ch, `select toString(count()) as n from ${table}`) as [{ n: string }];
    const files: Record<"csv" | "parquet", ExportFile> = {} as Record<"csv" | "parquet", ExportFile>;
    for (
      const [kind, format, settings] of [
        ["csv", "CSVWithNames", { date_time_output_format: "iso", format_csv_null_representation: "" }],
        ["parquet", "Parquet", { output_format_parquet_compression_method: "snappy" }],
      ] as const
    ) {
      const name = `${mart}.${kind}`;
      const path = join(dir, name);
      const { stream } = await ch.exec({
        query: `select * from ${table} order by all format ${format}`,
        clickhouse_settings: settings,
      });
      // Into a temporary file renamed over the old one: a reader never sees a half-written file.
      await pipeline(stream as Readable, createWriteStream(`${path}.part`));
      await Deno.rename(`${path}.part`, path);
      files[kind] = { name, ...(await sha256(path)) };
    }
    manifest.marts.push({ mart, rows: Number(n), columns, csv: files.csv, parquet: files.parquet });
    log.info(`exported ${mart}`, { counts: { rows: Number(n), columns: columns.length } });
  }

  const manifestText = JSON.stringify(manifest, null, 2) + "\n";
  await Deno.writeTextFile(join(dir, "manifest.json.part"), manifestText);
  await Deno.rename(join(dir, "manifest.json.part"), join(dir, "manifest.json"));
  if (deps.store) {
    const prefix = `exports/date=${date}/`;
    for (const m of manifest.marts) {
      await deps.store.put(prefix + m.csv.name, await Deno.readFile(join(dir, m.csv.name)), "text/csv; charset=utf-8");
      await deps.store.put(prefix + m.parquet.name, await Deno.readFile(join(dir, m.parquet.name)));
    }
    // The manifest last: a reader that finds it finds every file it lists.
    await deps.store.put(prefix + "manifest.json", manifestText, "application/json");
  }
  return manifest;
}
