/**
 * A private ingestion environment for one integration test: its own PostgreSQL database (migrated afresh) and
 * its own S3 bucket, on the real services of the running stack, so tests never see each other's data or the
 * warehouse's. Also small builders of valid events.
 *
 * @module
 */
import { type Config, config } from "../src/config.ts";
import type { Sql } from "../src/clients/postgres.ts";
import type { ObjectStore } from "../src/clients/s3.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import { extract } from "../src/pipeline/extract.ts";
import { validate } from "../src/pipeline/validate.ts";
import { clean } from "../src/pipeline/clean.ts";
import { load } from "../src/pipeline/load.ts";
import type { StepDeps } from "../src/pipeline/deps.ts";

export interface IngestEnv {
  cfg: Config;
  sql: Sql;
  store: ObjectStore;
  deps: StepDeps;
  /** extract -> validate -> clean -> load once, with the validation clock at `now`. */
  runAll(now?: Date): Promise<void>;
  close(): Promise<void>;
}

/** A private database (per test file name) and bucket (per test) with the four steps at hand. */
export async function ingestEnv(name: string): Promise<IngestEnv> {
  // Logs of the steps under test would drown the test report; errors still show.
  configureLogging({ level: "ERROR", format: "text" });
  const box = await openSandbox(config(), name, logger(`test-${name}`));
  const { cfg, deps } = box;
  return {
    ...box,
    async runAll(now?: Date) {
      await extract(deps, { maxFiles: cfg.pipeline.maxFilesPerBatch, lookbackHours: cfg.pipeline.listLookbackHours });
      await validate(deps, {
        futureToleranceMs: cfg.pipeline.futureToleranceMs,
        maxLineBytes: cfg.pipeline.maxLineBytes,
        ...(now ? { now } : {}),
      });
      await clean(deps);
      await load(deps);
    },
  };
}

/** The raw key of the drop for a minute, as the generator names it. */
export function rawKey(minute: string): string {
  const [date, time] = minute.split("T") as [string, string];
  const [hh, mm] = time.split(":") as [string, string];
  return `events/date=${date}/hour=${hh}/events_${date}T${hh}-${mm}-00Z.jsonl`;
}

const uuid = () => crypto.randomUUID();

/** A valid `user.status_changed` event at a time. */
export function statusEvent(occurredAt: string, overrides: Record<string, unknown> = {}) {
  const user = uuid();
  return {
    event_id: uuid(),
    event_type: "user.status_changed",
    schema_version: 1,
    occurred_at: occurredAt,
    actor_user_id: user,
    payload: { user_id: user, session_id: uuid(), status: "online", device: "web", session_duration_s: null },
    ...overrides,
  };
}

/** A valid `comment.created` event with the given text. */
export function commentEvent(occurredAt: string, text: string) {
  const user = uuid();
  return {
    event_id: uuid(),
    event_type: "comment.created",
    schema_version: 1,
    occurred_at: occurredAt,
    actor_user_id: user,
    payload: { comment_id: uuid(), publication_id: uuid(), author_user_id: user, text },
  };
}

/** A valid `donation.made` event with the given amount. */
export function donationEvent(occurredAt: string, amount: unknown) {
  const user = uuid();
  return {
    event_id: uuid(),
    event_type: "donation.made",
    schema_version: 1,
    occurred_at: occurredAt,
    actor_user_id: user,
    payload: {
      donation_id: uuid(),
      donor_user_id: user,
      recipient_user_id: uuid(),
      publication_id: null,
      amount,
      currency: "EUR",
      message: null,
    },
  };
}

/** Per-batch accounting rows. */
export async function batches(sql: Sql) {
  return (await sql<
    { batch_id: string; status: string; lines_in: string; loaded: string; quarantined: string; duplicates: string }[]
  >`select batch_id, status, lines_in, loaded, quarantined, duplicates from etl.batches order by batch_id`).map((
    b,
  ) => ({
    batch: Number(b.batch_id),
    status: b.status,
    lines_in: Number(b.lines_in),
    loaded: Number(b.loaded),
    quarantined: Number(b.quarantined),
    duplicates: Number(b.duplicates),
  }));
}

