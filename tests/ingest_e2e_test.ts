/**
 * End to end: the generator writes a few hours with injected faults into the real S3 server; extract, validate,
 * clean and load run against the real PostgreSQL; the result is compared with the generator's own ledger.
 * Then the same input is processed with each step killed at a fault point inside it, and must end in the same state.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { generate, S3Store } from "../src/generator/mod.ts";
import type { FileLedgerJson } from "../src/generator/mod.ts";
import { logger } from "../src/log.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { extract } from "../src/pipeline/extract.ts";
import { validate } from "../src/pipeline/validate.ts";
import { clean } from "../src/pipeline/clean.ts";
import { load } from "../src/pipeline/load.ts";
import { runPipeline } from "../src/pipeline/steps.ts";
import { batches, fingerprint, type IngestEnv, ingestEnv } from "./_ingest_env.ts";

const FROM = Date.parse("2026-11-02T09:00:00Z") / 60_000;
const HOURS = 3;

/** The reason codes that each injected fault kind may legitimately produce. */
const REASONS: Record<string, RegExp> = {
  malformed_json: /^json_parse$/,
  missing_field: /^schema:[\w.]+:missing$/,
  wrong_type: /^schema:[\w.]+:(invalid_type|invalid_value|invalid_format|invalid_union)$/,
  out_of_range: /^schema:[\w.]+:(too_small|too_big|custom)$/,
  future_timestamp: /^occurred_at:in_future$/,
  unknown_event_type: /^unknown_event_type$/,
  // An oversized e-mail address fails its format check before its length check.
  oversized_string: /^schema:[\w.]+:(too_big|invalid_format)$/,
};

async function generateInto(env: IngestEnv, hours: number, seed: number) {
  return await generate(
    { mode: { kind: "range", from: FROM, to: FROM + hours * 60 }, rate: 300, faults: 0.03, seed, fresh: true },
    { store: new S3Store(env.store), log: logger("generator"), signal: new AbortController().signal },
  );
}

async function readLedgers(env: IngestEnv): Promise<FileLedgerJson[]> {
  const keys = (await env.store.list("ledger/files/")).map((o) => o.key);
  return await Promise.all(keys.map(async (k) => JSON.parse(new TextDecoder().decode(await env.store.get(k)))));
}

Deno.test("loaded, quarantined and duplicate lines equal the generator's ledger exactly; a re-run changes nothing", async () => {
  const env = await ingestEnv("ingest_e2e");
  try {
    const summary = await generateInto(env, HOURS, 5);
    const ledgers = await readLedgers(env);
    assertEquals(ledgers.length, HOURS * 60);
    await env.runAll();

    // Loaded events by type = the ledger's distinct valid events by type.
    const expected: Record<string, number> = {};
    for (const l of ledgers) {
      for (const [t, n] of Object.entries(l.valid_by_type)) expected[t] = (expected[t] ?? 0) + (n ?? 0);
    }
    const loaded = Object.fromEntries(
      (await env.sql<{ event_type: string; n: string }[]>`
        select event_type, count(*) as n from landing.events group by event_type`).map((
        r,
      ) => [r.event_type, Number(r.n)]),
    );
    assertEquals(loaded, expected);
    assertEquals(Object.values(loaded).reduce((a, b) => a + b, 0), summary.events);

    // Every injected fault is in quarantine with a fitting reason, and nothing else is.
    const rejected = new Map(
      (await env.sql<{ file_key: string; line_no: number; reason: string }[]>`
        select file_key, line_no, reason from etl.rejected`).map((r) => [`${r.file_key}:${r.line_no}`, r.reason]),
    );
    const faults = ledgers.flatMap((l) => l.faults.map((f) => ({ at: `${l.key}:${f.line}`, kind: f.kind })));
    assert(faults.length > 50, `the run injected faults (${faults.length})`);
    assertEquals(rejected.size, faults.length);
    for (const f of faults) {
      const reason = rejected.get(f.at);
      assert(reason !== undefined, `fault ${f.kind} at ${f.at} is not in quarantine`);
      assert(REASONS[f.kind]!.test(reason), `fault ${f.kind} at ${f.at} was quarantined as ${reason}`);
    }

    // Duplicates are the ledger's, line for line; late events are flagged exactly where the ledger says.
    const dupes = (await env.sql<{ k: string }[]>`select file_key || ':' || line_no as k from etl.duplicates`)
      .map((r) => r.k).sort();
    assertEquals(dupes, ledgers.flatMap((l) => l.duplicates.map((d) => `${l.key}:${d.line}`)).sort());
    const late = (await env.sql<{ k: string }[]>`
      select file_key || ':' || line_no as k from landing.events where is_late`).map((r) => r.k).sort();
    assertEquals(late, ledgers.flatMap((l) => l.late.map((d) => `${l.key}:${d.line}`)).sort());

    // Accounting per batch, and the totals against the ledger.
    const bs = await batches(env.sql);
    for (const b of bs) assertEquals(b.lines_in, b.loaded + b.quarantined + b.duplicates);
    assertEquals(bs.reduce((n, b) => n + b.lines_in, 0), ledgers.reduce((n, l) => n + l.lines, 0));

    // Running the whole sequence again changes nothing.
    const before = await fingerprint(env.sql);
    await env.runAll();
    assertEquals(await fingerprint(env.sql), before);
    assertEquals(await batches(env.sql), bs);
  } finally {
    await env.close();
  }
});

/**
 * Run one step as its own process (as Airflow does) with a fault point that kills it (SIGKILL) at a known place inside
 * the step; resolves to its exit code.
 */
