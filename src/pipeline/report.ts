/**
 * `deno task etl:report`: per-batch and per-day accounting of the pipeline, and the quarantine by reason.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";

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
}

/** Gather the report; returns the text and the totals. */
export async function report(sql: Sql, opts: ReportOptions) {
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
  const text = [
    `Batches (latest ${opts.limit}):`,
    textTable(batches),
    "",
    "Days (of occurred_at) loaded:",
    textTable(days),
    "",
    "Quarantine by reason:",
    textTable(reasons),
  ].join("\n");
  return { text, totals: Object.fromEntries(Object.entries(totals!).map(([k, v]) => [k, Number(v)])) };
}
