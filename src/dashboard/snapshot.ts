/**
 * The dashboard's data when ClickHouse is the embedded engine (chDB): the newest export snapshot, loaded into a
 * private in-process chDB session of the dashboard's own.
 *
 * Why: only one process may open a chDB data folder, and the every-minute pipeline (models build, export) opens the
 * warehouse's folder, so a dashboard holding it would break the pipeline (and the reverse). `deno task export` writes
 * every mart as Parquet into `<exports>/date=YYYY-MM-DD/` with `manifest.json` (rows, column types and the SHA-256
 * of every file). This reader polls for the newest manifest, reads each Parquet file once, checks its SHA-256
 * against the manifest (a file that an export is rewriting right now does not match: the reader keeps the snapshot
 * it has and tries again at the next poll), copies it into its private folder, loads it into a MergeTree table of
 * the same name and column types (`<mart>__load`), checks the row count, and then swaps every mart at once
 * (`EXCHANGE TABLES`, ~1 ms each) while no page is being rendered (the {@link Gate}). Pages therefore always see
 * one whole export, never a mix of two, and the same SQL runs on these tables as on the warehouse's marts.
 *
 * With a ClickHouse server (`CLICKHOUSE_URL=http://...`, production) the dashboard reads the marts live instead.
 *
 * @module
 */
import { join } from "node:path";
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import { chQuery } from "../clients/clickhouse.ts";
import type { ExportManifest } from "../export/mod.ts";
import type { Logger } from "../log.ts";

/** What the dashboard shows about the snapshot it serves. */
export interface SnapshotInfo {
  /** When the export read the marts (the manifest's `snapshot_at`). */
  snapshot_at: string;
  /** The folder it came from. */
  dir: string;
  marts: number;
  rows: number;
  /** When this process finished loading it. */
  loaded_at: string;
}

/** The outcome of one look for a newer snapshot. */
export type RefreshResult =
  | { kind: "loaded"; info: SnapshotInfo }
  | { kind: "unchanged" }
  | { kind: "none" }
  | { kind: "incomplete"; reason: string };

/**
 * Many readers (page renders) or one writer (the swap of a new snapshot). A writer waits for the renders in flight
 * and holds new ones back until it is done.
 */
export class Gate {
  #readers = 0;
  #writer: Promise<void> | null = null;
  #idle: (() => void)[] = [];

