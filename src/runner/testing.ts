/**
 * Test support for the runner's integration tests and benchmark: a private warehouse (schemas with a prefix, so
 * other people's `landing`, `etl`, `staging` and `core` stay untouched) filled with the generator's drops.
 *
 * The loader is deliberately small and independent of the pipeline: it validates each line with the event
 * contract, drops exact duplicates by event_id, and records batches and the days they touch the way the pipeline
 * does. The generator's own ledger is the truth the warehouse is compared with.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import { copyRows } from "../clients/postgres.ts";
import { checkOccurredAt, eventSchema, type EventType } from "../events/mod.ts";
import { generate, MemoryStore } from "../generator/mod.ts";
import type { FileLedgerJson } from "../generator/mod.ts";
import { logger } from "../log.ts";
import { LANDING_COLUMNS } from "../pipeline/clean.ts";
import { migrate } from "../pipeline/migrate.ts";
import { resultTables } from "../graph/results.ts";
import { ensureGraphSchema, pgNames } from "../graph/store.ts";

/** Every schema a run with `prefix` may create. */
export function privateSchemas(prefix: string): string[] {
  return ["landing", "etl", "staging", "core", "runner", "graph"].map((s) => prefix + s);
}

/** Drop every private schema of `prefix` (only ever prefixed ones; refuses an empty prefix). */
export async function dropPrivateWarehouse(sql: Sql, prefix: string): Promise<void> {
  if (!/^[a-z][a-z0-9_]*_$/.test(prefix)) throw new Error(`refusing to drop schemas with prefix '${prefix}'`);
  for (const s of privateSchemas(prefix)) await sql.unsafe(`drop schema if exists ${s} cascade`);
}

/**
 * Create `<prefix>landing.events`, `<prefix>etl.batches` and `<prefix>etl.batch_days` shaped like the real ones
 * (applying the pipeline's migrations first, as any pipeline step does, so that the real tables exist to copy), and
 * the graph's empty result tables in `<prefix>graph`.
 */
export async function createPrivateWarehouse(sql: Sql, prefix: string): Promise<void> {
  await migrate(sql);
  await dropPrivateWarehouse(sql, prefix);
  await sql.unsafe(`create schema ${prefix}landing`);
  await sql.unsafe(`create schema ${prefix}etl`);
  await sql.unsafe(`create table ${prefix}etl.batches (like etl.batches including all)`);
  await sql.unsafe(`create table ${prefix}etl.batch_days (like etl.batch_days including all)`);
  await sql.unsafe(`create table ${prefix}landing.events (like landing.events including all)`);
  // The graph's result tables, empty, as the migration creates them: the marts read them through the runner.
  const graph = pgNames(prefix);
  await ensureGraphSchema(sql, graph);
  for (const ddl of Object.values(resultTables(graph))) await sql.unsafe(ddl);
}

/** Generated drops in memory: the files in minute order, and the store holding them and their ledgers. */
export interface Drops {
  store: MemoryStore;
  /** `events/...jsonl` keys in minute order. */
  files: string[];
}

/** Run the generator over `[from, to)` into memory (with its default 1% of injected faults unless told). */
export async function generateDrops(
  from: string,
  to: string,
  rate: number,
  seed: number,
  faults = 0.01,
): Promise<Drops> {
  const store = new MemoryStore();
  const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
  await generate(
    { mode: { kind: "range", from: minute(from), to: minute(to) }, rate, faults, seed, fresh: true },
    { store, log: logger("generate"), signal: new AbortController().signal, progress: false },
  );
  const files = [...store.objects.keys()].filter((k) => k.startsWith("events/") && k.endsWith(".jsonl")).sort();
  return { store, files };
}

/** Sum of the file ledgers' distinct valid events by type, over the given data files. */
export function ledgerByType(drops: Drops, files: string[]): Partial<Record<EventType, number>> {
  const out: Partial<Record<EventType, number>> = {};
  for (const f of files) {
    const key = "ledger/files/" + f.slice("events/".length).replace(/\.jsonl$/, ".json");
    const bytes = drops.store.objects.get(key);
    if (!bytes) throw new Error(`no ledger for ${f}`);
    const ledger = JSON.parse(new TextDecoder().decode(bytes)) as FileLedgerJson;
    for (const [t, n] of Object.entries(ledger.valid_by_type)) {
      out[t as EventType] = (out[t as EventType] ?? 0) + (n ?? 0);
    }
  }
  return out;
}

/** Load data files as one batch into the private landing table; `seen` carries event ids across batches. */
export async function loadBatch(
  sql: Sql,
  prefix: string,
  drops: Drops,
  files: string[],
  seen: Set<string>,
): Promise<{ batchId: number; loaded: number }> {
  const [batch] = await sql.unsafe<{ batch_id: string }[]>(
    `insert into ${prefix}etl.batches (status, files) values ('claimed', ${files.length}) returning batch_id`,
  );
  const batchId = Number(batch!.batch_id);
  const rows: (string | number | boolean | Date | Record<string, unknown> | null)[][] = [];
  const now = new Date();
  for (const f of files) {
    const m = /events_(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-00Z\.jsonl$/.exec(f)!;
    const fileMinute = new Date(`${m[1]}T${m[2]}:${m[3]}:00Z`);
    const text = new TextDecoder().decode(drops.store.objects.get(f)!);
    for (const [i, line] of text.split("\n").entries()) {
      if (line === "") continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = eventSchema.safeParse(raw);
      if (!parsed.success) continue;
      const e = parsed.data;
      if (checkOccurredAt(e.occurred_at, now, 300_000) !== null) continue;
      if (seen.has(e.event_id)) continue;
      seen.add(e.event_id);
      const at = new Date(e.occurred_at);
      rows.push([
        e.event_id,
        e.event_type,
        e.schema_version,
        at,
        e.actor_user_id,
        e.payload as Record<string, unknown>,
        batchId,
        f,
        i + 1,
        fileMinute,
        at < fileMinute,
      ]);
    }
  }
  const loaded = await copyRows(sql, `${prefix}landing.events`, LANDING_COLUMNS, rows);
  await sql.unsafe(
    `insert into ${prefix}etl.batch_days (batch_id, day, events, late)
     select batch_id, (occurred_at at time zone 'UTC')::date, count(*), count(*) filter (where is_late)
     from ${prefix}landing.events where batch_id = ${batchId} group by 1, 2`,
  );
  await sql.unsafe(
    `update ${prefix}etl.batches set status = 'loaded', loaded_at = now(), loaded = ${loaded} where batch_id = ${batchId}`,
  );
  return { batchId, loaded };
}

/** Row count and an order-independent checksum of every table in a schema. */
export async function tableFingerprints(sql: Sql, schema: string): Promise<Record<string, string>> {
  const tables = await sql.unsafe<{ name: string }[]>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = '${schema}' and c.relkind = 'r' order by 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ n: string; h: string | null }[]>(
      `select count(*) as n, md5(string_agg(md5(t::text), '' order by md5(t::text))) as h from ${schema}.${name} t`,
    );
    out[name] = `${row!.n}:${row!.h ?? ""}`;
  }
  return out;
}
