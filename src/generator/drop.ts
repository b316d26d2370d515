/**
 * Assemble one minute drop (a JSON Lines file) from the simulation's valid events, injecting the defects of
 * `--faults`, and write its ledger at the same time.
 *
 * Each valid event is, with probability `faults`, accompanied by one defect chosen uniformly among the nine
 * {@link FAULT_KINDS}: an invalid copy of it right after it (seven kinds), an exact copy of an earlier valid line
 * (`duplicate`, from this file or a recent earlier one), or the event itself held back and written in a file 1 to
 * 180 minutes later (`late`). A run over a fixed range writes the late events still queued in its last file; the
 * live mode keeps them in the world snapshot for its next file.
 *
 * @module
 */
import { FAULT_KINDS, type InvalidFaultKind } from "../events/mod.ts";
import { corrupt, hasLimitedString, hasRangeField } from "./corrupt.ts";
import type { DayLedger, FileLedgerJson } from "./ledger.ts";
import { Rng } from "./prng.ts";
import { eventsKey, type Rec } from "./record.ts";
import type { LateRecJson } from "./world.ts";

/** One assembled minute file. */
export interface Drop {
  minute: number;
  key: string;
  bytes: Uint8Array;
  ledger: FileLedgerJson;
}

const encoder = new TextEncoder();
const DUPLICATE_POOL = 512;

/**
 * Builds minute files in order. Keeps, across the files of one run, the late events waiting for their file and
 * recent lines to duplicate.
 */
export class DropBuilder {
  readonly #late = new Map<number, Rec[]>();
  #lateCount = 0;
  readonly #earlier: Rec[] = [];
  /** The previous minute's events: bases for a defect when the current minute has none that fits. */
  #previous: Rec[] = [];
  #buffer = new Uint8Array(1 << 20);

