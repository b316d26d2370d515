/**
 * Freshness of the running pipeline (`deno task start`): for every raw minute file the DAG has taken into the star
 * schema, the time from the file landing in the bucket (its S3 Last-Modified) to the end of the models step of the
 * run that loaded it (when the step's success callback recorded it in etl.alert_steps, a second or two after). Prints
 * the count, p50, p95 and max, and the same from landing to `etl.batches.loaded_at` (rows in landing.events).
 *
 *   deno run -A dev/airflow/freshness.ts [--since 2026-11-30T14:30:00Z]
 */
import { parseArgs } from "node:util";
import { config } from "../../src/config.ts";
import { createPostgres } from "../../src/clients/postgres.ts";
import { objectStore } from "../../src/clients/s3.ts";

const { values } = parseArgs({ args: Deno.args, options: { since: { type: "string" } } });
const since = values.since ? new Date(values.since) : new Date(0);
const cfg = config();
const sql = createPostgres({ ...cfg.postgres, poolMax: 1 });
try {
  const rows = await sql<{ key: string; loaded_at: Date; star_at: Date }[]>`
    with loads as (
      select run_id, jsonb_array_elements(summary -> 'batches')::bigint as batch_id
      from etl.alert_steps where dag_id = 'socialpulse' and task_id = 'load'
    )
    select f.key, b.loaded_at, m.finished_at as star_at
    from loads l
    join etl.alert_steps m on m.dag_id = 'socialpulse' and m.run_id = l.run_id and m.task_id = 'models'
    join etl.batches b on b.batch_id = l.batch_id
    join etl.files f on f.batch_id = l.batch_id
    where b.loaded_at >= ${since}`;
  const landed = new Map((await objectStore(cfg.s3).list("events/")).map((o) => [o.key, o.lastModified]));
  const toStar: number[] = [];
  const toLanding: number[] = [];
  for (const r of rows) {
    const t = landed.get(r.key);
    if (!t) continue;
    toStar.push((r.star_at.getTime() - t.getTime()) / 1000);
    toLanding.push((r.loaded_at.getTime() - t.getTime()) / 1000);
  }
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  };
  const line = (name: string, xs: number[]) =>
    `${name}: files=${xs.length} p50=${pct(xs, 50).toFixed(1)}s p95=${pct(xs, 95).toFixed(1)}s max=${
      pct(xs, 100).toFixed(1)
    }s`;
  console.log(line("file landed -> rows in the star schema (models step done)", toStar));
  console.log(line("file landed -> rows in landing.events (load committed)", toLanding));
} finally {
  await sql.end();
}
