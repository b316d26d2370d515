/**
 * ClickHouse materializations (Atomic database), write-audit-publish as far as ClickHouse allows:
 *
 * - view: built as `<name>__new`, audited, then `create or replace view`;
 * - table: built as `<name>__new` (`order_by` required), audited, then `EXCHANGE TABLES` with the live table;
 * - incremental (`partition`): the increment goes into `<name>__incr` (same structure), the table as it would be
 *   after publishing (untouched live partitions plus the increment) is audited, and every partition (day) the
 *   increment holds replaces the live partition with `REPLACE PARTITION`;
 * - incremental (`time_range`): the same publish, but the increment recomputes only the minutes the new batches
 *   touch (a local copy of a PostgreSQL fact follows it minute by minute instead of re-reading whole days), and each
 *   partition it touches is rebuilt from its live rows outside those minutes plus the recomputed ones.
 *
 * Build tables (`__new`, `__incr`) are dropped `sync`: an Atomic database otherwise keeps a dropped table's files for 8
 * minutes and lists it under `metadata_dropped/`, and chDB, opened by a short process every minute, loads every one of
 * them at each start (57 after one full build and three increments on the bench warehouse).
 *
 * @module
 */
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import { chQuery } from "../clients/clickhouse.ts";
import { chCreateTableAs, qualified, type Relation } from "./compile.ts";
import { chLiteral } from "./quote.ts";
import { rangePredicate, type Window } from "./template.ts";
import type { Node } from "./types.ts";
import type { Built } from "./pg.ts";

/**
 * Run the audit with some relations replaced; true when nothing blocks. `increment`: the rows an increment adds
 * (generic tests other than `unique` read only those; `unique` looks their keys up in the whole table).
 */
export type ChAudit = (overrides: Map<string, string>, increment?: string) => Promise<boolean>;

