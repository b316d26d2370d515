/**
 * The generator's run loop: load (or create) the world, generate minutes, write each minute drop with its ledger,
 * then the day ledgers and the world snapshot.
 *
 * Three modes: `live` (every minute at the minute boundary until stopped; catches up at most
 * {@link MAX_CATCH_UP_MINUTES} missed minutes, skips longer gaps), `once` (the last complete minute) and `range`
 * (every minute of a past range as fast as possible). The world only moves forward: minutes before its clock are
 * never generated again (a range that starts before the clock continues from the clock).
 *
 * Writes, in order: data files and their file ledgers, then day ledgers, then the snapshot. A crash before the
 * snapshot is repaired by the next run, which regenerates the same minutes byte for byte from the older snapshot.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { DropBuilder } from "./drop.ts";
import { type DayAggregate, DayLedger } from "./ledger.ts";
import type { FaultKind } from "../events/mod.ts";
import { dayLedgerKey, entityLedgerKey, fileLedgerKey } from "./record.ts";
import { Simulation } from "./simulate.ts";
import type { Store } from "./store.ts";
import { decodeSnapshot, encodeSnapshot, newWorld, type WorldState } from "./world.ts";

/** The world snapshot, under the generator-only prefix. */
export const SNAPSHOT_KEY = "generator/world.json.gz";
/** A small human-readable summary of the snapshot. */
export const SNAPSHOT_META_KEY = "generator/world.meta.json";
/** In live mode, missed minutes up to this many are generated on restart; a longer gap is skipped. */
export const MAX_CATCH_UP_MINUTES = 60;
/** A day is closed (dropped from the snapshot) this long after it ends, if no late event still waits for it. */
const DAY_CLOSE_AFTER_MS = 6 * 3_600_000;
const MINUTE = 60_000;

/** Which minutes to generate. `to` is exclusive; both are epoch minutes. */
export type Mode = { kind: "live" } | { kind: "once" } | { kind: "range"; from: number; to: number };

/** What to generate. */
export interface GenerateOptions {
  mode: Mode;
  /** Mean events per minute, before the diurnal and weekly modulation. */
  rate: number;
  /** Fraction of events that carry an injected defect (0 disables). */
  faults: number;
  /** Seed of a new world; must match the stored world's seed when given. */
  seed?: number;
  /** Ignore the stored world and start a new one. */
  fresh: boolean;
}

/** What the run needs from outside. */
export interface GenerateDeps {
  store: Store;
  log: Logger;
  signal: AbortSignal;
  /** Wall clock (epoch ms). */
  now?: () => number;
  /** Wait (abortable). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Draw a progress bar on stderr (a terminal). Otherwise INFO lines every 10 s. */
  progress?: boolean;
  /** Seed for a new world when none is given (default: random). */
  randomSeed?: () => number;
}

/** The run summary (printed as the task's last stdout line). */
export interface GenerateSummary extends Record<string, unknown> {
  out: string;
  seed: number;
  files: number;
  /** Distinct valid events written. */
  events: number;
  lines: number;
  events_per_second: number;
  /** Injected defects of every kind (invalid lines, duplicates, late events). */
  faults: number;
  faults_by_kind: Partial<Record<FaultKind, number>>;
  first_minute: string | null;
  last_minute: string | null;
  world_users: number;
  world_clock: string;
}

/** The run was given impossible options (reported as a usage error by the task). */
export class GenerateUsageError extends Error {
  override name = "GenerateUsageError";
}

