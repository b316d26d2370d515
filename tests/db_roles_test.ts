/**
 * Least privilege on the real PostgreSQL: the roles migrations (src/pipeline/migrations/20261130_0003_roles.sql,
 * 20261130_0007_every_task_on_its_role.sql) plus the log-in script both stacks run (docker/postgres/role_logins.sql),
 * in a private database. Each role connects with its own password from the configuration and is held to what issue 14
 * allows it:
 *   loader    writes etl and landing; cannot create or drop anything in core, cannot write graph
 *   modeller  reads etl and landing, owns staging, core, graph and runner; cannot write etl or landing
 *   reader    reads the accounting of etl (no raw line), staging, core and graph; cannot write anywhere
 * and every task works as its role: the tasks run as child processes with the owner's password wrong (those that
 * never migrate), a role's password wrong, or one privilege of the role revoked in the private database.
 * Needs PostgreSQL, S3, SMTP and Neo4j (`deno task stack:up`).
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { config, postgresAs, type PostgresRole, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox, type Sandbox } from "../src/pipeline/sandbox.ts";
import { migrate, readMigrations } from "../src/pipeline/migrate.ts";
import { extract } from "../src/pipeline/extract.ts";
import { validate } from "../src/pipeline/validate.ts";
import { clean } from "../src/pipeline/clean.ts";
import { load } from "../src/pipeline/load.ts";
import { run } from "../src/runner/mod.ts";
import { rawKey, statusEvent } from "./_ingest_env.ts";
import { chdbQueries, inChdbProcess } from "./_chdb.ts";

const MODELLER_SCHEMAS = ["staging", "core", "graph", "runner"];
const OWNERSHIP_MIGRATION = "20261130_0007_every_task_on_its_role.sql";
const ROLES = ["socialpulse_loader", "socialpulse_modeller", "socialpulse_reader"].join(", ");

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

/**
 * A fresh private database: no schema or privilege left from an earlier run, then every migration (but `without`).
 * Each test has a database of its own (`name`), so that one test's revokes never reach another.
 */
async function freshWarehouse(name: string, without?: string): Promise<Sandbox> {
  configureLogging({ level: "ERROR", format: "text" });
  const box = await openSandbox(config(), `db_roles_${name}`, logger("test-db-roles"));
  await box.sql.unsafe(
    `drop schema if exists ${MODELLER_SCHEMAS.join(", ")}, etl, landing cascade;
     drop table if exists public.schema_migrations;
     revoke all on database ${box.cfg.postgres.database} from ${ROLES};
     alter default privileges revoke all on schemas from ${ROLES};
     alter default privileges revoke all on tables from ${ROLES}`,
  );
  await migrate(box.sql, (await readMigrations()).filter((m) => m.name !== without));
  await runRoleLogins(box);
  return box;
}

/** Objects in the modeller's schemas (the schemas too) that another role owns: `schema.name (kind) owner`. */
async function notModellers(sql: Sql): Promise<string[]> {
  const rows = await sql<{ o: string }[]>`
    select nspname || ' (schema) ' || pg_get_userbyid(nspowner) as o from pg_namespace
     where nspname = any(${MODELLER_SCHEMAS}) and nspowner <> 'socialpulse_modeller'::regrole
    union all
    select n.nspname || '.' || c.relname || ' (' || c.relkind::text || ') ' || pg_get_userbyid(c.relowner)
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any(${MODELLER_SCHEMAS}) and c.relowner <> 'socialpulse_modeller'::regrole
    union all
    select n.nspname || '.' || p.proname || ' (function) ' || pg_get_userbyid(p.proowner)
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = any(${MODELLER_SCHEMAS}) and p.proowner <> 'socialpulse_modeller'::regrole
    order by 1`;
  return rows.map((r) => r.o);
}

