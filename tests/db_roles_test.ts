/**
 * Least privilege on the real PostgreSQL: the roles migration (src/pipeline/migrations/20261130_0003_roles.sql) plus
 * the log-in script both stacks run (docker/postgres/role_logins.sql), in a private database. Each role connects with
 * its own password from the configuration and is held to what issue 14 allows it:
 *   loader    writes etl and landing; cannot create or drop anything in core
 *   modeller  reads landing, owns core (creates, fills and drops its tables); cannot write landing
 *   reader    reads core; cannot write anywhere, cannot read landing
 * Needs PostgreSQL and S3 (`deno task stack:up`).
 */
import { equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { config, postgresAs, type PostgresRole, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox, type Sandbox } from "../src/pipeline/sandbox.ts";
import { migrate } from "../src/pipeline/migrate.ts";
import { extract } from "../src/pipeline/extract.ts";
import { validate } from "../src/pipeline/validate.ts";
import { clean } from "../src/pipeline/clean.ts";
import { load } from "../src/pipeline/load.ts";
import { run } from "../src/runner/mod.ts";
import { rawKey, statusEvent } from "./_ingest_env.ts";

const MODELLER_SCHEMAS = ["staging", "core", "graph", "runner"];

/** Rejects with PostgreSQL's "insufficient privilege" (42501), not with any other error. */
async function denied(what: string, query: () => Promise<unknown>): Promise<void> {
  await rejects(query, (e: unknown) => {
    const err = e as { code?: string; message?: string };
    equal(err.code, "42501", `${what}: expected permission denied (42501), got ${err.code}: ${err.message}`);
    return true;
  }, `${what} must be refused`);
}

/** The same psql call as compose's postgres-roles one-shot: as the database owner, passwords from the config. */
async function runRoleLogins(box: Sandbox): Promise<void> {
  const pg = box.cfg.postgres;
  const out = await new Deno.Command("psql", {
    args: [
      "-h",
      pg.host,
      "-p",
      String(pg.port),
      "-U",
      pg.user,
      "-d",
      pg.database,
      "-v",
      "ON_ERROR_STOP=1",
      "-qAt",
      "-f",
      `${PROJECT_ROOT}/docker/postgres/role_logins.sql`,
    ],
    env: {
      PGPASSWORD: pg.password,
      POSTGRES_LOADER_PASSWORD: pg.roles.loader.password,
      POSTGRES_MODELLER_PASSWORD: pg.roles.modeller.password,
      POSTGRES_READER_PASSWORD: pg.roles.reader.password,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  ok(out.success, `role_logins.sql failed: ${text}`);
  ok(!text.includes(pg.roles.loader.password), "role_logins.sql must not print a password");
}

/** A fresh private database: no schema or default privilege left from an earlier run, then every migration. */
async function freshWarehouse(): Promise<Sandbox> {
  configureLogging({ level: "ERROR", format: "text" });
  const box = await openSandbox(config(), "db_roles", logger("test-db-roles"));
  await box.sql.unsafe(
    `drop schema if exists ${MODELLER_SCHEMAS.join(", ")}, etl, landing cascade;
     drop table if exists public.schema_migrations;
     revoke all on database ${box.cfg.postgres.database} from socialpulse_loader, socialpulse_modeller, socialpulse_reader`,
  );
  await migrate(box.sql);
  await runRoleLogins(box);
  return box;
}

/** A pool as the role, as large as the tasks' (a step holds a lock on one connection while it works on others). */
function connectAs(box: Sandbox, role: PostgresRole): Sql {
  return createPostgres(postgresAs(box.cfg.postgres, role));
}

Deno.test("the least-privilege roles: the reader cannot write, the loader cannot drop a core table", async () => {
  const box = await freshWarehouse();
  const loader = connectAs(box, "loader");
  const modeller = connectAs(box, "modeller");
  const reader = connectAs(box, "reader");
  try {
    // Each role logs in with its own password, as itself.
    for (const [role, sql] of [["loader", loader], ["modeller", modeller], ["reader", reader]] as const) {
      const [me] = await sql<{ u: string }[]>`select current_user as u`;
      equal(me?.u, box.cfg.postgres.roles[role].user);
    }

    // The loader writes the ingestion schemas.
    const [batch] = await loader<{ id: string }[]>`insert into etl.batches default values returning batch_id as id`;
    ok(batch, "the loader inserts a batch");
    await loader`insert into landing.events (event_id, event_type, schema_version, occurred_at, payload, batch_id,
      file_key, line_no, is_late) values (${crypto.randomUUID()}, 'user.status_changed', 1, now(), '{}'::jsonb,
      ${batch.id}, 'events/x.jsonl', 1, false)`;

    // The modeller builds core as the runner does (schema checked first, then a table), from landing.
    await modeller.unsafe("create schema if not exists core");
    await modeller.unsafe("create table core.fact_test as select event_id, event_type from landing.events");
    const [owner] = await modeller<{ o: string }[]>`select tableowner as o from pg_tables
      where schemaname = 'core' and tablename = 'fact_test'`;
    equal(owner?.o, box.cfg.postgres.roles.modeller.user);
    await denied(
      "modeller inserts into landing",
      () => modeller`insert into landing.events select * from landing.events where false`,
    );

    // The reader reads core (one row, the one the loader wrote) and nothing else.
    const [count] = await reader<{ n: number }[]>`select count(*)::int as n from core.fact_test`;
    equal(count?.n, 1);
    await denied(
      "reader inserts into core",
      () => reader`insert into core.fact_test (event_id, event_type) values (${crypto.randomUUID()}, 'x')`,
    );
    await denied("reader updates core", () => reader`update core.fact_test set event_type = 'y'`);
    await denied("reader deletes from core", () => reader`delete from core.fact_test`);
    await denied("reader creates a table in core", () => reader.unsafe("create table core.reader_table (x int)"));
    await denied("reader writes etl", () => reader`insert into etl.batches default values`);
    await denied("reader reads landing", () => reader`select count(*) from landing.events`);

    // The loader cannot touch core.
    await denied("loader drops a core table", () => loader.unsafe("drop table core.fact_test"));
    await denied("loader truncates a core table", () => loader.unsafe("truncate core.fact_test"));
    await denied("loader creates a table in core", () => loader.unsafe("create table core.loader_table (x int)"));
    await denied("loader creates a schema", () => loader.unsafe("create schema loader_schema"));
    await denied("loader drops a landing table", () => loader.unsafe("drop table landing.events"));

    // The owner still holds everything: the table is there, with its one row.
    const [after] = await box.sql<{ n: number }[]>`select count(*)::int as n from core.fact_test`;
    equal(after?.n, 1);
  } finally {
    await Promise.all([loader.end(), modeller.end(), reader.end()]);
    await box.close();
  }
});

Deno.test("the roles migration hands an existing core schema and its tables to the modeller", async () => {
  const box = await freshWarehouse();
  try {
    // A warehouse from before the roles: core built by the owner, then the migration applied again.
    await box.sql.unsafe(
      "drop schema core cascade; create schema core; create table core.dim_old (id int); insert into core.dim_old values (7)",
    );
    await box.sql`delete from public.schema_migrations where name = '20261130_0003_roles.sql'`;
    equal((await migrate(box.sql)).join(), "20261130_0003_roles.sql");
    const owners = await box.sql<{ kind: string; owner: string }[]>`
      select 'schema' as kind, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = 'core'
      union all
      select 'table', tableowner from pg_tables where schemaname = 'core' and tablename = 'dim_old'`;
    for (const { kind, owner } of owners) equal(owner, "socialpulse_modeller", `core ${kind}`);
    equal(owners.length, 2);
    const reader = connectAs(box, "reader");
    const loader = connectAs(box, "loader");
    try {
      const [row] = await reader<{ id: number }[]>`select id from core.dim_old`;
      equal(row?.id, 7);
      await denied("loader drops the migrated core table", () => loader.unsafe("drop table core.dim_old"));
    } finally {
      await Promise.all([reader.end(), loader.end()]);
    }
  } finally {
    await box.close();
  }
});

Deno.test("ingestion runs as the loader alone, the models as the modeller alone, and the reader reads core", async () => {
  const box = await freshWarehouse();
  const loader = connectAs(box, "loader");
  const modeller = connectAs(box, "modeller");
  const reader = connectAs(box, "reader");
  try {
    // One raw file: three valid events and one line that is not JSON (the truth: 3 loaded, 1 quarantined).
    const minute = "2026-11-28T10:00";
    const lines = [1, 2, 3].map((s) => JSON.stringify(statusEvent(`${minute}:0${s}Z`)));
    await box.store.put(rawKey(minute), [lines[0], "{not json", lines[1], lines[2]].join("\n") + "\n");

    const deps = { ...box.deps, sql: loader };
    const cfg = box.cfg.pipeline;
    await extract(deps, { maxFiles: cfg.maxFilesPerBatch, lookbackHours: cfg.listLookbackHours });
    await validate(deps, { futureToleranceMs: cfg.futureToleranceMs, maxLineBytes: cfg.maxLineBytes });
    await clean(deps);
    await load(deps);

    // Checked as the owner, not as the role under test.
    const [batch] = await box.sql<{ status: string; loaded: string; quarantined: string }[]>`
      select status, loaded, quarantined from etl.batches`;
    equal(batch?.status, "loaded");
    equal(Number(batch?.loaded), 3);
    equal(Number(batch?.quarantined), 1);
    const [events] = await box.sql<{ n: number }[]>`select count(*)::int as n from landing.events`;
    equal(events?.n, 3);
    await denied("reader reads the loaded events", () => reader`select count(*) from landing.events`);
    await denied("reader reads the batches", () => reader`select count(*) from etl.batches`);

    // The model runner builds the project's staging and star schema as the modeller alone.
    const targetDir = await Deno.makeTempDir({ prefix: "db-roles-target-" });
    try {
      const summary = await run({
        root: PROJECT_ROOT,
        sql: modeller,
        clickhouse: () => Promise.reject(new Error("the project's PostgreSQL models need no ClickHouse")),
        log: logger("test-db-roles-models"),
        print: () => {},
        targets: { schemaPrefix: "", clickhouseDatabase: box.cfg.clickhouse.database, pg: { collection: "unused" } },
      }, {
        command: "build",
        selectors: ["engine:postgres"],
        exclude: [],
        fullRefresh: false,
        vars: {},
        targetDir,
        docsDir: join(targetDir, "docs"),
      });
      ok(summary, "the build finished");
    } finally {
      await Deno.remove(targetDir, { recursive: true });
    }
    const coreTables = await box.sql<{ t: string; owner: string }[]>`
      select tablename as t, tableowner as owner from pg_tables where schemaname = 'core' order by 1`;
    ok(coreTables.length >= 10, `only ${coreTables.length} core tables were built`);
    for (const { t, owner } of coreTables) {
      equal(owner, "socialpulse_modeller", `core.${t}`);
      await reader.unsafe(`select count(*) from core.${t}`);
      await denied(`loader drops core.${t}`, () => loader.unsafe(`drop table core.${t}`));
      await denied(`reader deletes from core.${t}`, () => reader.unsafe(`delete from core.${t}`));
    }
  } finally {
    await Promise.all([loader.end(), modeller.end(), reader.end()]);
    await box.close();
  }
});

Deno.test("role_logins.sql stops with the name of a password that is missing from the environment", async () => {
  const pg = config().postgres;
  const out = await new Deno.Command("psql", {
    args: ["-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", pg.database, "-v", "ON_ERROR_STOP=1", "-qAt"]
      .concat(["-f", `${PROJECT_ROOT}/docker/postgres/role_logins.sql`]),
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      PGPASSWORD: pg.password,
      POSTGRES_LOADER_PASSWORD: pg.roles.loader.password,
      POSTGRES_MODELLER_PASSWORD: pg.roles.modeller.password,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(!out.success, "role_logins.sql must fail without POSTGRES_READER_PASSWORD");
  ok(new TextDecoder().decode(out.stderr).includes("POSTGRES_READER_PASSWORD is not set"));
});

Deno.test("the ingestion tasks migrate as the owner, then work as the loader", async () => {
  const box = await freshWarehouse();
  try {
    const minute = "2026-11-28T11:00";
    await box.store.put(rawKey(minute), JSON.stringify(statusEvent(`${minute}:01Z`)) + "\n");
    const extract = async (loaderPassword: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(PROJECT_ROOT, "tasks", "extract.ts")],
        cwd: PROJECT_ROOT,
        env: {
          POSTGRES_DB: box.cfg.postgres.database,
          S3_BUCKET: box.cfg.s3.bucket,
          POSTGRES_LOADER_PASSWORD: loaderPassword,
          LOG_FORMAT: "json",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { ok: out.success, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
    };
    // A loader log-in that PostgreSQL refuses stops the task, though the owner's migrations went through: the step
    // itself connects as the loader.
    const refused = await extract("not-the-loader-password");
    ok(!refused.ok, "extract must fail when the loader cannot log in");
    ok(refused.text.includes("socialpulse_loader"), `the error names the loader: ${refused.text.slice(-600)}`);
    equal((await box.sql<{ n: number }[]>`select count(*)::int as n from etl.batches`)[0]?.n, 0);

    const accepted = await extract(box.cfg.postgres.roles.loader.password);
    ok(accepted.ok, accepted.text.slice(-600));
    equal((await box.sql<{ n: number }[]>`select count(*)::int as n from etl.batches`)[0]?.n, 1);
  } finally {
    await box.close();
  }
});
