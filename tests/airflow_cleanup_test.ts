/**
 * `deno task cleanup` (the maintenance DAG's cleanup_staging) on the real PostgreSQL and S3 server, in a private
 * database and bucket: it deletes exactly the staging objects of batches loaded before the retention period, keeps
 * those of recent and unfinished batches, the raw files and the quarantine, and a second run deletes nothing.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";

configureLogging({ level: "ERROR", format: "text" });

Deno.test({
  name: "cleanup deletes the staging of batches loaded before the retention period and nothing else",
  sanitizeResources: false,
  async fn() {
    const box = await openSandbox(config(), "airflow_cleanup", logger("test-cleanup"));
    const tmp = await Deno.makeTempDir({ prefix: "socialpulse-cleanup-" });
    const env = { ...Deno.env.toObject(), POSTGRES_DB: box.cfg.postgres.database, S3_BUCKET: box.cfg.s3.bucket };
    const task = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", ...args],
        cwd: PROJECT_ROOT,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      ok(out.success, `${args.join(" ")}: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
      return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    };
    try {
      // Three minutes with defects (so that there is quarantine), one batch per minute; the third only extracted.
      await task(
        "generate",
        ...["--from", "2026-11-30T09:00:00Z", "--to", "2026-11-30T09:03:00Z", "--rate", "100", "--seed", "5"],
        ...["--faults", "0.2", "--fresh", "--out", `dir:${tmp}`],
      );
      for (let m = 0; m < 3; m++) {
        const key = `events/date=2026-11-30/hour=09/events_2026-11-30T09-0${m}-00Z.jsonl`;
        await box.store.put(key, await Deno.readFile(join(tmp, key)));
        await task("extract");
        if (m < 2) { for (const step of ["validate", "clean", "load"]) await task(step); }
      }
      const batches = await box.sql<{ id: string; status: string }[]>`
        select batch_id as id, status from etl.batches order by batch_id`;
      deepStrictEqual(batches.map((b) => b.status), ["loaded", "loaded", "extracted"]);
      const [old, recent, open] = batches.map((b) => Number(b.id)) as [number, number, number];
      await box.sql`update etl.batches set loaded_at = now() - interval '8 days' where batch_id = ${old}`;

      const keys = async () => (await box.store.list("")).map((o) => o.key).sort();
      const before = await keys();
      const prefix = (b: number) => `staging/batch=${String(b).padStart(8, "0")}/`;
      const doomed = before.filter((k) => k.startsWith(prefix(old)));
      ok(doomed.length >= 2, `batch ${old} has staging objects: ${doomed.join(", ")}`);
      ok(before.some((k) => k.startsWith(prefix(recent))) && before.some((k) => k.startsWith(prefix(open))));
      ok(before.some((k) => k.startsWith("quarantine/")), "the faults left quarantine objects");

      const dry = await task("cleanup", "--older-than-days", "7", "--dry-run");
      deepStrictEqual([dry.batches, dry.objects], [[old], doomed.length]);
      deepStrictEqual(await keys(), before);

      const first = await task("cleanup", "--older-than-days", "7");
      deepStrictEqual([first.batches, first.objects], [[old], doomed.length]);
      deepStrictEqual(await keys(), before.filter((k) => !doomed.includes(k)));
      const second = await task("cleanup", "--older-than-days", "7");
      deepStrictEqual([second.batches, second.objects], [[], 0]);
      equal((await keys()).length, before.length - doomed.length);
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      await box.close();
    }
  },
});
