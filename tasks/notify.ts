/** `deno task notify <failure|step|run> --event <json>`: alert mail from the Airflow callbacks (src/alerts/). */
import { runTask, UsageError } from "../src/task.ts";
import { createMailer } from "../src/clients/mail.ts";
import { migratedPoolAs } from "../src/pipeline/clients.ts";
import { type EventKind, EVENTS, notify, type NotifyEvent } from "../src/alerts/notify.ts";

await runTask({
  name: "notify",
  description: "Handle one event of the Airflow callbacks: 'failure' (a task failed for good: open or extend its\n" +
    "incident, one mail per incident), 'step' (a task succeeded: record its summary, mail RECOVERED if it had an\n" +
    "open incident), 'run' (a DAG run ended: quality warnings and the success digest per ALERT_ON_SUCCESS).\n" +
    "State lives in etl.alert_*. A mail that cannot be sent is logged; the task still succeeds.",
  positionals: "<failure|step|run>",
  flags: {
    event: { type: "string", help: "The event as JSON: dag_id, run_id, and task_id, error, summary or state" },
  },
  epilog: 'Example:\n  deno task notify run --event \'{"dag_id":"socialpulse","run_id":"manual_1","state":"success"}\'',
  async run({ positionals, flags, config, log }) {
    const kind = positionals[0];
    if (!kind || !Object.hasOwn(EVENTS, kind)) {
      throw new UsageError(`expected an event kind (${Object.keys(EVENTS).join(", ")}), got '${kind ?? ""}'`);
    }
    if (typeof flags.event !== "string") throw new UsageError("--event <json> is required");
    let json: unknown;
    try {
      json = JSON.parse(flags.event);
    } catch (e) {
      throw new UsageError(`--event is not JSON: ${(e as Error).message}`);
    }
    const parsed = EVENTS[kind as EventKind].safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`--event: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    // Migrations as the owner, then the alert tables' rows as the loader.
    const sql = await migratedPoolAs({ ...config.postgres, poolMax: 1 }, "loader", {
      applicationName: "socialpulse-notify",
    });
    const mailer = createMailer(config.smtp);
    try {
      return await notify({
        sql,
        mailer,
        log,
        alertOnSuccess: config.orchestration.alertOnSuccess,
        quarantineRatio: config.orchestration.quarantineRatio,
      }, { kind, event: parsed.data } as NotifyEvent);
    } finally {
      mailer.close();
      await sql.end({ timeout: 5 });
    }
  },
});
