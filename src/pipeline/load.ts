/**
 * Step 4, load (`deno task load`): bulk-load a cleaned batch into landing.events with COPY, in one transaction
 * that also records the days it touches and marks the batch loaded. Exactly once: a loaded batch is never loaded
 * again, and an event_id that another batch loaded in the meantime is counted as a duplicate, not loaded twice.
 *
 * Accounting: after the load, `lines_in = loaded + quarantined + duplicates` must hold for the batch; otherwise the
 * transaction is rolled back and the step fails with an ERROR naming the difference.
 *
 * @module
 */
import { copyChunks, type TxSql } from "../clients/postgres.ts";
import type { StepDeps, StepResult } from "./deps.ts";
import { forEachBatch } from "./for_each_batch.ts";
import { countLines, readParts } from "./parts.ts";
import { LANDING_COLUMNS } from "./clean.ts";

export interface LoadOptions {
  batch?: number;
}

/** The batch's counts do not add up; nothing of it was loaded. */
export class AccountingError extends Error {
  override name = "AccountingError";
}

/** Run the load step over every cleaned batch (or one). */
export async function load(deps: StepDeps, opts: LoadOptions = {}): Promise<StepResult> {
  return await forEachBatch(
    deps,
    "load",
    { batch: opts.batch },
    { loaded: 0, duplicates_at_load: 0 },
    (batch) => loadBatch(deps, batch),
  );
}

async function loadBatch(deps: StepDeps, batch: number) {
  const { sql, store } = deps;
  const log = deps.log.withBatch(batch);
  const started = performance.now();
  // The clean parts are COPY-ready: they are sent as they are, and their rows counted.
  let rows = 0;
  async function* parts() {
    rows = 0;
    for await (const part of readParts(store, batch, "clean")) {
      rows += countLines(part);
      yield part;
    }
  }
  const copy = async (sql: TxSql, table: string) => {
    await copyChunks(sql, table, LANDING_COLUMNS, parts());
    return rows;
  };
  const counts = await sql.begin(async (tx) => {
    // Re-check under the transaction: a concurrent worker may have loaded it between listing and locking.
    const [state] = await tx<{ status: string }[]>`
      select status from etl.batches where batch_id = ${batch} for update`;
    if (state?.status !== "cleaned") return null;
    await deps.fault?.("load:before-copy");
    // Fast path: COPY straight into landing.events. clean already removed every event_id loaded before it ran,
    // so a conflict means a concurrent batch loaded some of these events since: then the savepoint rolls the
    // COPY back and the slow path sorts the rows out through a temporary table.
    let staged: number;
    let loaded: number;
    let lateDupes = 0;
    try {
      staged = loaded = await tx.savepoint((sp) => copy(sp, "landing.events"));
    } catch (e) {
      if ((e as { code?: string }).code !== "23505") throw e;
      log.warn("some events were loaded by another batch meanwhile; loading through a temporary table");
      await tx`create temporary table load_events (like landing.events including defaults) on commit drop`;
      staged = await copy(tx, "load_events");
      loaded = (await tx`
        insert into landing.events (${tx(LANDING_COLUMNS)})
        select ${tx(LANDING_COLUMNS)} from load_events
        on conflict (event_id) do nothing`).count;
      // Rows that conflicted were loaded by another batch after this one was cleaned: count them as duplicates.
      lateDupes = (await tx`
        insert into etl.duplicates (batch_id, file_key, line_no, event_id, first_batch_id)
        select ${batch}::bigint, l.file_key, l.line_no, l.event_id, e.batch_id
        from load_events l join landing.events e using (event_id)
        where e.batch_id <> ${batch}`).count;
    }
    await tx`
      insert into etl.batch_days (batch_id, day, events, late)
      select ${batch}::bigint, (occurred_at at time zone 'UTC')::date, count(*), count(*) filter (where is_late)
      from landing.events where batch_id = ${batch}
      group by 1, 2
      on conflict (batch_id, day) do update set events = excluded.events, late = excluded.late`;
    await checkAccounting(tx, batch, loaded, lateDupes);
    await deps.fault?.("load:before-commit");
    const ms = Math.round(performance.now() - started);
    await tx`
      update etl.batches set status = 'loaded', loaded_at = now(), loaded = ${loaded},
        duplicates = duplicates + ${lateDupes},
        step_ms = step_ms || jsonb_build_object('load', ${ms}::int),
        failed_step = null, error = null, updated_at = now()
      where batch_id = ${batch}`;
    return { staged, loaded, duplicates_at_load: lateDupes, ms };
  });
  if (counts === null) {
    log.info("batch was loaded by another worker; nothing to do");
    return { loaded: 0, duplicates_at_load: 0 };
  }
  log.info("loaded", { counts });
  return { loaded: counts.loaded, duplicates_at_load: counts.duplicates_at_load };
}

async function checkAccounting(tx: TxSql, batch: number, loaded: number, lateDupes: number) {
  const [b] = await tx<{ lines_in: string; quarantined: string; duplicates: string }[]>`
    select lines_in, quarantined, duplicates from etl.batches where batch_id = ${batch}`;
  const linesIn = Number(b!.lines_in);
  const quarantined = Number(b!.quarantined);
  const duplicates = Number(b!.duplicates) + lateDupes;
  const accounted = loaded + quarantined + duplicates;
  if (accounted !== linesIn) {
    throw new AccountingError(
      `batch ${batch} does not add up: lines_in ${linesIn} != loaded ${loaded} + quarantined ${quarantined} + ` +
        `duplicates ${duplicates} = ${accounted} (difference ${linesIn - accounted}); nothing was loaded`,
    );
  }
}