/** Whether a table or view exists. */
export async function chExists(ch: ClickHouseClient, r: Relation): Promise<boolean> {
  const rows = await chQuery<{ n: string }>(
    ch,
    `select count() as n from system.tables where database = ${chLiteral(r.schema)} and name = ${chLiteral(r.name)}`,
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

async function count(ch: ClickHouseClient, relation: string): Promise<number> {
  const rows = await chQuery<{ n: string }>(ch, `select count() as n from ${relation}`);
  return Number(rows[0]?.n ?? 0);
}

/** Build, audit and publish a ClickHouse view. */
export async function chBuildView(ch: ClickHouseClient, node: Node, live: Relation, select: string, audit: ChAudit) {
  const build = qualified({ ...live, name: live.name + "__new" });
  await ch.command({ query: `drop view if exists ${build}` });
  await ch.command({ query: `create view ${build} as\n${select}` });
  const ok = await audit(new Map([[node.name, build]]));
  await ch.command({ query: `drop view if exists ${build}` });
  if (!ok) return { rows: 0, published: false };
  await ch.command({ query: `create or replace view ${qualified(live)} as\n${select}` });
  return { rows: 0, published: true };
}

/** Build, audit and exchange a ClickHouse table (also the full build of a partition incremental). */
export async function chBuildTable(
  ch: ClickHouseClient,
  node: Node,
  live: Relation,
  select: string,
  audit: ChAudit,
  exists?: boolean,
): Promise<Built> {
  const build = qualified({ ...live, name: live.name + "__new" });
  await ch.command({ query: `drop table if exists ${build} sync` });
  await ch.command({ query: chCreateTableAs(node, build, select) });
  const rows = await count(ch, build);
  if (!(await audit(new Map([[node.name, build]])))) {
    await ch.command({ query: `drop table if exists ${build} sync` });
    return { rows, published: false };
  }
  if (exists ?? await chExists(ch, live)) {
    await ch.command({ query: `exchange tables ${build} and ${qualified(live)}` });
    await ch.command({ query: `drop table if exists ${build} sync` });
  } else {
    await ch.command({ query: `rename table ${build} to ${qualified(live)}` });
  }
  return { rows, published: true };
}

/**
 * Build an increment, audit it, and replace every partition it touches. `window` is the increment's window: a live
 * partition inside it (by `partition_by`, a day) that the increment no longer holds is dropped, so a day whose
 * recomputed rows are gone does not keep its old ones.
 */
export async function chReplacePartitions(
  ch: ClickHouseClient,
  node: Node,
  live: Relation,
  select: string,
  audit: ChAudit,
  window?: Window,
): Promise<Built & { partitions: string[] }> {
  const inc = qualified({ ...live, name: live.name + "__incr" });
  await ch.command({ query: `drop table if exists ${inc} sync` });
  await ch.command({ query: `create table ${inc} as ${qualified(live)}` });
  try {
    await ch.command({ query: `insert into ${inc}\n${select}` });
    // One query: the increment's rows per partition, and the live partitions inside the window (those the
    // increment no longer holds are emptied).
    const inWindow = window && node.config.partition_by
      ? `union all select distinct _partition_id as p, toUInt64(0) as n from ${qualified(live)} where ${
        rangePredicate("clickhouse", node.config.partition_by, window)
      }`
      : "";
    const counted = await chQuery<{ p: string; n: string }>(
      ch,
      `select p, sum(n) as n from (select _partition_id as p, count() as n from ${inc} group by p ${inWindow}) ` +
        `group by p order by p`,
    );
    const rows = counted.reduce((a, x) => a + Number(x.n), 0);
    const parts = counted.filter((x) => Number(x.n) > 0).map((x) => x.p);
    const emptied = counted.filter((x) => Number(x.n) === 0).map((x) => x.p);
    // The audit sees the table as it will be once published: live partitions the increment neither replaces nor
    // empties, plus the increment.
    const gone = [...parts, ...emptied].map((p) => chLiteral(p)).join(", ");
    const preview = `(select * from ${qualified(live)} where _partition_id not in (${gone || "''"}) ` +
      `union all select * from ${inc})`;
    if (!(await audit(new Map([[node.name, preview]]), inc))) return { rows, published: false, partitions: [] };
    // One ALTER for every partition (one round trip; its commands run in order, as separate statements would).
    const commands = [
      ...parts.map((p) => `replace partition id ${chLiteral(p)} from ${inc}`),
      ...emptied.map((p) => `drop partition id ${chLiteral(p)}`),
    ];
    if (commands.length > 0) await ch.command({ query: `alter table ${qualified(live)} ${commands.join(", ")}` });
    return { rows, published: true, partitions: [...parts, ...emptied] };
  } finally {
    await ch.command({ query: `drop table if exists ${inc} sync` });
  }
}

/** The UTC days a window's ranges fall in, as a window of whole days. */
export function dayWindow(window: Window): Window {
  const day = 86_400_000;
  const ranges = (window.ranges ?? [{ start: window.start, end: window.end ?? new Date().toISOString() }])
    .map((r) => [Math.floor(Date.parse(r.start) / day) * day, Math.ceil(Date.parse(r.end) / day) * day]);
  const merged: number[][] = [];
  for (const [a, b] of ranges.sort((x, y) => x[0]! - y[0]!)) {
    const last = merged.at(-1);
    if (last && a! <= last[1]!) last[1] = Math.max(last[1]!, b!);
    else merged.push([a!, b!]);
  }
  const iso = (t: number) => new Date(t).toISOString();
  const out: Window = { start: iso(merged[0]![0]!), end: iso(merged.at(-1)![1]!) };
  if (merged.length > 1) out.ranges = merged.map(([a, b]) => ({ start: iso(a!), end: iso(b!) }));
  return out;
}

/**
 * A `time_range` increment: `select` (rendered on the minutes `window` holds) recomputes those minutes; every live
 * partition holding a row of their days is rewritten as its rows outside the minutes plus the recomputed rows, and
 * published like a partition increment (audited, then `REPLACE PARTITION`). No lightweight `DELETE` (0.25-1 s per
 * statement on chDB here, against a few ms to rewrite a day of a narrow table).
 */
export function chReplaceMinutes(
  ch: ClickHouseClient,
  node: Node,
  live: Relation,
  select: string,
  audit: ChAudit,
  window: Window,
): Promise<Built & { partitions: string[] }> {
  const t = node.config.time_column!;
  const days = dayWindow(window);
  const table = qualified(live);
  const kept = `select * from ${table} where _partition_id in (select distinct _partition_id from ${table} where ${
    rangePredicate("clickhouse", t, days)
  }) and not ifNull(${rangePredicate("clickhouse", t, window)}, false)`;
  return chReplacePartitions(ch, node, live, `${kept}\nunion all\nselect * from (\n${select}\n)`, audit, days);
}
