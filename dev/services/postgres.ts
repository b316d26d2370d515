/**
 * PostgreSQL 15 from Debian's packages, as a private cluster under `<DEV_DIR>/data/postgres` (not the system
 * cluster), listening on POSTGRES_PORT of localhost, with the warehouse role and database from the config, and the
 * log-ins of the least-privilege roles (docker/postgres/role_logins.sql, the same script as the Docker stack's).
 * As root the server runs as the `postgres` OS user (PostgreSQL refuses to run as root).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exists, haveCommand, logTail, portOpen, type Service, sh, type StackContext, stopPid } from "../_lib.ts";
import { SERVICE_CHECKS } from "../../src/health.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const isRoot = Deno.uid() === 0;

/** Run a PostgreSQL binary as the cluster's owner, with extra environment variables. */
function asOwner(bin: string, args: string[], env?: Record<string, string>): Promise<string> {
  const opts = env ? { env } : {};
  return isRoot
    ? sh("runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args], opts)
    : sh(join(PG_BIN, bin), args, opts);
}

function socketDir(ctx: StackContext): string {
  return join(ctx.devDir, "run", "postgres");
}

async function chownToPostgres(path: string) {
  if (isRoot) await sh("chown", ["-R", "postgres:postgres", path]);
}

/** `psql` as the superuser over the cluster's private socket. */
function psql(ctx: StackContext, sql: string, db = "postgres"): Promise<string> {
  return asOwner("psql", [
    "-h",
    socketDir(ctx),
    "-p",
    String(ctx.config.postgres.port),
    "-U",
    "postgres",
    "-d",
    db,
    "-v",
    "ON_ERROR_STOP=1",
    "-qAtc",
    sql,
  ]);
}

/** Creates the least-privilege roles when missing and sets their passwords; shared with docker/compose.yml. */
const ROLE_LOGINS_SQL = fileURLToPath(new URL("../../docker/postgres/role_logins.sql", import.meta.url));

const quoteLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;
const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

export const postgresService: Service = {
  name: "postgres",
  startTimeoutSeconds: 60,
  endpoint: (ctx) =>
    `postgres://${ctx.config.postgres.host}:${ctx.config.postgres.port}/${ctx.config.postgres.database}`,

  async install(ctx) {
    if (!(await exists(join(PG_BIN, "postgres")))) {
      ctx.log.info("installing PostgreSQL 15 from Debian packages");
      await sh("apt-get", ["update", "-qq"]);
      await sh("apt-get", ["install", "-y", "-qq", "postgresql-15", "postgresql-contrib-15"], {
        env: { DEBIAN_FRONTEND: "noninteractive" },
      });
    }
    if (isRoot && !(await haveCommand("runuser"))) throw new Error("runuser is missing (util-linux)");
    const data = ctx.dataDir("postgres");
    if (!(await exists(join(data, "PG_VERSION")))) {
      ctx.log.info(`initialising a PostgreSQL cluster in ${data}`);
      await Deno.mkdir(data, { recursive: true });
      await chownToPostgres(data);
      await asOwner("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
      ]);
    }
  },

  async start(ctx) {
    const data = ctx.dataDir("postgres");
    if (await serverRunning(data)) {
      await ensureWarehouse(ctx);
      return;
    }
    const sock = socketDir(ctx);
    await Deno.mkdir(sock, { recursive: true });
    await Deno.mkdir(join(ctx.devDir, "logs"), { recursive: true });
    await chownToPostgres(sock);
    const logFile = ctx.logFile("postgres");
    if (isRoot) {
      await Deno.writeTextFile(logFile, "", { append: true });
      await sh("chown", ["postgres:postgres", logFile]);
    }
    const options = [
      `-p ${ctx.config.postgres.port}`,
      `-k ${sock}`,
      "-c listen_addresses=localhost",
      "-c max_connections=200",
      "-c shared_buffers=512MB",
      "-c work_mem=64MB",
      "-c maintenance_work_mem=256MB",
      "-c max_wal_size=4GB",
      // A dev/CI warehouse: durability of the last transaction on power loss is not worth the fsync cost.
      "-c synchronous_commit=off",
      "-c fsync=off",
      "-c full_page_writes=off",
    ].join(" ");
    await asOwner("pg_ctl", ["-D", data, "-l", logFile, "-o", options, "-w", "-t", "60", "start"]);
    const pid = (await Deno.readTextFile(join(data, "postmaster.pid"))).split("\n")[0]!.trim();
    await Deno.writeTextFile(ctx.pidFile("postgres"), pid);
    await ensureWarehouse(ctx);
  },

  async health(ctx) {
    if (!(await portOpen(ctx.config.postgres.port))) return `nothing listens on port ${ctx.config.postgres.port}`;
    // The real check: the warehouse user logs in over TCP with its password, as every task does.
    return await SERVICE_CHECKS.postgres(ctx.config);
  },

  async stop(ctx) {
    const data = ctx.dataDir("postgres");
    if (await serverRunning(data)) {
      try {
        await asOwner("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch (e) {
        ctx.log.warn(`pg_ctl stop failed; signalling the server`, { error: e, log: await logTail(ctx, "postgres", 5) });
      }
    }
    await stopPid(ctx, "postgres");
  },
};

/** True when pg_ctl finds a live server for the data directory. */
async function serverRunning(data: string): Promise<boolean> {
  if (!(await exists(join(data, "postmaster.pid")))) return false;
  try {
    await asOwner("pg_ctl", ["-D", data, "status"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Create the warehouse role and database when missing; keep the password in line with the config. The role may
 * create databases (integration tests make private ones, so they never touch the warehouse's data) and roles (the
 * roles migration creates the least-privilege roles when they are missing). Then the roles' log-ins.
 */
async function ensureWarehouse(ctx: StackContext) {
  const { user, password, database } = ctx.config.postgres;
  await psql(
    ctx,
    `do $$ begin
       if not exists (select from pg_roles where rolname = ${quoteLiteral(user)}) then
         create role ${quoteIdent(user)} login createdb createrole password ${quoteLiteral(password)};
       else
         alter role ${quoteIdent(user)} login createdb createrole password ${quoteLiteral(password)};
       end if;
     end $$;`,
  );
  const hasDb = (await psql(ctx, `select 1 from pg_database where datname = ${quoteLiteral(database)}`)).trim();
  if (hasDb !== "1") await psql(ctx, `create database ${quoteIdent(database)} owner ${quoteIdent(user)}`);
  const { roles } = ctx.config.postgres;
  // The passwords go through the environment (runuser keeps it), never on psql's command line.
  await asOwner(
    "psql",
    [
      "-h",
      socketDir(ctx),
      "-p",
      String(ctx.config.postgres.port),
      "-U",
      "postgres",
      "-d",
      database,
      "-v",
      "ON_ERROR_STOP=1",
      "-qAt",
      "-f",
      ROLE_LOGINS_SQL,
    ],
    {
      POSTGRES_LOADER_PASSWORD: roles.loader.password,
      POSTGRES_MODELLER_PASSWORD: roles.modeller.password,
      POSTGRES_READER_PASSWORD: roles.reader.password,
    },
  );
}
