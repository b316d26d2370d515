/**
 * Step 2, validate (`deno task validate`): stream each staged file line by line, check every line against the
 * shared event schema and the clock ({@link checkLine}), and quarantine the bad ones with a reason code: rows in
 * etl.rejected and one JSON Lines object per file under `quarantine/`. One bad line never affects its neighbours.
 * The valid events are not copied: the batch's verdicts object ({@link Verdicts}) names the rejected lines of each
 * staged file, so clean reads the staged input and skips them.
 *
 * Idempotent: a re-run (after a crash, or of a batch already validated with `--batch N --force`) replaces the
 * batch's earlier outputs; the database side commits in one transaction with the status change.
 *
 * @module
 */
import { copyRows } from "../clients/postgres.ts";
import { prefetch } from "./_concurrency.ts";
import { batchFiles } from "./batch_status.ts";
import type { StepDeps, StepResult } from "./deps.ts";
import { forEachBatch } from "./for_each_batch.ts";
import { clearParts } from "./parts.ts";
import type { FileVerdict, Verdicts } from "./verdicts.ts";
import { checkLine, type CheckOptions } from "./check.ts";
import { quarantineKey, quarantinePrefix, verdictsKey } from "./layout.ts";
import { splitLines, utf8Length } from "./lines.ts";
import { UsageError } from "../task.ts";

export interface ValidateOptions {
  futureToleranceMs: number;
  maxLineBytes: number;
  /** Only this batch. */
  batch?: number;
  /**
   * Validate `batch` again although it was validated (or cleaned) already, e.g. after the schema changed; clean and
   * load then follow it again. A loaded batch is never validated again.
   */
  force?: boolean;
  /** The validation clock (default: now). */
  now?: Date;
}

/** Raw text kept in the rejected table per line; the whole line is in the quarantine object. */
const RAW_KEEP = 64 * 1024;

/** Run the validate step over every extracted batch (or one; with `force`, one already validated or cleaned). */
export async function validate(deps: StepDeps, opts: ValidateOptions): Promise<StepResult> {
  if (opts.force && opts.batch === undefined) throw new UsageError("--force needs --batch: it re-validates one batch");
  const from = opts.force ? ["extracted", "validated", "cleaned"] as const : ["extracted"] as const;
  return await forEachBatch(
    deps,
    "validate",
    { batch: opts.batch, from: [...from] },
    { lines_in: 0, valid: 0, quarantined: 0 },
    (batch) => validateBatch(deps, batch, opts),
  );
}

async function validateBatch(deps: StepDeps, batch: number, opts: ValidateOptions) {
  const { sql, store } = deps;
  const log = deps.log.withBatch(batch);
  const started = performance.now();
  const files = await batchFiles(sql, batch);
  const check: CheckOptions = {
    now: opts.now ?? new Date(),
    futureToleranceMs: opts.futureToleranceMs,
    maxLineBytes: opts.maxLineBytes,
  };

  // Download ahead (bounded) while lines are checked in file order; meanwhile remove an earlier attempt's outputs.
  const take = prefetch(store, files.map((f) => f.staged_key));
  await Promise.all([
    clearParts(store, batch, "valid"),
    store.list(quarantinePrefix(batch)).then((old) => store.remove(old.map((o) => o.key))),
  ]);

  const verdicts: FileVerdict[] = [];
  let valid = 0;
  // Quarantine objects are written in the background, a few at a time (an S3 PUT costs ~20 ms here).
  const pending = new Set<Promise<void>>();
  const putQuarantine = async (key: string, body: string) => {
    while (pending.size >= 8) await Promise.race(pending);
    const p = store.put(key, body, "application/x-ndjson").finally(() => pending.delete(p));
    p.catch(() => {}); // a failure is rethrown by the Promise.all below
    pending.add(p);
  };
  const rejected: (string | number | boolean | null)[][] = [];
  const linesPerFile: number[] = [];
  let linesIn = 0;

  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const data = await take(i);
    const lines = splitLines(data);
    linesPerFile.push(lines.length);
    linesIn += lines.length;
    const quarantined: string[] = [];
    const verdict: FileVerdict = { key: file.key, lines: lines.length, rejected: [], rewritten: {} };
    verdicts.push(verdict);
    for (const line of lines) {
      const v = checkLine(line, check);
      if (v.ok) {
        valid++;
        // Almost always the event is the line's own JSON; otherwise (unknown keys stripped) clean needs the event.
        if (!v.verbatim) verdict.rewritten[line.lineNo] = JSON.stringify(v.event);
        continue;
      }
      verdict.rejected.push(line.lineNo);
      const truncated = line.text.length > RAW_KEEP;
      rejected.push([
        batch,
        file.key,
        line.lineNo,
        v.reason,
        v.detail.slice(0, 1000),
        // PostgreSQL text cannot hold NUL: keep the rest of the line verbatim.
        (truncated ? line.text.slice(0, RAW_KEEP) : line.text).replaceAll("\u0000", "\uFFFD"),
        utf8Length(line.text),
        truncated,
      ]);
      quarantined.push(JSON.stringify({
        line_no: line.lineNo,
        reason: v.reason,
        detail: v.detail,
        raw: line.text,
      }));
    }
    if (quarantined.length) await putQuarantine(quarantineKey(batch, file.key), quarantined.join("\n") + "\n");
    if (i === 0) await deps.fault?.("validate:after-first-file");
  }
  const manifest: Verdicts = { version: 1, files: verdicts };
  await store.put(verdictsKey(batch), JSON.stringify(manifest), "application/json");
  await Promise.all(pending);

  const counts = { lines_in: linesIn, valid, quarantined: rejected.length };
  await deps.fault?.("validate:before-commit");
  const ms = Math.round(performance.now() - started);
  await sql.begin(async (tx) => {
    await tx`delete from etl.rejected where batch_id = ${batch}`;
    await copyRows(tx, "etl.rejected", [
      "batch_id",
      "file_key",
      "line_no",
      "reason",
      "detail",
      "raw_line",
      "raw_bytes",
      "raw_truncated",
    ], rejected);
    await tx`
      update etl.files f set lines_in = t.n
      from unnest(${files.map((f) => f.key)}::text[], ${linesPerFile}::int[]) as t(key, n)
      where f.batch_id = ${batch} and f.key = t.key`;
    await tx`
      update etl.batches set status = 'validated', validated_at = now(), lines_in = ${linesIn},
        valid = ${valid}, quarantined = ${rejected.length},
        step_ms = step_ms || jsonb_build_object('validate', ${ms}::int),
        failed_step = null, error = null, updated_at = now()
      where batch_id = ${batch}`;
  });
  log.info("validated", { counts: { ...counts, files: files.length, ms } });
  return counts;
}