  async read<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer) await this.#writer;
    this.#readers++;
    try {
      return await fn();
    } finally {
      if (--this.#readers === 0) { for (const wake of this.#idle.splice(0)) wake(); }
    }
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer) await this.#writer;
    let done!: () => void;
    this.#writer = new Promise<void>((r) => done = r);
    try {
      while (this.#readers > 0) await new Promise<void>((r) => this.#idle.push(r));
      return await fn();
    } finally {
      this.#writer = null;
      done();
    }
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Column types as ClickHouse prints them (`Nullable(Decimal(18, 2))`, `DateTime64(6, 'UTC')`, `Array(String)`). */
const TYPE = /^[A-Za-z0-9_(), ']+$/;
const DAY_DIR = /^date=\d{4}-\d{2}-\d{2}$/;

async function sha256(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The newest manifest under `exportsDir` (by the day folder's name), or null when there is none. */
export async function newestManifest(
  exportsDir: string,
): Promise<{ dir: string; manifest: ExportManifest } | { dir: string; error: string } | null> {
  const days: string[] = [];
  try {
    for await (const e of Deno.readDir(exportsDir)) if (e.isDirectory && DAY_DIR.test(e.name)) days.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  for (const day of days.sort().reverse()) {
    const dir = join(exportsDir, day);
    let text: string;
    try {
      text = await Deno.readTextFile(join(dir, "manifest.json"));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    try {
      return { dir, manifest: JSON.parse(text) as ExportManifest };
    } catch (e) {
      // Being written right now (the export writes the manifest last, but not atomically).
      return { dir, error: `manifest.json does not parse (${(e as Error).message})` };
    }
  }
  return null;
}

/** Loads export snapshots into the dashboard's private chDB session; see the module's comment. */
export class SnapshotReader {
  readonly gate = new Gate();
  #current: SnapshotInfo | null = null;
  #key = "";

  /**
   * `ch` is a client on the dashboard's own chDB folder (never the warehouse's); `workDir` a private folder for the
   * checked copies of the Parquet files.
   */
  constructor(
    private readonly ch: ClickHouseClient,
    readonly exportsDir: string,
    private readonly workDir: string,
    private readonly log: Logger,
  ) {}

  /** The snapshot the pages show (null before the first one is loaded). */
  get current(): SnapshotInfo | null {
    return this.#current;
  }

  /** Load the newest snapshot when it differs from the one served. */
  async refresh(): Promise<RefreshResult> {
    const found = await newestManifest(this.exportsDir);
    if (!found) return { kind: "none" };
    if ("error" in found) return { kind: "incomplete", reason: `${found.dir}: ${found.error}` };
    const { dir, manifest } = found;
    const key = JSON.stringify([dir, manifest.snapshot_at, manifest.marts.map((m) => m.parquet.sha256)]);
    if (key === this.#key) return { kind: "unchanged" };

    for (const m of manifest.marts) {
      if (!IDENT.test(m.mart)) throw new Error(`${dir}/manifest.json: not a mart name: '${m.mart}'`);
      for (const c of m.columns) {
        if (!IDENT.test(c.name) || !TYPE.test(c.type)) {
          throw new Error(`${dir}/manifest.json: ${m.mart} has a column that is not a name and a type: ${c.name}`);
        }
      }
    }
    await Deno.mkdir(this.workDir, { recursive: true });
    const loaded: string[] = [];
    try {
      for (const m of manifest.marts) {
        const bytes = await Deno.readFile(join(dir, m.parquet.name)).catch((e) => {
          if (e instanceof Deno.errors.NotFound) return null;
          throw e;
        });
        if (bytes === null) return { kind: "incomplete", reason: `${dir}/${m.parquet.name} is missing` };
        if (bytes.length !== m.parquet.bytes || (await sha256(bytes)) !== m.parquet.sha256) {
          return { kind: "incomplete", reason: `${dir}/${m.parquet.name} does not match the manifest's SHA-256` };
        }
        const copy = join(this.workDir, `${m.mart}.parquet`);
        await Deno.writeFile(copy, bytes);
        const load = `${m.mart}__load`;
        await this.ch.command({ query: `drop table if exists ${load}` });
        loaded.push(load);
        const columns = m.columns.map((c) => `\`${c.name}\` ${c.type}`).join(", ");
        await this.ch.command({ query: `create table ${load} (${columns}) engine = MergeTree order by tuple()` });
        await this.ch.command({
          query: `insert into ${load} select * from file('${copy.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}', ` +
            `Parquet)`,
        });
        const [{ n }] = await chQuery<{ n: string }>(this.ch, `select toString(count()) as n from ${load}`) as [
          { n: string },
        ];
        if (Number(n) !== m.rows) {
          return { kind: "incomplete", reason: `${m.mart}: ${n} rows read, the manifest says ${m.rows}` };
        }
        await Deno.remove(copy);
      }
      const names = new Set(manifest.marts.map((m) => m.mart));
      const existing = new Set(
        (await chQuery<{ name: string }>(
          this.ch,
          "select name from system.tables where database = currentDatabase() and name like 'mart\\_%'",
        )).map((r) => r.name),
      );
      await this.gate.write(async () => {
        for (const mart of names) {
          if (existing.has(mart)) {
            await this.ch.command({ query: `exchange tables ${mart} and ${mart}__load` });
          } else {
            await this.ch.command({ query: `rename table ${mart}__load to ${mart}` });
          }
        }
        for (const old of existing) {
          if (!names.has(old) && !old.endsWith("__load")) await this.ch.command({ query: `drop table ${old}` });
        }
        this.#current = {
          snapshot_at: manifest.snapshot_at,
          dir,
          marts: manifest.marts.length,
          rows: manifest.marts.reduce((s, m) => s + m.rows, 0),
          loaded_at: new Date().toISOString(),
        };
      });
      this.#key = key;
      return { kind: "loaded", info: this.#current! };
    } finally {
      // The old tables (after an exchange) or a half-loaded set (after a mismatch).
      for (const t of loaded) await this.ch.command({ query: `drop table if exists ${t}` });
    }
  }

  #reported = "";

  /** Refresh once and log the outcome (a repeated "none" or "incomplete" only once); never throws. */
  async check(retrySeconds: number): Promise<RefreshResult | null> {
    try {
      const r = await this.refresh();
      const line = r.kind === "loaded"
        ? `loaded the export snapshot of ${r.info.snapshot_at} (${r.info.marts} marts, ${r.info.rows} rows)`
        : r.kind === "none"
        ? `no export snapshot under ${this.exportsDir} yet (deno task export, or the pipeline's export step)`
        : r.kind === "incomplete"
        ? `export snapshot not loaded yet, trying again in ${retrySeconds} s: ${r.reason}`
        : "";
      if (line && line !== this.#reported) {
        if (r.kind === "loaded") this.log.info(line);
        else this.log.warn(line);
      }
      if (r.kind !== "unchanged") this.#reported = line;
      return r;
    } catch (e) {
      this.log.error(`loading the export snapshot failed: ${(e as Error).message}`);
      return null;
    }
  }
}