/** Rejected lines as `file-line:reason` (file by its minute), sorted. */
export async function rejectedReasons(sql: Sql): Promise<string[]> {
  const rows = await sql<{ file_key: string; line_no: number; reason: string }[]>`
    select file_key, line_no, reason from etl.rejected order by file_key, line_no`;
  return rows.map((r) => `${r.line_no}:${r.reason}`);
}

/** A stable fingerprint of the whole warehouse state of the ingestion (for idempotency checks). */
export async function fingerprint(sql: Sql): Promise<Record<string, string>> {
  const q = async (text: string) => String((await sql.unsafe(text))[0]!.h);
  return {
    events: await q(`select md5(string_agg(event_id::text || payload::text || is_late::text || line_no::text,
      ',' order by event_id)) || count(*) as h from landing.events`),
    rejected: await q(`select md5(string_agg(file_key || line_no || reason || coalesce(raw_line, ''), ','
      order by file_key, line_no)) || count(*) as h from etl.rejected`),
    duplicates: await q(`select md5(string_agg(file_key || line_no || event_id::text, ','
      order by file_key, line_no)) || count(*) as h from etl.duplicates`),
    files: await q(`select md5(string_agg(key || etag || coalesce(lines_in, -1), ',' order by key)) || count(*) as h
      from etl.files`),
  };
}

/**
 * A private PostgreSQL cluster and a private versitygw on free ports, started with the native stack's own service
 * definitions (dev/services/*.ts) in a temporary folder, for tests that stop and start a service: the shared stack
 * is never touched. `cfg` points at them (database and bucket still come from {@link openSandbox}).
 */
export interface PrivateStack {
  cfg: Config;
  /** Environment variables that point a task process at the private services. */
  env: Record<string, string>;
  stop(service: "postgres" | "s3"): Promise<void>;
  start(service: "postgres" | "s3"): Promise<void>;
  close(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Start a private PostgreSQL and S3 server (a few seconds: initdb, then both start). */
export async function privateStack(): Promise<PrivateStack> {
  const { makeContext, waitHealthy } = await import("../dev/_lib.ts");
  const { postgresService } = await import("../dev/services/postgres.ts");
  const { s3Service } = await import("../dev/services/s3.ts");
  const base = config();
  const dir = await Deno.makeTempDir({ prefix: "sp-private-stack-" });
  await Deno.chmod(dir, 0o755); // PostgreSQL runs as its own OS user when we are root
  const pgPort = freePort();
  const s3Port = freePort();
  const cfg: Config = {
    ...base,
    devDir: dir,
    postgres: { ...base.postgres, host: "127.0.0.1", port: pgPort },
    s3: { ...base.s3, endpoint: new URL(`http://127.0.0.1:${s3Port}`) },
  };
  const ctx = makeContext(cfg, logger("private-stack"));
  const services = { postgres: postgresService, s3: s3Service };
  const start = async (name: "postgres" | "s3") => {
    const s = services[name];
    await s.start(ctx);
    const reason = await waitHealthy(() => s.health(ctx), s.startTimeoutSeconds);
    if (reason !== null) throw new Error(`private ${name} did not become healthy: ${reason}`);
  };
  await postgresService.install(ctx);
  await start("postgres");
  await start("s3");
  // The warehouse user may create roles here, as the migrations need (a private cluster: ours to change).
  const { sh } = await import("../dev/_lib.ts");
  const psql = ["-h", `${dir}/run/postgres`, "-p", String(pgPort), "-U", "postgres", "-d", "postgres", "-qAtc"];
  const alter = `alter role "${base.postgres.user}" createrole`;
  const bin = "/usr/lib/postgresql/15/bin/psql";
  await (Deno.uid() === 0 ? sh("runuser", ["-u", "postgres", "--", bin, ...psql, alter]) : sh(bin, [...psql, alter]));
  return {
    cfg,
    env: {
      POSTGRES_HOST: "127.0.0.1",
      POSTGRES_PORT: String(pgPort),
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    },
    stop: (name) => services[name].stop(ctx),
    start,
    async close() {
      await s3Service.stop(ctx);
      await postgresService.stop(ctx);
      await Deno.remove(dir, { recursive: true });
    },
  };
}
