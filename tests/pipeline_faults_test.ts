/**
 * A service that goes away in the middle of a step, for each step and for PostgreSQL and the S3 server: the step
 * process ends with one ERROR line naming the service and the batch (no driver stack trace), exits 1, prints the JSON
 * summary with `status: "error"`, records `failed_step`/`error` on the batch (for PostgreSQL, once it is back), and
 * the re-run loads the batch exactly once.
 *
 * The services are a private PostgreSQL cluster and a private versitygw on free ports (see {@link privateStack}); the
 * test stops and starts those real processes, never the shared stack. Each step pauses at a fault point inside it
 * (`PIPELINE_FAULT_POINT=<point>:pause`) while the test stops the service, so the failure happens mid-step every time.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { PROJECT_ROOT } from "../src/config.ts";
import { logger } from "../src/log.ts";
import { clean } from "../src/pipeline/clean.ts";
import type { StepDeps } from "../src/pipeline/deps.ts";
import { extract } from "../src/pipeline/extract.ts";
import { load } from "../src/pipeline/load.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import { validate } from "../src/pipeline/validate.ts";
import { batches, type PrivateStack, privateStack, rawKey, statusEvent } from "./_ingest_env.ts";

const STEPS = ["extract", "validate", "clean", "load"] as const;
type Step = typeof STEPS[number];

/** Where each step pauses: after the point, the step still needs both PostgreSQL and the S3 server. */
const PAUSE_AT: Record<Step, string> = {
  extract: "extract:after-claim",
  validate: "validate:after-first-file",
  clean: "clean:after-first-file",
  load: "load:before-copy",
};
/** The status a batch keeps when the step fails on it. */
const STAYS: Record<Step, string> = { extract: "claimed", validate: "extracted", clean: "validated", load: "cleaned" };
const SERVICE_NAME = { postgres: "PostgreSQL", s3: "S3" } as const;

/**
 * Three minute files of four valid events and one line that is not JSON each; the third file repeats the first
 * event of the first. So: 15 lines in, 3 quarantined, 1 duplicate, 11 distinct events loaded.
 */
function input() {
  const minutes = ["2026-11-28T10:00", "2026-11-28T10:01", "2026-11-28T10:02"];
  const events = minutes.map((m) => [1, 2, 3, 4].map((s) => statusEvent(`${m}:0${s}.000Z`)));
  events[2]![3] = events[0]![0]!;
  const files = minutes.map((m, i) => ({
    key: rawKey(m),
    body: [...events[i]!.map((e) => JSON.stringify(e)), "not json"].join("\n") + "\n",
  }));
  const distinct = new Set(events.flat().map((e) => e.event_id));
  return { files, distinct: [...distinct].sort() };
}

async function runSteps(deps: StepDeps, steps: readonly Step[]) {
  for (const step of steps) {
    if (step === "extract") await extract(deps, { maxFiles: 100 });
    if (step === "validate") await validate(deps, { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 });
    if (step === "clean") await clean(deps);
    if (step === "load") await load(deps);
  }
}

