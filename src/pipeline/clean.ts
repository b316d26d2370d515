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
import { prefetch } from "./_concurrency.ts";
import { batchFiles } from "./batch_status.ts";
import type { StepDeps, StepResult } from "./deps.ts";
import { forEachBatch } from "./for_each_batch.ts";
import { clearParts, PartWriter } from "./parts.ts";
import { readVerdicts } from "./verdicts.ts";
import { splitLines } from "./lines.ts";
import { normalizeValidEvent } from "./normalize.ts";

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
  return await forEachBatch(
    deps,
    "clean",
    { batch: opts.batch },
    { clean: 0, duplicates: 0, late: 0 },
    (batch) => cleanBatch(deps, batch),
  );
}

/** JSON for COPY's text format: JSON.stringify escapes every control character, so only backslashes need doubling. */
function copyJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes("\\") ? s.replaceAll("\\", "\\\\") : s;
}

/** A distinct event of the batch, already encoded as a landing row (without its newline). */
interface Row {
  id: string;
  line: number;
  late: boolean;
  copy: string;
}

/** Clean parts are uploaded while the next rows are made, so they are smaller than the default. */
const CLEAN_PART_BYTES = 4 * 1024 * 1024;

async function cleanBatch(deps: StepDeps, batch: number) {
  const { sql, store } = deps;
  const log = deps.log.withBatch(batch);
  const started = performance.now();
  const files = await batchFiles(sql, batch);

  // One pass over the staged input, file by file: skip what validate rejected, normalise and encode each event once
  // and drop copies of an event_id already seen in this batch. Each file's new event_ids are then checked against
  // landing.events in one query (an index probe per id, in PostgreSQL, while this thread reads the next file), and
  // the file's rows that were not loaded before go to the part writer, which uploads full parts in the background.
  // Rows stay in input order.
  const take = prefetch(store, files.map((f) => f.staged_key));
  const [verdicts] = await Promise.all([readVerdicts(store, batch, files), clearParts(store, batch, "clean")]);
  const out = new PartWriter(store, batch, "clean", CLEAN_PART_BYTES);
  const uploads: Promise<void>[] = [];
  const seen = new Set<string>();
  const duplicates: [number, string, number, string, number | null][] = [];
  let late = 0;

  /** The rows of one file and the query that finds which of their events were loaded by an earlier batch. */
  interface FileRows {
    key: string;
    rows: Row[];
    loadedBefore: Promise<{ event_id: string; batch_id: string }[]>;
  }
  const emit = async (f: FileRows) => {
    const loaded = new Map((await f.loadedBefore).map((r) => [r.event_id, Number(r.batch_id)]));
    for (const row of f.rows) {
      const firstBatch = loaded.get(row.id);
      if (firstBatch !== undefined) {
        duplicates.push([batch, f.key, row.line, row.id, firstBatch]);
        continue;
      }
      if (row.late) late++;
      out.push(row.copy);
    }
    if (out.full) {
      while (uploads.length >= 2) await uploads.shift();
      const upload = out.flush();
      upload.catch(() => {}); // not unhandled while it runs: the same promise is awaited later, rejection included
      uploads.push(upload);
    }
  };

  let pending: FileRows | null = null;
  for (let file = 0; file < files.length; file++) {
    const data = await take(file);
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
    const rows: Row[] = [];
    let r = 0;
    for (const l of lines) {
      const line = l.lineNo;
      if (r < rejected.length && rejected[r] === line) {
        r++;
        continue;
      }
      const event = normalizeValidEvent(JSON.parse(verdict.rewritten[line] ?? l.text) as Event);
      const id = event.event_id;
      if (seen.has(id)) {
        duplicates.push([batch, key, line, id, batch]);
        continue;
      }
      seen.add(id);
      const isLate = Date.parse(event.occurred_at) < minuteMs;
      // The envelope fields passed the schema (uuid, enum, integer, ISO time): none needs COPY escaping.
      const copy = `${id}\t${event.event_type}\t${event.schema_version}\t${event.occurred_at}\t${
        event.actor_user_id ?? "\\N"
      }\t${copyJson(event.payload)}${tail}${line}\t${minuteText}\t${isLate ? "t" : "f"}`;
      rows.push({ id, line, late: isLate, copy });
    }
    if (r !== rejected.length) throw new Error(`${key}: the verdicts name lines the file does not have`);
    const ids = rows.map((row) => row.id);
    const current: FileRows = {
      key,
      rows,
      loadedBefore: ids.length === 0 ? Promise.resolve([]) : sql<{ event_id: string; batch_id: string }[]>`
        select event_id, batch_id from landing.events where event_id = any(${ids}::uuid[])`.execute(),
    };
    // Settle a rejection here too, so that a failed check never goes unhandled while the previous file is emitted.
    current.loadedBefore.catch(() => {});
    if (pending) await emit(pending);
    pending = current;
    if (file === 0) await deps.fault?.("clean:after-first-file");
  }
  if (pending) await emit(pending);
  uploads.push(out.flush());
  await Promise.all(uploads);
  await deps.fault?.("clean:before-commit");

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