  /** `late` restores the queue of a snapshot ({@link lateToJSON}). */
  constructor(readonly seed: number, readonly genesisMinute: number, late: [number, LateRecJson[]][] = []) {
    for (const [minute, recs] of late) {
      this.#late.set(
        minute,
        recs.map((r) => {
          const ev = JSON.parse(r.line);
          return { ev, line: r.line, type: ev.event_type, ms: r.ms, topic: r.topic, reached1000: r.reached1000 };
        }),
      );
      this.#lateCount += recs.length;
    }
  }

  /** Late events still waiting for their file. */
  get pendingLate(): number {
    return this.#lateCount;
  }

  /** When the oldest waiting late event occurred (epoch ms), or Infinity. */
  oldestPendingMs(): number {
    let oldest = Infinity;
    for (const recs of this.#late.values()) for (const r of recs) if (r.ms < oldest) oldest = r.ms;
    return oldest;
  }

  /** The queue of late events, for the world snapshot. */
  lateToJSON(): [number, LateRecJson[]][] {
    return [...this.#late.entries()].sort((a, b) => a[0] - b[0]).map(([m, recs]) => [
      m,
      recs.map((r) => ({
        line: r.line,
        ms: r.ms,
        ...(r.topic ? { topic: r.topic } : {}),
        ...(r.reached1000 ? { reached1000: r.reached1000 } : {}),
      })),
    ]);
  }

  /**
   * Assemble the file of `minute` from its events (in time order). `flush` writes every queued late event now
   * (the last file of a run). Valid distinct events are added to `days`.
   */
  build(minute: number, recs: Rec[], faults: number, flush: boolean, days: DayLedger): Drop {
    const rng = new Rng(this.seed, this.genesisMinute, minute, 0xfa17);
    const minuteStartMs = minute * 60_000;
    const key = eventsKey(minute);
    const ledger: FileLedgerJson = {
      key,
      minute: new Date(minuteStartMs).toISOString().replace(".000Z", "Z"),
      lines: 0,
      bytes: 0,
      valid: 0,
      valid_by_type: {},
      faults: [],
      duplicates: [],
      late: [],
    };
    const lines: string[] = [];
    const validHere: Rec[] = [];
    const validByType = new Map<string, number>();

    const due: Rec[] = [];
    for (const m of [...this.#late.keys()].sort((a, b) => a - b)) {
      if (m > minute && !flush) continue;
      due.push(...this.#late.get(m)!);
      this.#late.delete(m);
    }
    this.#lateCount -= due.length;
    // Late events land at random places among this minute's events.
    const slots = due.map(() => rng.int(recs.length + 1)).sort((a, b) => a - b);

    const writeValid = (rec: Rec) => {
      lines.push(rec.line);
      const n = lines.length;
      validByType.set(rec.type, (validByType.get(rec.type) ?? 0) + 1);
      ledger.valid++;
      if (rec.ms < minuteStartMs) {
        ledger.late.push({ line: n, event_id: rec.ev.event_id, occurred_at: rec.ev.occurred_at });
      }
      validHere.push(rec);
      days.add(rec);
    };
    const writeInvalid = (kind: InvalidFaultKind, rec: Rec, i: number) => {
      let base: string | undefined = rec.line;
      if (kind === "out_of_range" || kind === "oversized_string") {
        const fits = kind === "out_of_range" ? hasRangeField : hasLimitedString;
        base = this.#findBase(recs, i, fits);
      }
      let bad = base === undefined ? null : corrupt(kind, base, rng, minuteStartMs);
      if (bad === null) {
        kind = "wrong_type";
        bad = corrupt(kind, rec.line, rng, minuteStartMs)!;
      }
      lines.push(bad.line);
      ledger.faults.push({ line: lines.length, kind, ...(bad.eventId ? { event_id: bad.eventId } : {}) });
    };
    const writeDuplicate = () => {
      const fromEarlier = this.#earlier.length > 0 && rng.chance(0.5);
      const src = fromEarlier ? this.#earlier[rng.int(this.#earlier.length)]! : validHere[rng.int(validHere.length)]!;
      lines.push(src.line);
      ledger.duplicates.push({ line: lines.length, event_id: src.ev.event_id });
    };

    let next = 0;
    for (let i = 0; i <= recs.length; i++) {
      while (next < due.length && slots[next] === i) writeValid(due[next++]!);
      if (i === recs.length) break;
      const rec = recs[i]!;
      if (faults > 0 && rng.float() < faults) {
        const kind = FAULT_KINDS[rng.int(FAULT_KINDS.length)]!;
        if (kind === "late") {
          if (!flush) {
            const delay = rng.chance(0.7) ? rng.range(1, 30) : rng.range(31, 180);
            const list = this.#late.get(minute + delay);
            if (list) list.push(rec);
            else this.#late.set(minute + delay, [rec]);
            this.#lateCount++;
            continue;
          }
          writeValid(rec);
        } else if (kind === "duplicate") {
          writeValid(rec);
          writeDuplicate();
        } else {
          writeValid(rec);
          writeInvalid(kind, rec, i);
        }
      } else {
        writeValid(rec);
      }
    }
    this.#previous = recs;

    for (let i = 0; i < 8 && validHere.length > 0; i++) {
      this.#earlier.push(validHere[rng.int(validHere.length)]!);
      if (this.#earlier.length > DUPLICATE_POOL) this.#earlier.shift();
    }

    ledger.valid_by_type = Object.fromEntries([...validByType.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const bytes = this.#encode(lines);
    ledger.lines = lines.length;
    ledger.bytes = bytes.byteLength;
    return { minute, key, bytes, ledger };
  }

  /** UTF-8 of the lines, each followed by a newline (line by line into a reused buffer: no giant string). */
  #encode(lines: string[]): Uint8Array {
    let buf = this.#buffer;
    let off = 0;
    for (const line of lines) {
      if (buf.length - off < line.length * 3 + 1) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, off + line.length * 3 + 1));
        bigger.set(buf.subarray(0, off));
        buf = bigger;
      }
      off += encoder.encodeInto(line, buf.subarray(off)).written;
      buf[off++] = 10;
    }
    this.#buffer = buf;
    return buf.slice(0, off);
  }

  /** The nearest event at or before `i` (or in the previous minute) that a defect kind can apply to. */
  #findBase(recs: Rec[], i: number, fits: (payload: Record<string, unknown>) => boolean): string | undefined {
    for (let k = i; k >= 0 && k > i - 500; k--) if (fits(recs[k]!.ev.payload)) return recs[k]!.line;
    for (let k = this.#previous.length - 1; k >= 0; k--) {
      if (fits(this.#previous[k]!.ev.payload)) return this.#previous[k]!.line;
    }
    return undefined;
  }
}