/** The lines of a byte stream, as they arrive. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let i: number;
    while ((i = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, i);
      rest = rest.slice(i + 1);
    }
  }
  if (rest) yield rest;
}

interface LogLine {
  level?: string;
  msg?: string;
  batch?: number;
  [k: string]: unknown;
}

async function serviceGoesAway(stack: PrivateStack, service: "postgres" | "s3", step: Step) {
  const name = SERVICE_NAME[service];
  const box = await openSandbox(stack.cfg, `faults_${service}_${step}`, logger(`test-${step}`));
  try {
    const { files, distinct } = input();
    for (const f of files) await box.store.put(f.key, f.body);
    await runSteps(box.deps, STEPS.slice(0, STEPS.indexOf(step)));

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `tasks/${step}.ts`],
      cwd: PROJECT_ROOT,
      env: {
        ...stack.env,
        POSTGRES_DB: box.cfg.postgres.database,
        S3_BUCKET: box.cfg.s3.bucket,
        LOG_FORMAT: "json",
        LOG_LEVEL: "INFO",
        PIPELINE_FAULT_POINT: `${PAUSE_AT[step]}:pause`,
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Response(child.stdout).text();
    const stderr: string[] = [];
    const log = lines(child.stderr);
    const until = async (match: (l: LogLine) => boolean, what: string) => {
      // next() by hand: leaving a for-await loop would close the stream for the rest of the test.
      for (let r = await log.next(); !r.done; r = await log.next()) {
        const text = r.value;
        stderr.push(text);
        let l: LogLine;
        try {
          l = JSON.parse(text);
        } catch {
          continue;
        }
        if (match(l)) return;
      }
      const { code } = await child.status;
      throw new Error(`${step} ended (exit ${code}) before ${what}:\n${stderr.join("\n")}\n${await stdout}`);
    };

    await until((l) => l.msg?.startsWith(`fault point ${PAUSE_AT[step]} reached`) ?? false, "its fault point");
    await stack.stop(service);
    const stdin = child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("\n"));
    await stdin.close();
    if (service === "postgres") {
      // The step waits for PostgreSQL to record the failure on the batch: bring it back.
      await until((l) => l.msg?.startsWith("PostgreSQL does not answer") ?? false, "waiting for PostgreSQL");
      await stack.start("postgres");
    }
    for await (const text of log) stderr.push(text);
    const { code } = await child.status;
    const out = (await stdout).trim().split("\n");

    const context = `${step}, ${name} down; stderr:\n${stderr.join("\n")}`;
    assertEquals(code, 1, context);
    const summary = JSON.parse(out.at(-1)!);
    assertEquals(
      [summary.task, summary.status, summary.error.name, summary.error.service, summary.error.batch],
      [step, "error", "ServiceUnavailableError", name, 1],
      context,
    );
    const errors = stderr.map((t) => JSON.parse(t) as LogLine).filter((l) => l.level === "ERROR");
    assertEquals(errors.length, 1, context);
    assert(errors[0]!.msg!.includes(`${name} at `) && errors[0]!.msg!.includes("batch 1"), context);
    assertEquals(errors[0]!.batch, 1, context);
    assert(!stderr.some((t) => t.includes("    at ") || t.includes("node_modules")), `a stack trace: ${context}`);

    if (service === "s3") await stack.start("s3");
    const [b] = await box.sql<{ status: string; failed_step: string; error: string }[]>`
      select status, failed_step, error from etl.batches where batch_id = 1`;
    assertEquals([b!.status, b!.failed_step], [STAYS[step], step], context);
    assert(b!.error.includes(`${name} at `), b!.error);

    // The re-run finishes the batch, exactly once.
    await runSteps(box.deps, STEPS.slice(STEPS.indexOf(step)));
    await runSteps(box.deps, STEPS);
    assertEquals(
      (await batches(box.sql)).map((x) => [x.status, x.lines_in, x.loaded, x.quarantined, x.duplicates]),
      [["loaded", 15, 11, 3, 1]],
    );
    const loaded = await box.sql<{ event_id: string }[]>`select event_id from landing.events order by event_id`;
    assertEquals(loaded.map((r) => r.event_id), distinct);
    const [f] = await box.sql<{ failed_step: string | null }[]>`select failed_step from etl.batches`;
    assertEquals(f!.failed_step, null);
  } finally {
    // A failed check must not leave a service down for the next case.
    await stack.start("postgres");
    await stack.start("s3");
    await box.close();
  }
}

Deno.test("a step whose PostgreSQL or S3 server goes away mid-step fails in one line, records it, and the re-run loads the batch once", async (t) => {
  const stack = await privateStack();
  try {
    for (const service of ["postgres", "s3"] as const) {
      for (const step of STEPS) {
        await t.step(`${SERVICE_NAME[service]} goes away during ${step}`, () => serviceGoesAway(stack, service, step));
      }
    }
  } finally {
    await stack.close();
  }
});
