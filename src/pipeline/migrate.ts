/**
 * Schema migrations of the warehouse's own tables (etl bookkeeping, landing): timestamped SQL files in
 * `src/pipeline/migrations/`, applied once each, in name order, each in its own transaction, under an advisory
 * lock so that concurrent tasks never apply one twice. Every pipeline step calls {@link migrate} first.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** Arbitrary constant: the advisory lock key for migrations. */
const LOCK_KEY = 74_120_001;

/** A migration file. */
export interface Migration {
  name: string;
  sql: string;
}

/** Every migration file, in the order they apply. */
export async function readMigrations(): Promise<Migration[]> {
  const out: Migration[] = [];
  for await (const e of Deno.readDir(MIGRATIONS_DIR)) {
    if (e.isFile && e.name.endsWith(".sql")) {
      out.push({ name: e.name, sql: await Deno.readTextFile(new URL(e.name, MIGRATIONS_DIR)) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Apply the migrations that have not been applied; returns the names applied now. Each migration runs in its own
 * transaction together with its row in `schema_migrations`, so a failing one leaves the ones before it applied and
 * itself not at all. Every transaction takes the same advisory lock first and checks again that its migration is
 * pending, so concurrent tasks apply each migration once.
 */
export async function migrate(sql: Sql, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? await readMigrations();
  const done = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`create table if not exists public.schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`;
    return new Set((await tx<{ name: string }[]>`select name from public.schema_migrations`).map((r) => r.name));
  });
  const applied: string[] = [];
  for (const m of all) {
    if (done.has(m.name)) continue;
    const now = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
      if ((await tx`select 1 from public.schema_migrations where name = ${m.name}`).length > 0) return false;
      await tx.unsafe(m.sql);
      await tx`insert into public.schema_migrations (name) values (${m.name})`;
      return true;
    });
    if (now) applied.push(m.name);
  }
  return applied;
}