async function runUntilKilled(env: IngestEnv, step: string, point: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `tasks/${step}.ts`],
    cwd: PROJECT_ROOT,
    env: {
      POSTGRES_DB: env.cfg.postgres.database,
      S3_BUCKET: env.cfg.s3.bucket,
      LOG_LEVEL: "ERROR",
      PIPELINE_FAULT_POINT: `${point}:kill`,
    },
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

async function count(env: IngestEnv, table: string): Promise<number> {
  return Number((await env.sql.unsafe(`select count(*) as n from ${table}`))[0]!.n);
}

Deno.test("steps killed at a fault point inside them stay mid-state, and the re-run ends as an uninterrupted run", async () => {
  const reference = await ingestEnv("ingest_kill_ref");
  let expected;
  try {
    await generateInto(reference, 1, 9);
    await extract(reference.deps, { maxFiles: 1440 });
    await validate(reference.deps, { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 });
    await clean(reference.deps);
    await load(reference.deps);
    expected = await fingerprint(reference.sql);
  } finally {
    await reference.close();
  }

  const env = await ingestEnv("ingest_kill");
  try {
    await generateInto(env, 1, 9);
    const status = async () => (await batches(env.sql)).map((b) => b.status);
    const objects = async (prefix: string) => (await env.store.list(prefix)).length;

    // extract dies after claiming: the files are claimed by a batch that stays `claimed`, nothing is staged.
    assertEquals(await runUntilKilled(env, "extract", "extract:after-claim"), 137);
    assertEquals(await status(), ["claimed"]);
    assertEquals(await count(env, "etl.files"), 60);
    assertEquals(await objects("staging/"), 0);
    await extract(env.deps, { maxFiles: 1440 });
    assertEquals(await status(), ["extracted"]);

    // validate dies with its verdicts and quarantine written but not committed.
    assertEquals(await runUntilKilled(env, "validate", "validate:before-commit"), 137);
    assertEquals(await status(), ["extracted"]);
    assert((await objects("quarantine/")) > 0, "the killed validate had written quarantine objects");
    assertEquals(await count(env, "etl.rejected"), 0);
    await validate(env.deps, { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 });
    assertEquals(await status(), ["validated"]);

    // clean dies with its parts written but not committed.
    assertEquals(await runUntilKilled(env, "clean", "clean:before-commit"), 137);
    assertEquals(await status(), ["validated"]);
    assert((await objects("staging/batch=00000001/clean/")) > 0, "the killed clean had written parts");
    assertEquals(await count(env, "etl.duplicates"), 0);
    await clean(env.deps);
    assertEquals(await status(), ["cleaned"]);

    // load dies inside its transaction, after COPY: nothing of it is visible.
    assertEquals(await runUntilKilled(env, "load", "load:before-commit"), 137);
    assertEquals(await status(), ["cleaned"]);
    assertEquals(await count(env, "landing.events"), 0);
    await load(env.deps);

    await env.runAll();
    assertEquals(await fingerprint(env.sql), expected);
    for (const b of await batches(env.sql)) {
      assertEquals(b.status, "loaded");
      assertEquals(b.lines_in, b.loaded + b.quarantined + b.duplicates);
    }
  } finally {
    await env.close();
  }
});

Deno.test("deno task pipeline --overlap (validate, clean and load at once) ends in the state of the steps run one by one", async () => {
  const reference = await ingestEnv("ingest_overlap_ref");
  let expected;
  try {
    await generateInto(reference, 1, 13);
    await reference.runAll();
    expected = await fingerprint(reference.sql);
  } finally {
    await reference.close();
  }
  const env = await ingestEnv("ingest_overlap");
  try {
    await generateInto(env, 1, 13);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tasks/pipeline.ts", "--overlap", "--max-files", "10"],
      cwd: PROJECT_ROOT,
      env: { POSTGRES_DB: env.cfg.postgres.database, S3_BUCKET: env.cfg.s3.bucket, LOG_LEVEL: "ERROR" },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert(out.success, `deno task pipeline exited with ${out.code}`);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assertEquals(summary.batches, 6);
    assertEquals(await fingerprint(env.sql), expected);
    for (const b of await batches(env.sql)) {
      assertEquals(b.status, "loaded");
      assertEquals(b.lines_in, b.loaded + b.quarantined + b.duplicates);
    }
    assertEquals(summary.lines_in, summary.loaded + summary.quarantined + summary.duplicates);
  } finally {
    await env.close();
  }
});

Deno.test("deno task pipeline --overlap: when clean fails on a batch, validate and load stop too, the pipeline fails with clean's error, and a re-run finishes", async () => {
  const env = await ingestEnv("ingest_overlap_fail");
  try {
    await generateInto(env, 1, 13);
    const args = {
      extract: { maxFiles: 10 },
      validate: { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 },
      overlap: true,
      signal: new AbortController().signal,
    };
    // clean fails on the first batch it takes: its fault point throws instead of killing or pausing.
    const failing = {
      ...env.deps,
      fault: (point: string) =>
        point === "clean:after-first-file" ? Promise.reject(new Error("injected clean failure")) : Promise.resolve(),
    };
    await rejects(runPipeline(failing, args), /injected clean failure/);
    const after = await env.sql<{ batch_id: string; status: string; failed_step: string | null }[]>`
      select batch_id, status, failed_step from etl.batches order by batch_id`;
    assertEquals(after.length, 6);
    assertEquals([after[0]!.status, after[0]!.failed_step], ["validated", "clean"]);
    assert(after.every((b) => b.status !== "cleaned" && b.status !== "loaded"), JSON.stringify(after));

    const summary = await runPipeline(env.deps, args);
    assertEquals(summary.batches, 6);
    for (const b of await batches(env.sql)) {
      assertEquals(b.status, "loaded");
      assertEquals(b.lines_in, b.loaded + b.quarantined + b.duplicates);
    }
  } finally {
    await env.close();
  }
});
