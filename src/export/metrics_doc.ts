/**
 * The metric catalog (`docs/metrics.md`), generated from the headers of the marts (`models/marts/mart_*.sql`): per
 * metric of the mission (M1-M18), the marts and columns that carry it (a column whose description starts with
 * `Mn:`), then per mart its grain, description and every column's definition. A test keeps the committed file
 * equal to what this module generates, so the catalog cannot drift from the SQL.
 *
 * @module
 */
import { join } from "node:path";
import { parseHeader, splitHeader } from "../runner/header.ts";

/** The 18 metrics of the mission, by number. */
export const METRICS: readonly string[] = [
  "Posts (publications by kind)",
  "Comments (replies apart) and reactions (by type)",
  "Interactions per post",
  "DAU",
  "WAU",
  "DAU/WAU",
  "Friendship depth",
  "Average friends and followers",
  "PageRank",
  "Reposts and quotes received",
  "Spread speed (time to the 1000th view)",
  "Community growth",
  "Community activity",
  "Moderation load",
  "Most discussed topics",
  "Group engagement",
  "Ads (impressions, clicks, CTR, spend)",
  "Revenue (sponsorships, donations, subscriptions)",
];

/** What the catalog says about one mart. */
export interface MartDoc {
  name: string;
  path: string;
  materialized: string;
  grain: string;
  description: string;
  columns: { name: string; description: string }[];
}

/** Read the header of every `mart_*.sql` under `<root>/models/marts`, by name. */
export async function readMartDocs(root: string): Promise<MartDoc[]> {
  const dir = join(root, "models", "marts");
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /^mart_.*\.sql$/.test(e.name)) names.push(e.name);
  }
  const out: MartDoc[] = [];
  for (const file of names.sort()) {
    const path = `models/marts/${file}`;
    const split = splitHeader(await Deno.readTextFile(join(dir, file)));
    const h = parseHeader(split.yaml, { file: path, line: split.yamlLine });
    const columns = Object.entries(h.columns ?? {})
      .filter(([name]) => !name.startsWith("("))
      .map(([name, spec]) => ({
        name,
        description: (typeof spec === "string" ? spec : spec?.description ?? "").trim(),
      }));
    out.push({
      name: file.replace(/\.sql$/, ""),
      path,
      materialized: h.materialized ?? "table",
      grain: (h.grain ?? "").trim(),
      description: (h.description ?? "").trim().replace(/\s+/g, " "),
      columns,
    });
  }
  return out;
}

const cell = (s: string) => s.replaceAll("|", "\\|").replace(/\s+/g, " ");

/** The catalog as Markdown. */
export function metricsMarkdown(marts: MartDoc[]): string {
  const lines = [
    "# Metric catalog",
    "",
    "Generated from the headers of `models/marts/mart_*.sql` by `deno task metrics:docs`; do not edit by hand (a test",
    "compares this file with the generator's output). Binding definitions: the project's metric decisions; each mart",
    "states the rule it follows. Marts are ClickHouse tables; `deno task export` writes each as CSV and Parquet.",
    "",
    "## How the marts are built",
    "",
    "- The bases (`int_*`) and `mart_ads_daily`, `mart_revenue_daily` are day-partitioned incremental tables: a build",
    "  recomputes exactly the UTC days that the new batches' events fall on (`etl.batch_days`), reading the star schema",
    "  through `postgresql()`, and replaces those partitions; a late event thus recomputes its own day.",
    "- The daily marts with 7- and 30-day windows or running totals (`mart_platform_daily`, `mart_topic_daily`,",
    "  `mart_community_daily`, `mart_user_reposts_daily`) are day-partitioned incrementals too: a build recomputes the",
    "  touched days and every later day whose window or running total contains them (`lookahead`), reading the days",
    "  those windows need from the local bases, plus (`mart_platform_daily`) every day not yet final; the one-row",
    "  `mart_platform_all_time`, the spread marts and the graph marts are rebuilt whole.",
    "- `is_final` compares a day's end plus the late window (`PIPELINE_LATE_WINDOW_HOURS`, or `--vars",
    "  late_window_hours=N`; default 3) with the newest loaded action, not the wall clock, so backfilled history is",
    "  final and a live day is not; a final day's `snapshot_at` stays at the moment it became final.",
    "- Known limits: a comment, reaction or share whose publication is loaded after the day of that action was built",
    "  counts for the publication's community (and a comment for its topic) only once that day is rebuilt (a batch",
    "  touching it, or `--full-refresh`); users appear",
    "  by their durable `user_key` only (dim_user's array columns cannot be read through `postgresql()`); the graph",
    "  metrics (M7-M9) have no mart yet.",
    "",
    "## Metrics",
    "",
    "| # | metric | mart | columns |",
    "| - | ------ | ---- | ------- |",
  ];
  for (const [i, metric] of METRICS.entries()) {
    const tag = new RegExp(`^M${i + 1}:`);
    const hits = marts.map((m) => ({ m, cols: m.columns.filter((c) => tag.test(c.description)) }))
      .filter((x) => x.cols.length > 0);
    if (hits.length === 0) {
      lines.push(`| M${i + 1} | ${metric} | not built yet | |`);
      continue;
    }
    for (const { m, cols } of hits) {
      lines.push(
        `| M${i + 1} | ${metric} | [${m.name}](#${m.name}) | ${cols.map((c) => `\`${c.name}\``).join(", ")} |`,
      );
    }
  }
  for (const m of marts) {
    lines.push(
      "",
      `## ${m.name}`,
      "",
      `\`${m.path}\` (${m.materialized}). **Grain:** ${m.grain}`,
      "",
      m.description,
      "",
      "| column | definition |",
      "| ------ | ---------- |",
      ...m.columns.map((c) => `| \`${c.name}\` | ${cell(c.description)} |`),
    );
  }
  return lines.join("\n") + "\n";
}

/** Write the catalog of the marts under `root` to `path`, formatted as `deno fmt` formats Markdown. */
export async function writeMetricsDoc(root: string, path: string): Promise<{ path: string; marts: number }> {
  const marts = await readMartDocs(root);
  await Deno.writeTextFile(path, metricsMarkdown(marts));
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", "--config", join(root, "deno.json"), path],
    cwd: root,
  }).output();
  if (!fmt.success) throw new Error(`deno fmt ${path} failed: ${new TextDecoder().decode(fmt.stderr)}`);
  return { path, marts: marts.length };
}
