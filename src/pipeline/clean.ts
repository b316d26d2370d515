/**
 * Step 3, clean (`deno task clean`): normalise what is recoverable ({@link normalizeEvent}) and remove duplicates by
 * `event_id`, within the batch and against everything already loaded. Duplicates are counted (etl.duplicates, with
 * the batch that holds the first copy), not passed on. The output (`clean/` parts) is COPY-ready rows of
 * landing.events, so the load step only streams it.
 *
 * @module
 */
import { copyField, copyRows } from "../clients/postgres.ts";
import type { Event } from "../events/mod.ts";
import {
  batchesIn,
  batchFiles,
  clearParts,
  markFailed,
  PartWriter,
  readVerdicts,
  type StepDeps,
  type StepResult,
  withBatchLock,
} from "./batches.ts";
import { splitLines } from "./lines.ts";
import { normalizeEvent } from "./normalize.ts";

/** Columns of landing.events that the clean parts carry, in order. */
export const LANDING_COLUMNS = [
  "event_id",
  "event_type",
  "schema_version",
  "occurred_at",
  "actor_user_id",
  "payload",
  "batch_id",
  "file_key",
  "line_no",
  "file_minute",
  "is_late",
] as const;

export interface CleanOptions {
  batch?: number;
}

/** Run the clean step over every validated batch (or one). */
export async function clean(deps: StepDeps, opts: CleanOptions = {}): Promise<StepResult> {
  const result: StepResult = { batches: [], counts: { clean: 0, duplicates: 0, late: 0 } };
  for (const batch of await batchesIn(deps.sql, "validated", opts.batch)) {
    const counts = await withBatchLock(deps.sql, batch, async () => {
      try {
        return await cleanBatch(deps, batch);
      } catch (e) {
        await markFailed(deps.sql, batch, "clean", e);
        throw e;
      }
    });
    if (counts === undefined) {
      deps.log.withBatch(batch).info("batch is being cleaned by another worker; skipped");
      continue;
    }
    result.batches.push(batch);
    for (const [k, v] of Object.entries(counts)) result.counts[k] = (result.counts[k] ?? 0) + v;
  }
  return result;
}

/** JSON for COPY's text format: JSON.stringify escapes every control character, so only backslashes need doubling. */
function copyJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes("\\") ? s.replaceAll("\\", "\\\\") : s;
}

/** A distinct event of the batch, already encoded as a landing row (without its newline). */
interface Row {
  file: number;
  line: number;
  late: boolean;
  copy: string;
}

async function cleanBatch(deps: StepDeps, batch: number) {
  const { sql, store } = deps;
  const log = deps.log.withBatch(batch);
  const started = performance.now();
  const files = await batchFiles(sql, batch);

  // 1. Read the staged input, skip what validate rejected, normalise and encode each event once; drop copies of an
  // event_id already seen in this batch. Only the encoded row is kept (not the parsed event); the map keeps the
  // file and line order.
  const verdicts = await readVerdicts(store, batch, files);
  const firstSeen = new Map<string, Row>();
  const duplicates: [number, string, number, string, number | null][] = [];
  const downloads = new Map<number, Promise<Uint8Array>>();
  const fetchFile = (i: number) => {
    if (i < files.length && !downloads.has(i)) downloads.set(i, store.get(files[i]!.staged_key));
  };
  for (let i = 0; i < Math.min(4, files.length); i++) fetchFile(i);
  for (let file = 0; file < files.length; file++) {
    const data = await downloads.get(file)!;
    downloads.delete(file);
    fetchFile(file + 4);
    const { key, file_minute: minute } = files[file]!;
    const verdict = verdicts.files[file]!;
    const lines = splitLines(data);
    if (lines.length !== verdict.lines) {
      throw new Error(`${key}: ${lines.length} lines staged but ${verdict.lines} validated; validate it again`);
    }
    // Constant per file: its key and minute, encoded for COPY once.
    const tail = `\t${batch}\t${copyField(key)}\t`;
    const minuteText = minute === null ? "\\N" : minute.toISOString();
    const minuteMs = minute === null ? -Infinity : minute.getTime();
    const rejected = verdict.rejected;
    let r = 0;
    for (const l of lines) {
      const line = l.lineNo;
      if (r < rejected.length && rejected[r] === line) {
        r++;
        continue;
      }
      const event = normalizeEvent(JSON.parse(verdict.rewritten[line] ?? l.text) as Event);
      if (firstSeen.has(event.event_id)) {
        duplicates.push([batch, key, line, event.event_id, batch]);
        continue;
      }
      const late = Date.parse(event.occurred_at) < minuteMs;
      // The envelope fields passed the schema (uuid, enum, integer, ISO time): none needs COPY escaping.
      const copy = `${event.event_id}\t${event.event_type}\t${event.schema_version}\t${event.occurred_at}\t${
        event.actor_user_id ?? "\\N"
      }\t${copyJson(event.payload)}${tail}${line}\t${minuteText}\t${late ? "t" : "f"}`;
      firstSeen.set(event.event_id, { file, line, late, copy });
    }
    if (r !== rejected.length) throw new Error(`${key}: the verdicts name lines the file does not have`);
  }

  // 2. Drop events loaded by an earlier batch: one bulk join, not a lookup per event.
  const loadedBefore = await sql.begin(async (tx) => {
    await tx`create temporary table clean_ids (event_id uuid primary key) on commit drop`;
    await copyRows(tx, "clean_ids", ["event_id"], Array.from(firstSeen.keys(), (id) => [id]));
    return await tx<{ event_id: string; batch_id: string }[]>`
      select e.event_id, e.batch_id from clean_ids c join landing.events e using (event_id)`;
  });
  for (const { event_id, batch_id } of loadedBefore) {
    const row = firstSeen.get(event_id)!;
    duplicates.push([batch, files[row.file]!.key, row.line, event_id, Number(batch_id)]);
    firstSeen.delete(event_id);
  }

  // 3. Write the COPY-ready landing rows, in input order.
  await clearParts(store, batch, "clean");
  const out = new PartWriter(store, batch, "clean");
  let late = 0;
  for (const row of firstSeen.values()) {
    if (row.late) late++;
    out.push(row.copy);
    await out.flushIfFull();
  }
  await out.flush();

  const ms = Math.round(performance.now() - started);
  await sql.begin(async (tx) => {
    await tx`delete from etl.duplicates where batch_id = ${batch}`;
    await copyRows(tx, "etl.duplicates", ["batch_id", "file_key", "line_no", "event_id", "first_batch_id"], duplicates);
    await tx`
      update etl.batches set status = 'cleaned', cleaned_at = now(), duplicates = ${duplicates.length},
        late = ${late}, step_ms = step_ms || jsonb_build_object('clean', ${ms}::int),
        failed_step = null, error = null, updated_at = now()
      where batch_id = ${batch}`;
  });
  const counts = { clean: out.rows, duplicates: duplicates.length, late };
  log.info("cleaned", { counts: { ...counts, ms } });
  return counts;
}