/** One raw file of `events` status events at `minute`, through extract, validate, clean and load as the loader. */
async function ingest(box: Sandbox, loader: Sql, minute: string, events: number): Promise<void> {
  const lines = Array.from({ length: events }, (_, i) => JSON.stringify(statusEvent(`${minute}:${10 + i}Z`)));
  await box.store.put(rawKey(minute), lines.join("\n") + "\n");
  const deps = { ...box.deps, sql: loader };
  const cfg = box.cfg.pipeline;
  await extract(deps, { maxFiles: cfg.maxFilesPerBatch, lookbackHours: cfg.listLookbackHours });
  await validate(deps, { futureToleranceMs: cfg.futureToleranceMs, maxLineBytes: cfg.maxLineBytes });
  await clean(deps);
  await load(deps);
}

/** The project's PostgreSQL models built in-process on `sql` (the owner or a role); throws RunFailed on an error. */
function buildModels(box: Sandbox, sql: Sql, targetDir: string, fullRefresh: boolean) {
  return run({
    root: PROJECT_ROOT,
    sql,
    clickhouse: () => Promise.reject(new Error("the project's PostgreSQL models need no ClickHouse")),
    log: logger("test-db-roles-models"),
    print: () => {},
    targets: { schemaPrefix: "", clickhouseDatabase: box.cfg.clickhouse.database, pg: { collection: "unused" } },
  }, {
    command: "build",
    selectors: ["engine:postgres"],
    exclude: [],
    fullRefresh,
    vars: {},
    targetDir,
    docsDir: join(targetDir, "docs"),
  });
}

/** What a task run as a child process returned: its exit code and everything it printed. */
interface TaskRun {
  code: number;
  text: string;
}

/** Run `tasks/<file>` on the private warehouse and bucket, with `env` on top (passwords, targets). */
async function task(box: Sandbox, file: string, args: string[], env: Record<string, string> = {}): Promise<TaskRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(PROJECT_ROOT, "tasks", file), ...args],
    cwd: PROJECT_ROOT,
    env: { POSTGRES_DB: box.cfg.postgres.database, S3_BUCKET: box.cfg.s3.bucket, LOG_FORMAT: "json", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** Every file under `dir`. */
async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path);
    else if (e.isFile) yield path;
  }
}

/**
 * Each statement's outcome on the chDB folder `chPath` ("ok" or the error's first line), run in a process of its own
 * (one chDB engine per process) through the project's client, read-only or not.
 */
function chdbStatements(
  chPath: string,
  database: string,
  readOnly: boolean,
  statements: string[],
): Promise<string[]> {
  return inChdbProcess(
    chPath,
    database,
    `const out = [];
for (const query of ${JSON.stringify(statements)}) {
  try { await ch.command({ query }); out.push("ok"); } catch (e) { out.push(e.message.split("\\n")[0]); }
}
console.log(JSON.stringify(out));`,
    { readOnly },
  );
}

/** A password no role has; also searched for in what the task printed (it must never be echoed). */
const wrongPassword = () => `wrong-${crypto.randomUUID()}`;

