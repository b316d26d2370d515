/**
 * The pipeline DAG under `airflow dags test` (local runner, a private AIRFLOW_HOME on SQLite) against the native
 * stack, in a private database and bucket, on generated data:
 * - the warehouse (landing, accounting, staging, the star schema, the graph and its metrics) ends equal to running
 *   the tasks by hand in a second private database on the same files, and holds every generated line; the graph
 *   steps use a private Neo4j (tests/_graph_env.ts), emptied between the run by hand and the DAG's; the marts (a
 *   private chDB folder per run) export the same rows and byte-identical CSV files, locally and into the bucket;
 * - with ALERT_ON_SUCCESS=run the SMTP capture receives exactly one digest with those counts;
 * - with the S3 server unreachable, extract fails (after its retry) with exactly one failure mail naming it; a second
 *   failing run sends nothing more; the next good run sends one RECOVERED mail;
 * - a file with 30 bad lines gives exactly one quality warning naming the reason.
 * Mail is told apart from other tests' by a recipient of its own.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { type Config, config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox, type Sandbox } from "../src/pipeline/sandbox.ts";
import { airflowCli, airflowEnv, prepareAirflowHome } from "../src/orchestration/airflow.ts";
import { type CapturedMail, readMailbox } from "./_mailbox.ts";
import { privateNeo4j } from "./_graph_env.ts";
import { readMartDocs } from "../src/export/metrics_doc.ts";
import type { ExportManifest } from "../src/export/mod.ts";

/** The pipeline as a person runs it by hand (README, docs/graph.md). */
const BY_HAND = [
  ["extract"],
  ["validate"],
  ["clean"],
  ["load"],
  ["models", "build", "path:seeds", "path:models/staging", "path:models/core"],
  ["graph", "sync"],
  ["graph", "metrics"],
  ["models", "build", "path:models/marts"],
  ["export"],
];
/** Columns that hold when a row was computed or how long it took, not what was computed. */
const CLOCK_COLUMNS = ["computed_at", "synced_at", "timings"];

async function dropDatabase(base: Config, database: string): Promise<void> {
  const admin = createPostgres({ ...base.postgres, poolMax: 1 });
  try {
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
  } finally {
    await admin.end();
  }
}

/** A fresh private database (dropped first: models leave schemas that openSandbox does not reset) and bucket. */
async function freshSandbox(base: Config, name: string): Promise<Sandbox> {
  await dropDatabase(base, `${base.postgres.database}_t_${name}`);
  return await openSandbox(base, name, logger(`test-${name}`));
}

function envOf(box: Sandbox, tmp: string, name: string, neo4jUrl: string): Record<string, string> {
  return {
    NEO4J_URL: neo4jUrl,
    // A private embedded ClickHouse per run (chDB: one process per data folder; never the stack's).
    CLICKHOUSE_URL: `chdb://${join(tmp, `clickhouse-${name}`)}`,
    POSTGRES_DB: box.cfg.postgres.database,
    S3_BUCKET: box.cfg.s3.bucket,
    RUNNER_TARGET_DIR: join(tmp, `target-${name}`),
    EXPORT_DIR: join(tmp, `exports-${name}`),
    LOG_FORMAT: "json",
  };
}

async function denoTask(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  ok(out.success, `deno task ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr).slice(-3000)}`);
  return JSON.parse(stdout.split("\n").at(-1)!);
}

/** The body of a captured mail's text/plain part, quoted-printable decoded. */
function plainText(m: CapturedMail): string {
  const part = /Content-Type: text\/plain[^\n]*\n(?:[^\n]+\n)*?\r?\n([\s\S]*?)\r?\n--/i.exec(m.raw)?.[1] ?? "";
  return part.replace(/\r\n/g, "\n").replace(/=\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)),
  );
}

/** The export's manifest (the one day folder of `dir`) and the object names of the bucket's export of that day. */
async function exported(box: Sandbox, dir: string): Promise<{ manifest: ExportManifest; objects: string[] }> {
  const days = await Array.fromAsync(Deno.readDir(dir));
  equal(days.length, 1, `one export day in ${dir}`);
  const day = days[0]!.name;
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, day, "manifest.json"))) as ExportManifest;
  const objects = (await box.store.list(`exports/${day}/`)).map((o) => o.key.slice(`exports/${day}/`.length));
  return { manifest, objects };
}

