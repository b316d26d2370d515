/**
 * A private ingestion sandbox on the real services: its own PostgreSQL database (migrated afresh) and its own S3
 * bucket, so integration tests and benchmarks never touch the warehouse's data or each other's.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { createPostgres, type Sql } from "../clients/postgres.ts";
import { ObjectStore } from "../clients/s3.ts";
import type { Logger } from "../log.ts";
import { migrate } from "./migrate.ts";
import type { StepDeps } from "./deps.ts";

export interface Sandbox {
  cfg: Config;
  sql: Sql;
  store: ObjectStore;
  deps: StepDeps;
  /** Empty and remove the bucket, close the pool (the database stays, to be reset by the next sandbox). */
  close(): Promise<void>;
}

/** Open (and reset) the sandbox `name`: database `<POSTGRES_DB>_t_<name>`, a fresh bucket `sp-<name>-<random>`. */
export async function openSandbox(base: Config, name: string, log: Logger): Promise<Sandbox> {
  const database = `${base.postgres.database}_t_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const admin = createPostgres({ ...base.postgres, poolMax: 1 });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${database}`;
    if (exists.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  const bucket = `sp-${name.replace(/[^a-z0-9]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`.slice(0, 63);
  const cfg: Config = { ...base, postgres: { ...base.postgres, database }, s3: { ...base.s3, bucket } };
  const sql = createPostgres(cfg.postgres);
  await sql.unsafe("drop schema if exists etl, landing cascade; drop table if exists public.schema_migrations");
  await migrate(sql);
  const store = new ObjectStore(cfg.s3);
  await store.ensureBucket();
  return {
    cfg,
    sql,
    store,
    deps: { sql, store, log },
    async close() {
      await store.remove((await store.list("")).map((o) => o.key));
      await store.client.removeBucket(bucket).catch(() => {});
      await sql.end();
    },
  };
}
