/**
 * What `deno task notify` does with each event the Airflow callbacks report (dags/socialpulse_lib/alerts.py):
 *
 * - `failure` (a task failed after its last retry): opens an incident for the task and mails it, or folds the
 *   failure into the task's open incident without mail;
 * - `step` (a task succeeded): records its JSON summary; closes the task's open incident with one RECOVERED mail;
 * - `run` (a DAG run ended): records it; on success, warns about batches of the run that quarantined more than
 *   ALERT_QUARANTINE_RATIO, and sends the success digest: of this run (ALERT_ON_SUCCESS=run), or of the previous
 *   hour's or day's runs once a run ends in a new hour or day.
 *
 * A mail that cannot be sent is logged at ERROR and never fails the task: an incident whose mail failed is mailed at
 * its next failure, and a digest that failed is sent with the next run.
 *
 * @module
 */
import { z } from "zod";
import type { Sql } from "../clients/postgres.ts";
import type { Mail } from "../clients/mail.ts";
import type { Logger } from "../log.ts";
import { digestMail, failureMail, type Incident, qualityMail, type QualityWarning, recoveredMail } from "./render.ts";
import { batchFigures, freshness, topReasons } from "./store.ts";

const base = { dag_id: z.string().min(1), run_id: z.string().min(1) };

/** The events, as the Python callbacks send them (`--event <json>`). */
export const EVENTS = {
  failure: z.object({
    ...base,
    task_id: z.string().min(1),
    try_number: z.coerce.number().int().default(1),
    error: z.string().default(""),
    log_url: z.string().default(""),
    log_tail: z.string().default(""),
  }),
  step: z.object({
    ...base,
    task_id: z.string().min(1),
    try_number: z.coerce.number().int().default(1),
    summary: z.string().nullable().default(null),
  }),
  run: z.object({
    ...base,
    state: z.enum(["success", "failed"]),
    started_at: z.string().nullable().optional(),
    finished_at: z.string().nullable().optional(),
  }),
} as const;

export type EventKind = keyof typeof EVENTS;
export type NotifyEvent =
  | { kind: "failure"; event: z.infer<typeof EVENTS.failure> }
  | { kind: "step"; event: z.infer<typeof EVENTS.step> }
  | { kind: "run"; event: z.infer<typeof EVENTS.run> };

export interface NotifyDeps {
  sql: Sql;
  mailer: { send(mail: Mail): Promise<string> };
  log: Logger;
  alertOnSuccess: "run" | "hourly" | "daily";
  quarantineRatio: number;
}

export interface NotifyResult extends Record<string, unknown> {
  kind: EventKind;
  /** Subjects of the mails sent. */
  sent: string[];
  /** Mails that could not be sent (logged at ERROR). */
  mail_errors: number;
}

/** Send a mail; false (logged) when the SMTP server refuses or cannot be reached. */
async function trySend(deps: NotifyDeps, mail: Mail, out: NotifyResult): Promise<boolean> {
  try {
    await deps.mailer.send(mail);
    out.sent.push(mail.subject);
    deps.log.info(`sent: ${mail.subject}`);
    return true;
  } catch (e) {
    out.mail_errors++;
    const err = e as Error & { code?: string; errors?: Error[] };
    const reason = err.message || err.code || err.errors?.map((x) => x.message).join("; ") || String(e);
    deps.log.error(`could not send '${mail.subject}': ${reason}`, { error: e });
    return false;
  }
}

/** Handle one event from a callback. */
export async function notify(deps: NotifyDeps, e: NotifyEvent): Promise<NotifyResult> {
  const out: NotifyResult = { kind: e.kind, sent: [], mail_errors: 0 };
  switch (e.kind) {
    case "failure":
      await onFailure(deps, e.event, out);
      break;
    case "step":
      await onStep(deps, e.event, out);
      break;
    case "run":
      await onRun(deps, e.event, out);
      break;
  }
  return out;
}

interface IncidentRow {
  incident_id: string;
  dag_id: string;
  task_id: string;
  first_run_id: string;
  last_run_id: string;
  failures: number;
  opened_at: Date;
  try_number: number;
  error: string;
  log_url: string;
  log_tail: string;
  notified_at: Date | null;
}

function incidentOf(r: IncidentRow): Incident {
  return {
    dagId: r.dag_id,
    taskId: r.task_id,
    firstRunId: r.first_run_id,
    lastRunId: r.last_run_id,
    failures: r.failures,
    openedAt: r.opened_at,
    error: r.error,
    logUrl: r.log_url,
    logTail: r.log_tail,
    tryNumber: r.try_number,
  };
}