function isoMinute(minute: number): string {
  return new Date(minute * MINUTE).toISOString().replace(".000Z", "Z");
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Puts with at most `limit` in flight; the first failure is rethrown by the next call. */
class Writer {
  readonly #inFlight = new Set<Promise<void>>();
  #error: unknown = null;

  constructor(readonly store: Store, readonly limit = 8) {}

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    if (this.#error) throw this.#error;
    while (this.#inFlight.size >= this.limit) await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
    const p: Promise<void> = this.store.put(key, bytes, contentType).catch((e) => {
      this.#error ??= new Error(`writing ${key} to ${this.store.description} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.#inFlight);
    if (this.#error) throw this.#error;
  }
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function gzipJson(v: unknown): Promise<Uint8Array> {
  const stream = new Blob([json(v)]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Generate minute drops as the options say. */
export async function generate(opts: GenerateOptions, deps: GenerateDeps): Promise<GenerateSummary> {
  const { store, log, signal } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;
  if (!(opts.rate > 0)) throw new GenerateUsageError(`--rate must be a positive number, got ${opts.rate}`);
  if (!(opts.faults >= 0 && opts.faults < 1)) {
    throw new GenerateUsageError(`--faults must be a fraction in [0, 1), got ${opts.faults}`);
  }
  const lastComplete = () => Math.floor(now() / MINUTE) - 1;
  const firstWanted = opts.mode.kind === "range" ? opts.mode.from : lastComplete();

  let state: WorldState | null = null;
  if (!opts.fresh) {
    const bytes = await store.get(SNAPSHOT_KEY);
    if (bytes) state = await decodeSnapshot(bytes, SNAPSHOT_KEY);
  }
  if (state && opts.seed !== undefined && opts.seed !== state.seed) {
    throw new GenerateUsageError(
      `the world in ${store.description} was created with seed ${state.seed}; omit --seed, pass --seed ${state.seed}, ` +
        `or start a new world with --fresh`,
    );
  }
  if (state) {
    log.info(`continuing the world of ${store.description}`, {
      counts: { users: state.users.length },
      world_clock: isoMinute(state.clockMinute),
      seed: state.seed,
    });
  } else {
    const seed = opts.seed ?? (deps.randomSeed ?? (() => crypto.getRandomValues(new Uint32Array(1))[0]!))();
    state = newWorld(seed, firstWanted, opts.rate / 1000);
    log.info(`starting a new world in ${store.description}`, { seed, genesis: isoMinute(firstWanted) });
  }

  const sim = new Simulation(state);
  const days = new DayLedger(state.days);
  const builder = new DropBuilder(state.seed, state.genesisMinute, state.late);
  const writer = new Writer(store);
  const started = performance.now();
  const totals = { files: 0, events: 0, lines: 0, faults: 0 };
  const byKind: Partial<Record<FaultKind, number>> = {};
  let first: number | null = null, last: number | null = null;

  const writeMinute = async (minute: number, flush: boolean) => {
    const recs = sim.runMinute(minute, opts.rate);
    for (const day of sim.takeClosedDays()) {
      await writer.put(entityLedgerKey(day.date), await gzipJson(day), "application/gzip");
    }
    const drop = builder.build(minute, recs, opts.faults, flush || signal.aborted, days);
    await writer.put(drop.key, drop.bytes, "application/x-ndjson");
    await writer.put(fileLedgerKey(minute), json(drop.ledger), "application/json");
    const l = drop.ledger;
    totals.files++;
    totals.events += l.valid;
    totals.lines += l.lines;
    for (const f of l.faults) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    if (l.duplicates.length) byKind.duplicate = (byKind.duplicate ?? 0) + l.duplicates.length;
    if (l.late.length) byKind.late = (byKind.late ?? 0) + l.late.length;
    totals.faults += l.faults.length + l.duplicates.length + l.late.length;
    first ??= minute;
    last = minute;
    days.close(Math.min((minute + 1) * MINUTE - DAY_CLOSE_AFTER_MS, builder.oldestPendingMs()));
  };

  const checkpoint = async () => {
    await writer.drain();
    const touched: DayAggregate[] = days.takeTouched();
    for (const d of touched) await writer.put(dayLedgerKey(d.json.date), json(d.toJSON()), "application/json");
    await writer.drain();
    const s = sim.toState();
    s.days = days.toJSON();
    s.late = builder.lateToJSON();
    await store.put(SNAPSHOT_KEY, await encodeSnapshot(s), "application/gzip");
    await store.put(
      SNAPSHOT_META_KEY,
      json({
        seed: s.seed,
        genesis: isoMinute(s.genesisMinute),
        clock: isoMinute(s.clockMinute),
        users: s.users.length,
        live_publications: sim.livePublications,
        communities: s.communities.length,
        pending_late_events: builder.pendingLate,
      }),
      "application/json",
    );
  };

  const progress = new Progress(deps, log, () => totals.events, started);
  if (opts.mode.kind === "live") {
    log.info("generating every minute; stop with Ctrl-C or SIGTERM", { rate: opts.rate, faults: opts.faults });
    while (!signal.aborted) {
      const current = lastComplete();
      if (state.clockMinute <= current) {
        const missed = current - state.clockMinute + 1;
        if (missed > MAX_CATCH_UP_MINUTES) {
          log.warn(`skipping a gap of ${missed} minutes since ${isoMinute(state.clockMinute)}`);
          sim.skipTo(current);
        }
        while (state.clockMinute <= current) {
          const minute = state.clockMinute;
          await writeMinute(minute, false);
          await checkpoint();
          log.info(`wrote ${isoMinute(minute)}`, { counts: { events: totals.events, files: totals.files } });
          if (signal.aborted) break;
        }
      }
      const wait = (lastComplete() + 2) * MINUTE - now() + 250;
      await sleep(Math.max(0, wait), signal);
    }
  } else {
    let from: number, to: number;
    if (opts.mode.kind === "once") {
      from = lastComplete();
      to = from + 1;
    } else {
      ({ from, to } = opts.mode);
    }
    if (state.clockMinute > from) {
      log.info(`the world already has minutes up to ${isoMinute(state.clockMinute - 1)}; continuing from there`);
      from = state.clockMinute;
    } else if (from > state.clockMinute) {
      sim.skipTo(from);
    }
    const total = Math.max(0, to - from);
    if (total === 0) log.info("nothing to generate");
    for (let minute = from; minute < to; minute++) {
      const isLast = minute === to - 1;
      await writeMinute(minute, isLast);
      progress.update(minute - from + 1, total);
      if (signal.aborted && !isLast) {
        log.warn(`stopped after ${isoMinute(minute)}; run again to continue from there`);
        break;
      }
    }
    progress.done();
    await checkpoint();
  }
  await writer.drain();

  const seconds = (performance.now() - started) / 1000;
  const summary: GenerateSummary = {
    out: store.description,
    seed: state.seed,
    files: totals.files,
    events: totals.events,
    lines: totals.lines,
    events_per_second: Math.round(totals.events / Math.max(seconds, 1e-3)),
    faults: totals.faults,
    faults_by_kind: byKind,
    first_minute: first === null ? null : isoMinute(first),
    last_minute: last === null ? null : isoMinute(last),
    world_users: state.users.length,
    world_clock: isoMinute(state.clockMinute),
  };
  log.info(`generated ${totals.events} events in ${totals.files} files (${summary.events_per_second} events/s)`, {
    counts: { events: totals.events, files: totals.files, lines: totals.lines, faults: totals.faults },
    seconds: Math.round(seconds * 10) / 10,
  });
  return summary;
}

/** A progress bar on a terminal; periodic INFO lines otherwise. */
class Progress {
  #lastDraw = 0;
  #drawn = false;

  constructor(
    readonly deps: GenerateDeps,
    readonly log: Logger,
    readonly events: () => number,
    readonly started: number,
  ) {}

  update(done: number, total: number) {
    const t = performance.now();
    const interval = this.deps.progress ? 200 : 10_000;
    if (t - this.#lastDraw < interval && done < total) return;
    this.#lastDraw = t;
    const seconds = (t - this.started) / 1000;
    const rate = Math.round(this.events() / Math.max(seconds, 1e-3));
    const eta = done > 0 ? Math.round(seconds / done * (total - done)) : 0;
    if (this.deps.progress) {
      const width = 30;
      const filled = Math.round(width * done / Math.max(total, 1));
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      const pct = Math.floor(100 * done / Math.max(total, 1));
      const line = `\r  ${bar} ${pct}% ${done}/${total} min · ${this.events().toLocaleString("en")} events · ` +
        `${rate.toLocaleString("en")} ev/s · ETA ${eta}s `;
      Deno.stderr.writeSync(new TextEncoder().encode(line));
      this.#drawn = true;
    } else {
      this.log.info(`progress ${done}/${total} minutes`, {
        counts: { minutes: done, events: this.events(), events_per_second: rate },
        eta_s: eta,
      });
    }
  }

  done() {
    if (this.#drawn) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
}
