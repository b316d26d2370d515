/** The migration runner against the real PostgreSQL: each migration in its own transaction, each applied once. */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { migrate, readMigrations } from "../src/pipeline/migrate.ts";
import { ingestEnv } from "./_ingest_env.ts";

Deno.test("migrate() runs each migration in its own transaction: a failing one keeps the ones before it", async () => {
  const env = await ingestEnv("pipeline_migrate");
  try {
    const real = await readMigrations();
    const extra = [
      { name: "99990101_0001_ok.sql", sql: "create table etl.migrate_ok (x int)" },
      { name: "99990101_0002_bad.sql", sql: "create table etl.migrate_bad (x int); select 1 / 0" },
    ];
    await rejects(migrate(env.sql, [...real, ...extra]), /division by zero/);
    const names = (await env.sql<{ name: string }[]>`select name from public.schema_migrations order by name`)
      .map((r) => r.name);
    assertEquals(names, [...real.map((m) => m.name), "99990101_0001_ok.sql"]);
    const tables = (await env.sql<{ t: string }[]>`
      select table_name as t from information_schema.tables
      where table_schema = 'etl' and table_name like 'migrate_%' order by 1`).map((r) => r.t);
    assertEquals(tables, ["migrate_ok"]);

    // Applied migrations are skipped; two runners at once apply a pending one exactly once.
    const next = { name: "99990101_0003_once.sql", sql: "create table etl.migrate_once (x int)" };
    const runs = await Promise.all([
      migrate(env.sql, [...real, extra[0]!, next]),
      migrate(env.sql, [...real, extra[0]!, next]),
    ]);
    assertEquals(runs.flat(), ["99990101_0003_once.sql"]);
  } finally {
    await env.close();
  }
});
