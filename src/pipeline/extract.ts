/**
 * Step 1, read (`deno task extract`): find raw minute drops not yet processed, claim them into a new batch
 * atomically, and stage a copy of each in the batch's staging area.
 *
 * Exactly once: a raw object version (key + etag) can be claimed by one batch only (primary key of etl.files), so
 * two extract runs at the same moment never claim the same file. A file that vanishes or cannot be copied is
 * logged at ERROR and un-claimed, so the next run retries it; it is never skipped silently. A run that crashed
 * after claiming resumes its batch (status `claimed`) on the next run.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import { ObjectNotFoundError } from "../clients/s3.ts";
import { mapLimit } from "./_concurrency.ts";
import { batchesIn, batchStatus } from "./batch_status.ts";
import type { StepDeps } from "./deps.ts";
import { failBatch, unreachableService } from "./failures.ts";
import { fileMinute, RAW_PREFIX, rawHourFolder, stagedKey } from "./layout.ts";
import { withBatchLock } from "./locks.ts";

/** What extract receives: the clients of every step. */
export type ExtractDeps = StepDeps;

export interface ExtractOptions {
  /** Claim at most this many files into the new batch. */
  maxFiles: number;
  /** Only consider raw keys under this prefix (default: every raw file). */
  prefix?: string;
  /**
   * List raw files from this many hours before the newest claimed file's minute (raw keys sort by time); 0 or absent:
   * list every raw file. A file that turns up later than that for an older hour waits for a full scan.
   */
  lookbackHours?: number;
  /**
   * List every raw file (`--full-scan`, run on a schedule): files older than the window are claimed too, counted as
   * `outside_window` and warned about.
   */
  fullScan?: boolean;
}

export interface ExtractResult extends Record<string, unknown> {
  /** Batches staged by this run (resumed ones included). */
  batches: number[];
  files: number;
  bytes: number;
  /** Files that could not be staged and were left for the next run. */
  retry_later: number;
  /** The key the listing started after (the window's start), or null when every raw file was listed. */
  listed_from: string | null;
  /** With a full scan: new files older than the listing window, which a windowed run would not have seen. */
  outside_window?: number;
}

interface Claimed {
  key: string;
  etag: string;
  size: number;
}

/** Run the extract step once. */
export async function extract(deps: ExtractDeps, opts: ExtractOptions): Promise<ExtractResult> {
  const { sql, store, log } = deps;
  const result: ExtractResult = { batches: [], files: 0, bytes: 0, retry_later: 0, listed_from: null };

  // Resume batches whose staging an earlier run did not finish.
  for (const batch of await batchesIn(sql, "claimed")) {
    const files = (await sql<Claimed[]>`select key, etag, size from etl.files where batch_id = ${batch} order by key`)
      .map((f) => ({ ...f, size: Number(f.size) }));
    await stageBatch(deps, batch, files, result);
  }

  const windowStart = opts.prefix === undefined && opts.lookbackHours
    ? await listWindowStart(sql, opts.lookbackHours)
    : null;
  const startAfter = opts.fullScan ? null : windowStart;
  result.listed_from = startAfter;
  const listed = (await store.list(opts.prefix ?? RAW_PREFIX, startAfter ?? undefined))
    .filter((o) => o.key.endsWith(".jsonl"));
  if (listed.length === 0) {
    log.info("no raw files found", { counts: { listed: 0 } });
    return result;
  }
  // Which listed versions are new? One round trip with the whole listing.
  const keys = listed.map((o) => o.key);
  const etags = listed.map((o) => o.etag);
  const known = new Set(
    (await sql<{ k: string }[]>`
      select f.key || '|' || f.etag as k
      from etl.files f join unnest(${keys}::text[], ${etags}::text[]) as l(key, etag)
        on f.key = l.key and f.etag = l.etag`).map((r) => r.k),
  );
  const unclaimed = listed.filter((o) => !known.has(`${o.key}|${o.etag}`));
  if (opts.fullScan && windowStart !== null) {
    const old = unclaimed.filter((o) => o.key < windowStart).length;
    result.outside_window = old;
    if (old > 0) {
      log.warn(
        `${old} new raw file(s) lie before the listing window (${windowStart}): only a full scan finds them; ` +
          `run extract --full-scan more often or raise PIPELINE_LIST_LOOKBACK_HOURS`,
        { counts: { outside_window: old } },
      );
    }
  }
  const fresh = unclaimed.slice(0, opts.maxFiles);
  if (fresh.length === 0) {
    log.info("no new raw files", { counts: { listed: listed.length } });
    return result;
  }

  // Claim: one transaction creates the batch and inserts the files; a file another run claimed first conflicts
  // and is skipped.
  const claimed = await sql.begin(async (tx) => {
    const [b] = await tx<{ batch_id: string }[]>`insert into etl.batches default values returning batch_id`;
    const batch = Number(b!.batch_id);
    const rows = await tx<Claimed[]>`
      insert into etl.files (key, etag, size, batch_id, file_minute)
      select key, etag, size, ${batch}, minute
      from unnest(${fresh.map((o) => o.key)}::text[], ${fresh.map((o) => o.etag)}::text[],
                  ${fresh.map((o) => o.size)}::bigint[], ${
      fresh.map((o) => fileMinute(o.key)?.toISOString() ?? null)
    }::timestamptz[])
           as t(key, etag, size, minute)
      order by key
      on conflict (key, etag) do nothing
      returning key, etag, size`;
    if (rows.length === 0) {
      // Everything was claimed by a concurrent run: leave no empty batch behind.
      await tx`delete from etl.batches where batch_id = ${batch}`;
      return null;
    }
    return { batch, files: rows.map((r) => ({ ...r, size: Number(r.size) })) };
  });
  if (claimed === null) {
    log.info("every new file was claimed by a concurrent extract run", { counts: { candidates: fresh.length } });
    return result;
  }
  log.withBatch(claimed.batch).info("claimed raw files", { counts: { files: claimed.files.length } });
  await deps.fault?.("extract:after-claim");
  await stageBatch(deps, claimed.batch, claimed.files, result);
  return result;
}