/** The run failed because PostgreSQL refused `user`'s log-in, and printed no password. */
function refusedLogIn(r: TaskRun, user: string, password: string, what: string): void {
  ok(r.code !== 0, `${what} must fail: ${r.text.slice(-400)}`);
  // The JSON log line escapes the quotes around the user.
  ok(/password authentication failed for user \\?"/.test(r.text), `${what}: ${r.text.slice(-600)}`);
  ok(r.text.includes(`for user \\"${user}\\"`) || r.text.includes(`for user "${user}"`), `${what}: not ${user}`);
  ok(!r.text.includes(password), `${what} printed the password it was given`);
}

/** The run failed on a missing privilege of its role (42501), naming the relation. */
function refusedPrivilege(r: TaskRun, relation: string, what: string): void {
  ok(r.code !== 0, `${what} must fail: ${r.text.slice(-400)}`);
  ok(r.text.includes(`permission denied for table ${relation}`), `${what}: ${r.text.slice(-600)}`);
}

/** An insert into `table` that only a missing privilege can refuse (an identity column takes its default). */
function insertInto(table: string): string {
  return table === "etl.batches"
    ? `insert into ${table} default values`
    : `insert into ${table} select * from ${table} where false`;
}

/** A pool as the role, as large as the tasks' (a step holds a lock on one connection while it works on others). */
function connectAs(box: Sandbox, role: PostgresRole): Sql {
  return createPostgres(postgresAs(box.cfg.postgres, role));
}

Deno.test("the least-privilege roles: the reader writes nowhere, the loader drops no core table, the modeller writes no etl or landing", async () => {
  const box = await freshWarehouse("privileges");
  const loader = connectAs(box, "loader");
  const modeller = connectAs(box, "modeller");
  const reader = connectAs(box, "reader");
  try {
    // Each role logs in with its own password, as itself.
    for (const [role, sql] of [["loader", loader], ["modeller", modeller], ["reader", reader]] as const) {
      const [me] = await sql<{ u: string }[]>`select current_user as u`;
      equal(me?.u, box.cfg.postgres.roles[role].user);
    }
    // Every migration left the modeller's schemas and what is in them (graph's tables) to the modeller.
    deepStrictEqual(await notModellers(box.sql), []);

    // The loader writes the ingestion schemas: a batch, an event, a quarantined line.
    const [batch] = await loader<{ id: string }[]>`insert into etl.batches default values returning batch_id as id`;
    ok(batch, "the loader inserts a batch");
    await loader`insert into landing.events (event_id, event_type, schema_version, occurred_at, payload, batch_id,
      file_key, line_no, is_late) values (${crypto.randomUUID()}, 'user.status_changed', 1, now(), '{}'::jsonb,
      ${batch.id}, 'events/x.jsonl', 1, false)`;
    await loader`insert into etl.rejected (batch_id, file_key, line_no, reason, detail, raw_line, raw_bytes)
      values (${batch.id}, 'events/x.jsonl', 2, 'invalid_json', 'at 1', '{secret raw line', 16)`;

    // The modeller builds as the runner does (schema checked first, then a table and a view), from landing.
    await modeller.unsafe("create schema if not exists core");
    await modeller.unsafe("create table core.fact_test as select event_id, event_type from landing.events");
    await modeller.unsafe("create view staging.stg_test as select event_id, occurred_at from landing.events");
    const [owner] = await modeller<{ o: string }[]>`select tableowner as o from pg_tables
      where schemaname = 'core' and tablename = 'fact_test'`;
    equal(owner?.o, box.cfg.postgres.roles.modeller.user);

    // The modeller writes neither etl nor landing.
    const ingestion: [string, string][] = [["etl.batches", "error = error"], ["landing.events", "is_late = is_late"]];
    for (const [t, set] of ingestion) {
      await denied(`modeller inserts into ${t}`, () => modeller.unsafe(insertInto(t)));
      await denied(`modeller updates ${t}`, () => modeller.unsafe(`update ${t} set ${set}`));
      await denied(`modeller deletes from ${t}`, () => modeller.unsafe(`delete from ${t}`));
      await denied(`modeller truncates ${t}`, () => modeller.unsafe(`truncate ${t}`));
      await denied(`modeller drops ${t}`, () => modeller.unsafe(`drop table ${t}`));
    }
    for (const schema of ["etl", "landing"]) {
      await denied(`modeller creates a table in ${schema}`, () => modeller.unsafe(`create table ${schema}.m (x int)`));
    }

    // The reader reads core, staging and etl's accounting (one row each, the loader's), and no raw line.
    equal((await reader<{ n: number }[]>`select count(*)::int as n from core.fact_test`)[0]?.n, 1);
    equal((await reader<{ n: number }[]>`select count(*)::int as n from staging.stg_test`)[0]?.n, 1);
    equal((await reader<{ n: number }[]>`select count(*)::int as n from etl.batches`)[0]?.n, 1);
    deepStrictEqual(
      [...await reader`select reason, count(*)::int as lines from etl.rejected group by reason`],
      [{ reason: "invalid_json", lines: 1 }],
    );
    await denied("reader reads a raw line", () => reader`select raw_line from etl.rejected`);
    await denied("reader reads a rejection's detail", () => reader`select detail from etl.rejected`);
    await denied("reader reads landing", () => reader`select count(*) from landing.events`);

    // The reader writes nowhere: no table in any schema, no row in any table or view.
    for (const schema of ["etl", "landing", "staging", "core", "graph", "runner", "public"]) {
      await denied(`reader creates a table in ${schema}`, () => reader.unsafe(`create table ${schema}.r (x int)`));
    }
    await denied("reader creates a schema", () => reader.unsafe("create schema reader_schema"));
    const tables: [string, string][] = [
      ["etl.batches", "failed_step = null"],
      ["etl.rejected", "reason = 'x'"],
      ["landing.events", "is_late = true"],
      ["staging.stg_test", "occurred_at = now()"],
      ["core.fact_test", "event_type = 'y'"],
      ["graph.user_degree", "friends = 0"],
      ["graph.sync_state", "synced_at = now()"],
      ["public.schema_migrations", "applied_at = now()"],
    ];
    for (const [t, set] of tables) {
      await denied(`reader inserts into ${t}`, () => reader.unsafe(insertInto(t)));
      await denied(`reader updates ${t}`, () => reader.unsafe(`update ${t} set ${set}`));
      await denied(`reader deletes from ${t}`, () => reader.unsafe(`delete from ${t}`));
      if (!t.startsWith("staging.")) await denied(`reader truncates ${t}`, () => reader.unsafe(`truncate ${t}`));
      await denied(
        `reader drops ${t}`,
        () => reader.unsafe(`drop ${t.startsWith("staging.") ? "view" : "table"} ${t}`),
      );
    }

    // The loader cannot touch core or graph.
    await denied("loader drops a core table", () => loader.unsafe("drop table core.fact_test"));
    await denied("loader truncates a core table", () => loader.unsafe("truncate core.fact_test"));
    await denied("loader deletes from a core table", () => loader.unsafe("delete from core.fact_test"));
    await denied("loader creates a table in core", () => loader.unsafe("create table core.loader_table (x int)"));
    await denied("loader writes graph", () => loader.unsafe("delete from graph.user_degree"));
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
  const box = await freshWarehouse("handover");
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

Deno.test("a warehouse the owner built before the switch: the modeller owns it after the migration and builds it incrementally and in full", async () => {
  const box = await freshWarehouse("owner_built", OWNERSHIP_MIGRATION);
  const loader = connectAs(box, "loader");
  const modeller = connectAs(box, "modeller");
  const targetDir = await Deno.makeTempDir({ prefix: "db-roles-owner-built-" });
  try {
    // Before the switch: the owner ran the model runner, so staging, core and runner hold the owner's objects.
    await ingest(box, loader, "2026-11-28T10:00", 3);
    await buildModels(box, box.sql, targetDir, false);
    const before = await notModellers(box.sql);
    ok(
      before.some((o) => o.startsWith("core.")) && before.some((o) => o.startsWith("staging.")) &&
        before.some((o) => o.startsWith("runner.")),
      `the owner's build left no objects of its own: ${before.join("; ")}`,
    );

    // A second batch lands; the migration hands everything to the modeller.
    await ingest(box, loader, "2026-11-28T10:05", 2);
    deepStrictEqual(await migrate(box.sql), [OWNERSHIP_MIGRATION]);
    deepStrictEqual(await notModellers(box.sql), []);

    // The modeller's increment takes the new batch (5 status events in staging, both batches in the runner's state).
    const inc = await buildModels(box, modeller, targetDir, false);
    equal(inc.errors, 0);
    const [seen] = await modeller<{ n: number }[]>`select count(*)::int as n from staging.stg_user_status_changes`;
    equal(seen?.n, 5);
    const [batches] = await box.sql<{ ids: string[] }[]>`select array_agg(batch_id::text order by batch_id) as ids
      from etl.batches where status = 'loaded'`;
    equal(batches?.ids.length, 2);
    const second = batches?.ids[1] ?? "none";
    const [state] = await modeller<{ all: boolean }[]>`select bool_and(processed @> ${second}::bigint) as all
      from runner.model_state where model = 'fact_user_session'`;
    equal(state?.all, true, "the increment processed the second batch");

    // A full refresh replaces every table and view: only their owner may.
    const full = await buildModels(box, modeller, targetDir, true);
    equal(full.errors, 0);
    deepStrictEqual(await notModellers(box.sql), []);
  } finally {
    await Promise.all([loader.end(), modeller.end()]);
    await Deno.remove(targetDir, { recursive: true });
    await box.close();
  }
});

Deno.test("ingestion runs as the loader alone, deno task models as the modeller alone, etl:report as the reader", async () => {
  const box = await freshWarehouse("tasks_build");
  const loader = connectAs(box, "loader");
  const reader = connectAs(box, "reader");
  const targetDir = await Deno.makeTempDir({ prefix: "db-roles-target-" });
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
    await denied("reader reads the quarantined line", () => reader`select raw_line from etl.rejected`);

    // deno task models builds staging and the star schema with the owner's password wrong: as the modeller alone.
    const ownerPassword = wrongPassword();
    const models = await task(
      box,
      "models.ts",
      ["build", "--select", "engine:postgres", "--target-dir", targetDir],
      { POSTGRES_PASSWORD: ownerPassword, CLICKHOUSE_URL: "chdb:///proc/no-chdb-here" },
    );
    equal(models.code, 0, models.text.slice(-1500));
    const coreTables = await box.sql<{ t: string; owner: string }[]>`
      select tablename as t, tableowner as owner from pg_tables where schemaname = 'core' order by 1`;
    ok(coreTables.length >= 10, `only ${coreTables.length} core tables were built`);
    deepStrictEqual(await notModellers(box.sql), []);
    for (const { t } of coreTables) {
      await reader.unsafe(`select count(*) from core.${t}`);
      await denied(`loader drops core.${t}`, () => loader.unsafe(`drop table core.${t}`));
      await denied(`reader deletes from core.${t}`, () => reader.unsafe(`delete from core.${t}`));
    }
    // No password in what it printed or in its artifacts (the manifest, run results, compiled SQL).
    const modellerPassword = box.cfg.postgres.roles.modeller.password;
    ok(!models.text.includes(ownerPassword) && !models.text.includes(modellerPassword), "models printed a password");
    for await (const f of walk(targetDir)) {
      const text = await Deno.readTextFile(f);
      ok(!text.includes(modellerPassword) && !text.includes(ownerPassword), `${f} holds a password`);
    }
    const refused = wrongPassword();
    refusedLogIn(
      await task(box, "models.ts", ["build", "--select", "engine:postgres", "--target-dir", targetDir], {
        POSTGRES_MODELLER_PASSWORD: refused,
        CLICKHOUSE_URL: "chdb:///proc/no-chdb-here",
      }),
      "socialpulse_modeller",
      refused,
      "models with the modeller's password wrong",
    );

    // etl:report reads etl's accounting and staging's replays as the reader: refused without its batches privilege.
    await box.sql.unsafe("revoke select on etl.batches from socialpulse_reader");
    refusedPrivilege(await task(box, "etl_report.ts", []), "batches", "etl:report without the reader's privilege");
    await box.sql.unsafe("grant select on etl.batches to socialpulse_reader");
    const report = await task(box, "etl_report.ts", []);
    equal(report.code, 0, report.text.slice(-1500));
    const summary = JSON.parse(report.text.split("\n").filter((l) => l.startsWith('{"task"')).at(-1) ?? "{}");
    equal(summary.status, "ok", report.text.slice(-800));
    ok(!report.text.includes(box.cfg.postgres.roles.reader.password), "etl:report printed the reader's password");
    const readerRefused = wrongPassword();
    refusedLogIn(
      await task(box, "etl_report.ts", [], { POSTGRES_READER_PASSWORD: readerRefused }),
      "socialpulse_reader",
      readerRefused,
      "etl:report with the reader's password wrong",
    );
  } finally {
    await Promise.all([loader.end(), reader.end()]);
    await Deno.remove(targetDir, { recursive: true });
    await box.close();
  }
});

Deno.test("notify and cleanup work as the loader, graph as the modeller", async () => {
  const box = await freshWarehouse("tasks_other");
  try {
    // notify writes etl.alert_incidents (a migration's table) as the loader: refused without its insert privilege.
    const to = `roles-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const event = JSON.stringify({
      dag_id: "socialpulse",
      run_id: "manual_roles",
      task_id: "load",
      try_number: 1,
      error: "E: boom",
      log_url: "",
      log_tail: "",
    });
    const notify = (env: Record<string, string> = {}) =>
      task(box, "notify.ts", ["failure", "--event", event], { ALERT_EMAIL_TO: to, ...env });
    await box.sql.unsafe("revoke insert on etl.alert_incidents from socialpulse_loader");
    refusedPrivilege(await notify(), "alert_incidents", "notify without the loader's insert");
    await box.sql.unsafe("grant insert on etl.alert_incidents to socialpulse_loader");
    const sent = await notify();
    equal(sent.code, 0, sent.text.slice(-1500));
    equal((await box.sql<{ n: number }[]>`select count(*)::int as n from etl.alert_incidents`)[0]?.n, 1);
    const loaderRefused = wrongPassword();
    refusedLogIn(
      await notify({ POSTGRES_LOADER_PASSWORD: loaderRefused }),
      "socialpulse_loader",
      loaderRefused,
      "notify with the loader's password wrong",
    );

    // cleanup reads etl.batches as the loader: one batch loaded 30 days ago with one staged object (the truth: the dry
    // run would delete exactly that object).
    const [old] = await box.sql<{ id: string }[]>`insert into etl.batches (status, loaded_at)
      values ('loaded', now() - interval '30 days') returning batch_id as id`;
    await box.store.put(`staging/batch=${String(old?.id).padStart(8, "0")}/input/events/x.jsonl`, "{}\n");
    await box.sql.unsafe("revoke select on etl.batches from socialpulse_loader");
    refusedPrivilege(await task(box, "cleanup.ts", ["--dry-run"]), "batches", "cleanup without the loader's select");
    await box.sql.unsafe("grant select on etl.batches to socialpulse_loader");
    const cleaned = await task(box, "cleanup.ts", ["--dry-run"]);
    equal(cleaned.code, 0, cleaned.text.slice(-1500));
    const summary = JSON.parse(cleaned.text.split("\n").find((l) => l.startsWith('{"task"')) ?? "{}");
    deepStrictEqual([summary.batches, summary.objects], [[Number(old?.id)], 1], cleaned.text.slice(-800));
    refusedLogIn(
      await task(box, "cleanup.ts", ["--dry-run"], { POSTGRES_LOADER_PASSWORD: loaderRefused }),
      "socialpulse_loader",
      loaderRefused,
      "cleanup with the loader's password wrong",
    );

    // graph sync works on PostgreSQL as the modeller: with the owner's password wrong it gets as far as finding no
    // star schema (nothing is written to Neo4j but its idempotent constraints); with the modeller's wrong, refused.
    const ownerPassword = wrongPassword();
    const graph = await task(box, "graph.ts", ["sync"], { POSTGRES_PASSWORD: ownerPassword });
    ok(graph.code !== 0 && graph.text.includes("the star schema is not built"), graph.text.slice(-800));
    ok(!graph.text.includes(ownerPassword), "graph printed a password");
    const modellerRefused = wrongPassword();
    refusedLogIn(
      await task(box, "graph.ts", ["sync"], {
        POSTGRES_PASSWORD: ownerPassword,
        POSTGRES_MODELLER_PASSWORD: modellerRefused,
      }),
      "socialpulse_modeller",
      modellerRefused,
      "graph sync with the modeller's password wrong",
    );
  } finally {
    await box.close();
  }
});

Deno.test({
  name: "the dashboard reads the pipeline's accounting as the reader",
  sanitizeResources: false,
  async fn() {
    const box = await freshWarehouse("dashboard");
    const chPath = await Deno.makeTempDir({ prefix: "db-roles-dashboard-ch-" });
    // The truth the health page must show: one loaded batch with 777 quarantined lines.
    await box.sql`insert into etl.batches (status, loaded_at, lines_in, loaded, quarantined, duplicates)
      values ('loaded', now(), 1000, 223, 777, 0)`;
    // The marts live on the folder (one empty mart is enough for the pages' day bounds); the dashboard reads them there.
    deepStrictEqual(
      await chdbStatements(chPath, "socialpulse", false, [
        "create table mart_platform_daily (day Date) engine = MergeTree order by day",
      ]),
      ["ok"],
    );
    const ownerPassword = wrongPassword();
    const dashboard = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(PROJECT_ROOT, "tasks", "dashboard.ts"), "--port", "0", "--source", "clickhouse"],
      cwd: PROJECT_ROOT,
      // The owner's password is wrong: whatever the dashboard reads in PostgreSQL, it reads as the reader.
      env: {
        POSTGRES_DB: box.cfg.postgres.database,
        POSTGRES_PASSWORD: ownerPassword,
        CLICKHOUSE_URL: `chdb://${chPath}`,
        LOG_FORMAT: "json",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(dashboard.stderr).text();
    try {
      const lines = dashboard.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let first = "";
      while (!first.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) break;
        first += value;
      }
      const base = /dashboard: (http:\/\/\S+)/.exec(first)?.[1];
      ok(base, `the dashboard printed its URL: ${first}`);
      const health = await fetch(new URL("/health", base));
      const html = await health.text();
      equal(health.status, 200, html.slice(0, 400));
      ok(/data-metric="quarantined" data-value="777"/.test(html), "the health page shows the batch's 777 quarantined");

      // Without the reader's privilege on etl.batches the page fails: the page's query ran as the reader.
      await box.sql.unsafe("revoke select on etl.batches from socialpulse_reader");
      const refused = await fetch(new URL("/health", base));
      await refused.body?.cancel();
      ok(refused.status >= 500, `the health page without the reader's privilege: ${refused.status}`);
      await box.sql.unsafe("grant select on etl.batches to socialpulse_reader");
    } finally {
      dashboard.kill("SIGTERM");
      await dashboard.status;
      const log = await stderr;
      ok(!log.includes(ownerPassword), "the dashboard printed a password");
      await Deno.remove(chPath, { recursive: true });
      await box.close();
    }
    ok((await stderr).includes("permission denied for table batches"), "the refusal names etl.batches");
  },
});

Deno.test("chDB has no users: the dashboard's and export's read-only client refuses every write and still reads", async () => {
  const chPath = await Deno.makeTempDir({ prefix: "db-roles-chdb-" });
  const attempt = (readOnly: boolean, statements: string[]) => chdbStatements(chPath, "roles", readOnly, statements);
  try {
    deepStrictEqual(
      await attempt(false, [
        "create table roles.m (a Int32) engine = MergeTree order by a",
        "insert into roles.m values (1)",
      ]),
      ["ok", "ok"],
    );
    const writes = [
      "insert into roles.m values (2)",
      "create table roles.n (a Int32) engine = Memory",
      "alter table roles.m delete where 1",
      "truncate table roles.m",
      "drop table roles.m",
      "create database other",
    ];
    const outcomes = await attempt(true, [...writes, "select count() from roles.m", "set readonly = 0"]);
    writes.forEach((w, i) => ok(/readonly mode/i.test(outcomes[i]!), `${w}: ${outcomes[i]}`));
    equal(outcomes[writes.length], "ok", "the read-only client reads");
    ok(outcomes[writes.length + 1] !== "ok", "the read-only client cannot lift readonly");
    const [[row]] = await chdbQueries(chPath, "roles", ["select toUInt32(count()) as n from roles.m"]) as [
      [{ n: number }],
    ];
    equal(Number(row.n), 1, "the table holds its one row still");
  } finally {
    await Deno.remove(chPath, { recursive: true });
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
  const box = await freshWarehouse("extract");
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