async function onFailure(deps: NotifyDeps, ev: z.infer<typeof EVENTS.failure>, out: NotifyResult) {
  const { sql } = deps;
  const row = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`socialpulse.alerts.incident:${ev.dag_id}:${ev.task_id}`}))`;
    const [open] = await tx<IncidentRow[]>`
      select * from etl.alert_incidents where dag_id = ${ev.dag_id} and task_id = ${ev.task_id} and closed_at is null`;
    if (open) {
      // The same failure reported twice (a callback re-run) is not a new failure.
      const again = open.last_run_id === ev.run_id;
      const [r] = await tx<IncidentRow[]>`
        update etl.alert_incidents set failures = failures + ${again ? 0 : 1}, last_run_id = ${ev.run_id},
          last_failed_at = now(), error = ${ev.error}, log_url = ${ev.log_url}, log_tail = ${ev.log_tail},
          try_number = ${ev.try_number}
        where incident_id = ${open.incident_id} returning *`;
      return r!;
    }
    const [r] = await tx<IncidentRow[]>`
      insert into etl.alert_incidents (dag_id, task_id, first_run_id, last_run_id, try_number, error, log_url, log_tail)
      values (${ev.dag_id}, ${ev.task_id}, ${ev.run_id}, ${ev.run_id}, ${ev.try_number}, ${ev.error}, ${ev.log_url},
              ${ev.log_tail})
      returning *`;
    return r!;
  });
  out.incident = Number(row.incident_id);
  out.failures = row.failures;
  if (row.notified_at !== null) {
    deps.log.info(`${ev.task_id} failed again: folded into incident ${row.incident_id} (${row.failures} failures)`);
    return;
  }
  if (await trySend(deps, failureMail(incidentOf(row)), out)) {
    await sql`update etl.alert_incidents set notified_at = now() where incident_id = ${row.incident_id}`;
  }
}

/** A step's summary as it printed it (the last line of its output); anything else is kept as text. */
export function parseSummary(raw: string | null): Record<string, unknown> {
  if (raw === null || raw.trim() === "") return {};
  try {
    const v = JSON.parse(raw);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { raw };
  }
}

async function onStep(deps: NotifyDeps, ev: z.infer<typeof EVENTS.step>, out: NotifyResult) {
  const { sql } = deps;
  const summary = parseSummary(ev.summary);
  const ms = typeof summary.duration_ms === "number" ? Math.round(summary.duration_ms) : null;
  await sql`
    insert into etl.alert_steps (dag_id, run_id, task_id, try_number, summary, duration_ms)
    values (${ev.dag_id}, ${ev.run_id}, ${ev.task_id}, ${ev.try_number}, ${sql.json(summary as never)}, ${ms})
    on conflict (dag_id, run_id, task_id) do update set try_number = excluded.try_number,
      summary = excluded.summary, duration_ms = excluded.duration_ms, finished_at = now()`;
  const closed = await sql<(IncidentRow & { closed_at: Date })[]>`
    update etl.alert_incidents set closed_at = now(), closed_run_id = ${ev.run_id}
    where dag_id = ${ev.dag_id} and task_id = ${ev.task_id} and closed_at is null returning *`;
  for (const r of closed) {
    out.recovered = Number(r.incident_id);
    await trySend(deps, recoveredMail(incidentOf(r), ev.run_id, r.closed_at), out);
  }
}

const numbers = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === "number" && Number.isInteger(x)) : [];

async function onRun(deps: NotifyDeps, ev: z.infer<typeof EVENTS.run>, out: NotifyResult) {
  const { sql } = deps;
  await sql`
    insert into etl.alert_runs (dag_id, run_id, state, started_at, finished_at)
    values (${ev.dag_id}, ${ev.run_id}, ${ev.state}, ${ev.started_at ?? null}, coalesce(${
    ev.finished_at ?? null
  }::timestamptz, now()))
    on conflict (dag_id, run_id) do update set state = excluded.state, finished_at = excluded.finished_at`;
  if (ev.state === "success") await qualityCheck(deps, ev, out);
  await sendDigest(deps, ev, out);
}

/** Batches that the load step of the given runs reported. */
async function loadedBatches(sql: Sql, dagId: string, runIds: string[]): Promise<number[]> {
  const rows = await sql<{ summary: Record<string, unknown> }[]>`
    select summary from etl.alert_steps where dag_id = ${dagId} and run_id = any(${runIds}) and task_id = 'load'`;
  return [...new Set(rows.flatMap((r) => numbers(r.summary.batches)))].sort((a, b) => a - b);
}

async function qualityCheck(deps: NotifyDeps, ev: z.infer<typeof EVENTS.run>, out: NotifyResult) {
  const { sql } = deps;
  const ids = await loadedBatches(sql, ev.dag_id, [ev.run_id]);
  const warned = new Set(
    (await sql<{ batch_id: string }[]>`select batch_id from etl.alert_quality where batch_id = any(${ids}::bigint[])`)
      .map((r) => Number(r.batch_id)),
  );
  const over: QualityWarning["batches"] = [];
  for (const b of await batchFigures(sql, ids)) {
    const ratio = b.linesIn === 0 ? 0 : b.quarantined / b.linesIn;
    if (ratio > deps.quarantineRatio && !warned.has(b.batch)) {
      over.push({ ...b, ratio, reasons: await topReasons(sql, b.batch) });
    }
  }
  if (over.length === 0) return;
  out.quality_batches = over.map((b) => b.batch);
  const mail = qualityMail({ dagId: ev.dag_id, runId: ev.run_id, threshold: deps.quarantineRatio, batches: over });
  if (await trySend(deps, mail, out)) {
    for (const b of over) {
      await sql`insert into etl.alert_quality (batch_id, run_id, ratio) values (${b.batch}, ${ev.run_id}, ${b.ratio})
        on conflict do nothing`;
    }
  }
}

async function sendDigest(deps: NotifyDeps, ev: z.infer<typeof EVENTS.run>, out: NotifyResult) {
  const { sql } = deps;
  const mode = deps.alertOnSuccess;
  if (mode === "run" && ev.state !== "success") return;
  const unit = mode === "daily" ? "day" : "hour";
  const runs = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`socialpulse.alerts.digest:${ev.dag_id}`}))`;
    return mode === "run"
      ? await tx<{ run_id: string; state: string; finished_at: Date }[]>`
        select run_id, state, finished_at from etl.alert_runs
        where dag_id = ${ev.dag_id} and run_id = ${ev.run_id} and digested_at is null`
      : await tx<{ run_id: string; state: string; finished_at: Date }[]>`
        select run_id, state, finished_at from etl.alert_runs
        where dag_id = ${ev.dag_id} and digested_at is null and finished_at < date_trunc(${unit}, now())
        order by finished_at`;
  });
  if (runs.length === 0) return;
  const runIds = runs.map((r) => r.run_id);
  const [bounds] = await sql<{ from: Date; to: Date }[]>`
    select ${mode === "run" ? sql`min(finished_at)` : sql`date_trunc(${unit}, min(finished_at))`} as from,
           ${mode === "run" ? sql`max(finished_at)` : sql`date_trunc(${unit}, now())`} as to
    from etl.alert_runs where dag_id = ${ev.dag_id} and run_id = any(${runIds})`;
  const steps = await sql<{ run_id: string; task_id: string; summary: Record<string, unknown>; duration_ms: string }[]>`
    select run_id, task_id, summary, duration_ms from etl.alert_steps
    where dag_id = ${ev.dag_id} and run_id = any(${runIds})`;
  const ids = await loadedBatches(sql, ev.dag_id, runIds);
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const models = { built: 0, upToDate: 0, testsPassed: 0, testsFailed: 0, errors: 0 };
  for (const s of steps.filter((s) => s.task_id === "models")) {
    models.built += num(s.summary.success);
    models.upToDate += num(s.summary.up_to_date);
    models.testsPassed += num(s.summary.tests_passed);
    models.testsFailed += num(s.summary.tests_failed);
    models.errors += num(s.summary.errors) + num(s.summary.failed);
  }
  const slowest = steps.filter((s) => s.duration_ms !== null).reduce<
    { taskId: string; runId: string; ms: number } | null
  >(
    (
      a,
      s,
    ) => (a === null || Number(s.duration_ms) > a.ms
      ? { taskId: s.task_id, runId: s.run_id, ms: Number(s.duration_ms) }
      : a),
    null,
  );
  const mail = digestMail({
    dagId: ev.dag_id,
    period: mode,
    from: bounds!.from,
    to: bounds!.to,
    runs: {
      success: runs.filter((r) => r.state === "success").length,
      failed: runs.filter((r) => r.state === "failed").length,
      runIds,
    },
    batches: await batchFigures(sql, ids),
    models,
    slowest,
    freshness: await freshness(sql, ids),
  });
  if (await trySend(deps, mail, out)) {
    await sql`update etl.alert_runs set digested_at = now() where dag_id = ${ev.dag_id} and run_id = any(${runIds})`;
    out.digest_runs = runIds.length;
  }
}