/**
 * Where a windowed listing starts: the raw folder of the hour `hours` before the newest claimed file's minute, or
 * null (list everything) when nothing was claimed yet or the newest key does not name a minute.
 */
export async function listWindowStart(sql: Sql, hours: number): Promise<string | null> {
  const [row] = await sql<{ key: string | null }[]>`select max(key) as key from etl.files`;
  const minute = row?.key ? fileMinute(row.key) : null;
  return minute === null ? null : rawHourFolder(new Date(minute.getTime() - hours * 3_600_000));
}

/**
 * Copy each claimed file into the staging area; un-claim the ones that cannot be copied; mark the batch extracted.
 * Under the batch's lock, and only while it is still `claimed`: a concurrent run resuming it does nothing twice.
 */
async function stageBatch(deps: ExtractDeps, batch: number, files: Claimed[], result: ExtractResult): Promise<void> {
  try {
    await withBatchLock(deps.sql, batch, async () => {
      if ((await batchStatus(deps.sql, batch)) === "claimed") await stageClaimed(deps, batch, files, result);
    });
  } catch (e) {
    throw await failBatch(deps, "extract", batch, "claimed", e);
  }
}

async function stageClaimed(deps: ExtractDeps, batch: number, files: Claimed[], result: ExtractResult) {
  const { sql, store } = deps;
  const log = deps.log.withBatch(batch);
  const failed: Claimed[] = [];
  const errors: unknown[] = [];
  await mapLimit(files, 8, async (f) => {
    try {
      await store.copy(f.key, stagedKey(batch, f.key), f.etag);
    } catch (e) {
      failed.push(f);
      errors.push(e);
    }
  });
  // Files that cannot be copied are un-claimed for the next run; but when the S3 server itself does not answer, the
  // batch stays claimed as it is (a failure: the next run resumes it).
  if (failed.length) {
    const down = await unreachableService(deps);
    if (down?.service === "S3") throw new Error(`the S3 server does not answer: ${down.reason}`, { cause: errors[0] });
    failed.forEach((f, i) => {
      const why = errors[i] instanceof ObjectNotFoundError ? "it vanished" : "it could not be read";
      log.error(`raw file ${f.key} was not staged (${why}); it is left for the next run`, {
        error: errors[i],
        key: f.key,
      });
    });
  }
  const staged = files.filter((f) => !failed.includes(f));
  await sql.begin(async (tx) => {
    if (failed.length) {
      await tx`delete from etl.files where batch_id = ${batch} and key = any(${failed.map((f) => f.key)}::text[])`;
    }
    await tx`update etl.files set staged_key = ${stagedKey(batch, "")} || key where batch_id = ${batch}`;
    if (staged.length === 0) {
      await tx`delete from etl.batches where batch_id = ${batch}`;
      return;
    }
    const bytes = staged.reduce((n, f) => n + f.size, 0);
    await tx`update etl.batches set status = 'extracted', extracted_at = now(), files = ${staged.length},
               bytes = ${bytes}, failed_step = null, error = null, updated_at = now()
             where batch_id = ${batch}`;
  });
  if (staged.length) {
    result.batches.push(batch);
    result.files += staged.length;
    result.bytes += staged.reduce((n, f) => n + f.size, 0);
    log.info("staged raw files", { counts: { files: staged.length, retry_later: failed.length } });
  }
  result.retry_later += failed.length;
}