/** Counts and fingerprints of everything the pipeline and the models wrote (no load times or batch ids). */
async function warehouse(sql: Sql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const one = async (text: string) => String((await sql.unsafe(text))[0]!.h);
  out.landing = await one(`select count(*) || ':' || md5(string_agg(event_id::text || event_type || payload::text ||
    occurred_at::text || is_late::text, ',' order by event_id)) as h from landing.events`);
  out.accounting = await one(`select sum(lines_in) || '/' || sum(loaded) || '/' || sum(quarantined) || '/' ||
    sum(duplicates) as h from etl.batches where status = 'loaded'`);
  const relations = await sql<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in ('staging', 'core', 'seeds', 'graph') order by 1, 2`;
  ok(relations.some((r) => r.schema === "core"), "the models built no core table");
  ok(relations.some((r) => r.schema === "graph"), "the graph steps wrote no table");
  const clock = CLOCK_COLUMNS.map((c) => ` - '${c}'`).join("");
  for (const r of relations) {
    out[`${r.schema}.${r.name}`] = await one(
      `select count(*) || ':' || coalesce(md5(string_agg((to_jsonb(t)${clock})::text, ',' order by
       (to_jsonb(t)${clock})::text)), '') as h from "${r.schema}"."${r.name}" t`,
    );
  }
  return out;
}

Deno.test({
  name: "airflow dags test runs the pipeline like the tasks by hand and mails digest, failure, recovery, quality",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    configureLogging({ level: "ERROR", format: "text" });
    const base = config();
    const tmp = await Deno.makeTempDir({ prefix: "socialpulse-airflow-e2e-" });
    // Names of this process's own: two runs of the suite at once must not drop each other's databases.
    const dagBox = await freshSandbox(base, `airflow_dag_${Deno.pid}`);
    const handBox = await freshSandbox(base, `airflow_hand_${Deno.pid}`);
    const recipient = `airflow-e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const home = join(tmp, "airflow");
    // The graph steps write Neo4j's single database: a private server, emptied between the two runs.
    const neo4jUrl = (await privateNeo4j()).cfg.neo4j.url;
    const env = airflowEnv(base, home, {
      ...envOf(dagBox, tmp, "dag", neo4jUrl),
      ALERT_EMAIL_TO: recipient,
      ALERT_ON_SUCCESS: "run",
      ALERT_QUARANTINE_RATIO: "0.05",
      PIPELINE_RETRIES: "1",
      PIPELINE_RETRY_DELAY_SECONDS: "1",
      SOCIALPULSE_STEP_OUTPUT_DIR: join(tmp, "steps"),
      AIRFLOW__LOGGING__BASE_LOG_FOLDER: join(home, "logs"),
    });
    const mails = async () => (await readMailbox(base)).filter((m) => m.to.includes(recipient));
    const dagsTest = async (
      extra: Record<string, string> = {},
    ) => (await airflowCli(base, { ...env, ...extra }, ["dags", "test", "socialpulse"]));
    // Six generated minutes without defects (every line an event), written to a folder; the first five go into
    // both buckets now, the sixth later with bad lines added.
    const genDir = join(tmp, "generated");
    await denoTask(Deno.env.toObject(), [
      "generate",
      ...["--from", "2026-11-30T10:00:00Z", "--to", "2026-11-30T10:06:00Z", "--rate", "150", "--seed", "11"],
      ...["--faults", "0", "--fresh", "--out", `dir:${genDir}`],
    ]);
    const files: { key: string; body: string; lines: number }[] = [];
    for (let m = 0; m < 6; m++) {
      const key = `events/date=2026-11-30/hour=10/events_2026-11-30T10-0${m}-00Z.jsonl`;
      const body = await Deno.readTextFile(join(genDir, key));
      files.push({ key, body, lines: body.split("\n").filter((l) => l.trim() !== "").length });
    }
    try {
      await prepareAirflowHome(base, env);
      for (const f of files.slice(0, 5)) {
        await dagBox.store.put(f.key, f.body);
        await handBox.store.put(f.key, f.body);
      }
      const events = files.slice(0, 5).reduce((n, f) => n + f.lines, 0);
      ok(events > 100, `the generator wrote ${events} events`);

      await t.step("a good run: the warehouse equals the tasks run by hand; one digest with the counts", async () => {
        const handEnv = { ...Deno.env.toObject(), ...envOf(handBox, tmp, "hand", neo4jUrl) };
        for (const args of BY_HAND) await denoTask(handEnv, args);
        await privateNeo4j();
        const run = await dagsTest();
        equal(run.code, 0, `dags test failed:\n${run.output.slice(-4000)}`);
        const byDag = await warehouse(dagBox.sql);
        deepStrictEqual(byDag, await warehouse(handBox.sql));
        equal(byDag.accounting, `${events}/${events}/0/0`);
        ok(Number(byDag["graph.user_pagerank"]!.split(":")[0]) > 0, "the graph metrics step wrote no PageRank");
        // The marts, through their export: every mart, the same rows and byte-identical CSV files as by hand.
        const dagExport = await exported(dagBox, join(tmp, "exports-dag"));
        const handExport = await exported(handBox, join(tmp, "exports-hand"));
        const marts = (e: ExportManifest) => e.marts.map((m) => ({ mart: m.mart, rows: m.rows, csv: m.csv.sha256 }));
        deepStrictEqual(marts(dagExport.manifest), marts(handExport.manifest));
        deepStrictEqual(
          dagExport.manifest.marts.map((m) => m.mart),
          (await readMartDocs(PROJECT_ROOT)).map((m) => m.name).sort(),
        );
        ok(dagExport.manifest.marts.find((m) => m.mart === "mart_platform_daily")!.rows > 0);
        ok(dagExport.objects.includes("manifest.json"), `the bucket holds ${dagExport.objects.join(", ")}`);
        const got = await mails();
        deepStrictEqual(got.map((m) => m.subject.replace(/ \d{4}-\d\d-\d\dT[\d:]+Z:/, " T:")), [
          `[socialpulse] OK run T: ${events.toLocaleString("en-US")} loaded, 0 quarantined, 0 duplicates`,
        ]);
        const text = plainText(got[0]!);
        ok(/loaded\s+([\d,]+)/.exec(text)?.[1] === events.toLocaleString("en-US"), text);
        ok(/runs\s+1 succeeded, 0 failed/.test(text), text);
        ok(/files\s+5\n/.test(text), text);
        ok(/tests failed\s+0/.test(text), text);
        ok(/freshness\s+\d/.test(text), text);
      });

      await t.step("a failing step: one mail naming it, none for the retry or the next failing run", async () => {
        const before = (await mails()).length;
        const broken = { S3_ENDPOINT: "http://127.0.0.1:9" };
        const first = await dagsTest(broken);
        equal(first.code, 1, "the run with S3 unreachable must fail");
        ok(first.output.includes("up_for_retry"), "extract was not retried");
        const second = await dagsTest(broken);
        equal(second.code, 1);
        const got = (await mails()).slice(before);
        equal(got.length, 1, `expected one failure mail, got: ${got.map((m) => m.subject).join(" | ")}`);
        ok(got[0]!.subject.startsWith("[socialpulse] FAILED extract (run manual__"), got[0]!.subject);
        const text = plainText(got[0]!);
        ok(text.includes("S3 at http://127.0.0.1:9 is unreachable"), text);
        ok(text.includes("Last log lines:"), text);
        ok(/\/dags\/socialpulse\/runs\/.+\/tasks\/extract\?try_number=2/.test(text), text);
      });

      await t.step("the next good run sends one RECOVERED mail", async () => {
        const before = (await mails()).length;
        const run = await dagsTest();
        equal(run.code, 0, run.output.slice(-3000));
        const got = (await mails()).slice(before).map((m) => m.subject);
        equal(
          got.filter((s) => s.startsWith("[socialpulse] RECOVERED extract (run manual__")).length,
          1,
          got.join(" | "),
        );
        equal(got.filter((s) => s.startsWith("[socialpulse] FAILED")).length, 0, got.join(" | "));
      });

      await t.step("a file with many bad lines gives one quality warning with the reason", async () => {
        const sixth = files[5]!;
        await dagBox.store.put(sixth.key, sixth.body + "this is not json {\n".repeat(30));
        const before = (await mails()).length;
        const run = await dagsTest();
        equal(run.code, 0, run.output.slice(-3000));
        const got = (await mails()).slice(before);
        const quality = got.filter((m) => m.subject.startsWith("[socialpulse] QUALITY"));
        equal(quality.length, 1, got.map((m) => m.subject).join(" | "));
        const text = plainText(quality[0]!);
        ok(/json_parse\s+30\n/.test(text), text);
        ok(/quarantined\s+30 \(/.test(text), text);
        const digest = got.filter((m) => m.subject.startsWith("[socialpulse] OK run"));
        equal(digest.length, 1);
        ok(
          digest[0]!.subject.endsWith(
            `: ${sixth.lines.toLocaleString("en-US")} loaded, 30 quarantined, 0 duplicates`,
          ),
          digest[0]!.subject,
        );
      });
    } finally {
      for (const box of [dagBox, handBox]) {
        await box.close();
        await dropDatabase(base, box.cfg.postgres.database);
      }
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
