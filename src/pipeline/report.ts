/**
 * `deno task etl:report`: per-batch and per-day accounting of the pipeline, and the quarantine by reason.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import type { ObjectStore } from "../clients/s3.ts";
import { listWindowStart } from "./extract.ts";
import { RAW_PREFIX } from "./layout.ts";

/** Render rows as an aligned text table. */
export function textTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(none)";
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? "-" : v instanceof Date ? v.toISOString() : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(cols), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))]
    .join("\n");
}

export interface ReportOptions {
  /** How many of the latest batches to list. */
  limit: number;
  /** extract's listing window in hours (0: none), to count unclaimed raw files older than it. */
  lookbackHours: number;
}

/**
 * Raw files (object versions) that no batch claimed yet, listed in full: inside extract's listing window (the next run
 * takes them) and before it (only `extract --full-scan` takes them).
 */
export async function unclaimedRawFiles(sql: Sql, store: ObjectStore, lookbackHours: number) {
  const listed = (await store.list(RAW_PREFIX)).filter((o) => o.key.endsWith(".jsonl"));
  const known = new Set(
    (await sql<{ k: string }[]>`
      select f.key || '|' || f.etag as k
      from etl.files f join unnest(${listed.map((o) => o.key)}::text[], ${listed.map((o) => o.etag)}::text[])
        as l(key, etag) on f.key = l.key and f.etag = l.etag`).map((r) => r.k),
  );
  const unclaimed = listed.filter((o) => !known.has(`${o.key}|${o.etag}`));
  const windowStart = lookbackHours > 0 ? await listWindowStart(sql, lookbackHours) : null;
  const outside = windowStart === null ? 0 : unclaimed.filter((o) => o.key < windowStart).length;
  return { window_start: windowStart, unclaimed: unclaimed.length, outside_window: outside };
}

/**
 * Entities that arrived again under a new event_id (a producer retry that re-stamps the envelope), by event type, as
 * the model runner's staging found them (`<stagingSchema>.stg_replayed_events`: the first occurrence wins, the others
 * are left out of the star schema); null until the models were built once.
 */
export async function replayedEntities(
  sql: Sql,
  stagingSchema = "staging",
): Promise<{ event_type: string; replays: number }[] | null> {
  const table = `${stagingSchema}.stg_replayed_events`;
  const [found] = await sql<{ t: string | null }[]>`select to_regclass(${table})::text as t`;
  if (!found?.t) return null;
  const rows = await sql<{ event_type: string; replays: string }[]>`
    select event_type, count(*) as replays from ${sql(table)} group by 1 order by 2 desc, 1`;
  return rows.map((r) => ({ event_type: r.event_type, replays: Number(r.replays) }));
}

/** Gather the report; returns the text and the totals. */
export async function report(sql: Sql, store: ObjectStore, opts: ReportOptions) {
  const batches = await sql`
    select batch_id as batch, status, files, lines_in, loaded, quarantined, duplicates, late,
           (lines_in = coalesce(loaded, 0) + coalesce(quarantined, 0) + coalesce(duplicates, 0)) as adds_up,
           step_ms->>'validate' as validate_ms, step_ms->>'clean' as clean_ms, step_ms->>'load' as load_ms,
           coalesce(failed_step || ': ' || left(error, 80), '') as last_error
    from etl.batches order by batch_id desc limit ${opts.limit}`;
  const days = await sql`
    select day::text as day, sum(events)::bigint as events, sum(late)::bigint as late_events, count(*) as batches
    from etl.batch_days group by day order by day desc limit 60`;
  const reasons = await sql`
    select reason, count(*) as lines from etl.rejected group by reason order by count(*) desc, reason`;
  const [totals] = await sql<Record<string, string>[]>`
    select count(*) as batches, coalesce(sum(lines_in), 0) as lines_in, coalesce(sum(loaded), 0) as loaded,
           coalesce(sum(quarantined), 0) as quarantined, coalesce(sum(duplicates), 0) as duplicates,
           count(*) filter (where status <> 'loaded') as unfinished
    from etl.batches`;
  const raw = await unclaimedRawFiles(sql, store, opts.lookbackHours);
  const replays = await replayedEntities(sql);
  const text = [
    `Batches (latest ${opts.limit}):`,
    textTable(batches),
    "",
    "Days (of occurred_at) loaded:",
    textTable(days),
    "",
    "Quarantine by reason:",
    textTable(reasons),
    "",
    "Raw files not claimed yet:",
    textTable([{
      unclaimed: raw.unclaimed,
      outside_window: raw.outside_window,
      window_starts_at: raw.window_start ?? "(no window: extract lists everything)",
    }]),
    ...(raw.outside_window > 0
      ? [`WARNING: ${raw.outside_window} raw file(s) lie before extract's listing window; run extract --full-scan.`]
      : []),
    "",
    "Replayed entities (same entity, new event_id; the first occurrence wins, `models build` warns):",
    replays === null ? "(the models were not built yet)" : textTable(replays),
  ].join("\n");
  return {
    text,
    totals: {
      ...Object.fromEntries(Object.entries(totals!).map(([k, v]) => [k, Number(v)])),
      unclaimed_raw_files: raw.unclaimed,
      unclaimed_outside_window: raw.outside_window,
      replayed_events: (replays ?? []).reduce((n, r) => n + r.replays, 0),
    },
  };
}
