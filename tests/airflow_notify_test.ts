/**
 * `deno task notify`'s logic (src/alerts/notify.ts) on the real PostgreSQL (a private database) and the real SMTP
 * capture: incidents fold repeated failures and close with one RECOVERED mail, an unreachable SMTP server is logged
 * and never throws (the incident is mailed at its next failure), the hourly digest covers the previous hour's runs
 * once with the counts of their batches, and a batch over the quarantine ratio gives one quality warning.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { config } from "../src/config.ts";
import { createMailer } from "../src/clients/mail.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import { notify, type NotifyDeps } from "../src/alerts/notify.ts";
import { readMailbox } from "./_mailbox.ts";

configureLogging({ level: "ERROR", format: "text" });

async function setup() {
  const base = config();
  const box = await openSandbox(base, "airflow_notify", logger("test-notify"));
  const recipient = `notify-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const mailer = createMailer({ ...base.smtp, to: [recipient] });
  const broken = createMailer({ ...base.smtp, port: 9, to: [recipient] });
  const deps = (over: Partial<NotifyDeps> = {}): NotifyDeps => ({
    sql: box.sql,
    mailer,
    log: logger("test-notify"),
    alertOnSuccess: "hourly",
    quarantineRatio: 0.05,
    ...over,
  });
  const subjects = async () => (await readMailbox(base)).filter((m) => m.to.includes(recipient)).map((m) => m.subject);
  return {
    box,
    deps,
    broken,
    subjects,
    async close() {
      mailer.close();
      broken.close();
      await box.close();
    },
  };
}

const failure = (run: string, task = "load") => ({
  kind: "failure" as const,
  event: {
    dag_id: "socialpulse",
    run_id: run,
    task_id: task,
    try_number: 3,
    error: "E: boom",
    log_url: "",
    log_tail: "",
  },
});
const step = (run: string, task: string, summary: unknown) => ({
  kind: "step" as const,
  event: { dag_id: "socialpulse", run_id: run, task_id: task, try_number: 1, summary: JSON.stringify(summary) },
});
const runEnd = (run: string, state: "success" | "failed", finishedAt?: string) => ({
  kind: "run" as const,
  event: { dag_id: "socialpulse", run_id: run, state, ...(finishedAt ? { finished_at: finishedAt } : {}) },
});

Deno.test({
  name: "notify: one mail per incident, folded failures, one RECOVERED, a broken SMTP server never throws",
  sanitizeResources: false,
  async fn() {
    const t = await setup();
    try {
      const r1 = await notify(t.deps(), failure("run_1"));
      equal(r1.sent.length, 1);
      const r2 = await notify(t.deps(), failure("run_2"));
      deepStrictEqual([r2.sent, r2.failures], [[], 2]);
      await notify(t.deps(), step("run_3", "extract", { task: "extract", status: "ok", duration_ms: 5 }));
      const r3 = await notify(t.deps(), step("run_3", "load", { task: "load", status: "ok", duration_ms: 5 }));
      equal(r3.sent.length, 1);
      // SMTP down when the next incident opens: logged, counted, not thrown; the next failure mails it.
      const r4 = await notify(t.deps({ mailer: t.broken }), failure("run_4", "clean"));
      deepStrictEqual([r4.sent, r4.mail_errors], [[], 1]);
      const r5 = await notify(t.deps(), failure("run_5", "clean"));
      equal(r5.sent.length, 1);
      const r6 = await notify(t.deps(), failure("run_6", "clean"));
      equal(r6.sent.length, 0);
      deepStrictEqual(await t.subjects(), [
        "[socialpulse] FAILED load (run run_1)",
        "[socialpulse] RECOVERED load (run run_3)",
        "[socialpulse] FAILED clean (run run_4)",
      ]);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name: "notify: the hourly digest covers the previous hour's runs once; a batch over the ratio warns once",
  sanitizeResources: false,
  async fn() {
    const t = await setup();
    const { sql } = t.box;
    try {
      // Two loaded batches with hand-set figures: 1000 lines (10 quarantined, 5 duplicates), 200 lines (40 bad).
      const [a] = await sql<{ id: string }[]>`
        insert into etl.batches (status, files, lines_in, valid, quarantined, duplicates, loaded, loaded_at)
        values ('loaded', 3, 1000, 990, 10, 5, 985, now()) returning batch_id as id`;
      const [b] = await sql<{ id: string }[]>`
        insert into etl.batches (status, files, lines_in, valid, quarantined, duplicates, loaded, loaded_at)
        values ('loaded', 1, 200, 160, 40, 0, 160, now()) returning batch_id as id`;
      for (let i = 0; i < 40; i++) {
        await sql`insert into etl.rejected (batch_id, file_key, line_no, reason, raw_bytes)
          values (${b!.id}, 'events/x.jsonl', ${i + 1}, ${i < 30 ? "json_parse" : "empty_line"}, 3)`;
      }
      await notify(t.deps(), step("r1", "load", { batches: [Number(a!.id)], duration_ms: 700 }));
      await notify(t.deps(), step("r1", "models", { success: 4, tests_passed: 9, tests_failed: 0, duration_ms: 900 }));
      const q1 = await notify(t.deps(), runEnd("r1", "success"));
      equal(q1.quality_batches, undefined, "1% quarantined is under the ratio");
      await notify(t.deps(), step("r2", "load", { batches: [Number(b!.id)], duration_ms: 1200 }));
      const q2 = await notify(t.deps(), runEnd("r2", "success"));
      deepStrictEqual(q2.quality_batches, [Number(b!.id)]);
      await notify(t.deps(), runEnd("r3", "failed"));
      equal((await t.subjects()).filter((s) => s.includes(" OK ")).length, 0, "no digest within the hour");
      // An hour passes: the first run of the new hour sends the digest of the three runs, and only once.
      await sql`update etl.alert_runs set finished_at = finished_at - interval '1 hour'`;
      const now = await notify(t.deps(), runEnd("r4", "success"));
      equal(now.digest_runs, 3);
      equal((await notify(t.deps(), runEnd("r5", "success"))).digest_runs, undefined);
      const got = await t.subjects();
      equal(got.length, 2, got.join(" | "));
      ok(got[0]!.startsWith(`[socialpulse] QUALITY 20.0% quarantined in batch ${b!.id} (run r2)`), got[0]!);
      ok(/^\[socialpulse\] OK digest \S+: 1,145 loaded, 50 quarantined, 5 duplicates$/.test(got[1]!), got[1]!);
      const mail = (await readMailbox(t.box.cfg)).find((m) => m.subject === got[1])!;
      const text = mail.raw.replace(/\r\n/g, "\n").replace(/=\n/g, "");
      ok(/runs\s+2 succeeded, 1 failed/.test(text), text);
      ok(/models built\s+4\n/.test(text), text);
      ok(/slowest step\s+load 1 s \(run r2\)/.test(text), text);
      const quality = (await readMailbox(t.box.cfg)).find((m) => m.subject === got[0])!.raw.replace(/\r\n/g, "\n");
      ok(/json_parse\s+30\n/.test(quality) && /empty_line\s+10\n/.test(quality), quality);
    } finally {
      await t.close();
    }
  },
});
