/**
 * `deno task generate`: flags, their validation, and the choice of output, around {@link generate}.
 *
 * @module
 */
import { objectStore } from "../clients/s3.ts";
import type { TaskContext, TaskSpec } from "../task.ts";
import { UsageError } from "../task.ts";
import { generate, type GenerateOptions, type GenerateSummary, GenerateUsageError, type Mode } from "./run.ts";
import { DirStore, S3Store, type Store } from "./store.ts";

const MINUTE = 60_000;
const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

/** Minutes in a duration like `90m`, `12h`, `7d`, `2w`. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) {
    throw new UsageError(`--backfill expects a duration like 90m, 12h, 7d or 2w, got '${text}'`);
  }
  return Number(m[1]) * UNIT_MINUTES[m[2]!]!;
}

/** Epoch minute of an ISO-8601 instant (floored), for --from/--to. */
export function parseInstant(flag: string, text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UsageError(`--${flag} expects an ISO-8601 time like 2024-05-01T00:00:00Z, got '${text}'`);
  }
  return Math.floor(t / MINUTE);
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag} expects a number, got '${text}'`);
  return n;
}

/** Turn the task's flags into options (pure: `nowMs` is the wall clock). */
export function optionsFromFlags(flags: TaskContext["flags"], nowMs: number): GenerateOptions {
  const str = (k: string) => (typeof flags[k] === "string" ? flags[k] as string : undefined);
  const once = flags.once === true;
  const backfill = str("backfill");
  const from = str("from"), to = str("to");
  const modes = [once, backfill !== undefined, from !== undefined || to !== undefined].filter(Boolean).length;
  if (modes > 1) throw new UsageError("use only one of --once, --backfill and --from/--to");
  const lastComplete = Math.floor(nowMs / MINUTE) - 1;
  let mode: Mode = { kind: "live" };
  if (once) mode = { kind: "once" };
  else if (backfill !== undefined) {
    mode = { kind: "range", from: lastComplete + 1 - parseDuration(backfill), to: lastComplete + 1 };
  } else if (from !== undefined || to !== undefined) {
    if (from === undefined) throw new UsageError("--to needs --from");
    const f = parseInstant("from", from);
    const t = to === undefined ? lastComplete + 1 : parseInstant("to", to);
    if (t <= f) throw new UsageError(`--to (${to}) must be after --from (${from})`);
    if (t > lastComplete + 1) {
      throw new UsageError(`--to (${to}) lies in the future; the generator writes past minutes`);
    }
    mode = { kind: "range", from: f, to: t };
  }
  const rate = number("rate", str("rate") ?? "1000");
  if (rate <= 0) throw new UsageError(`--rate must be positive, got ${rate}`);
  const faults = number("faults", str("faults") ?? "0.01");
  if (faults < 0 || faults >= 1) throw new UsageError(`--faults must be a fraction in [0, 1), got ${faults}`);
  const seedText = str("seed");
  let seed: number | undefined;
  if (seedText !== undefined) {
    seed = number("seed", seedText);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UsageError(`--seed must be an integer in 0..4294967295, got ${seedText}`);
    }
  }
  return { mode, rate, faults, fresh: flags.fresh === true, ...(seed !== undefined ? { seed } : {}) };
}

/** `s3` (the configured bucket) or `dir:<path>`. */
export function storeFromFlag(out: string, ctx: Pick<TaskContext, "config">): Store {
  if (out === "s3") return new S3Store(objectStore(ctx.config.s3));
  if (out.startsWith("dir:") && out.length > 4) return new DirStore(out.slice(4));
  throw new UsageError(`--out expects 's3' or 'dir:<path>', got '${out}'`);
}

/** The task specification of `deno task generate`. */
export const generateTask: TaskSpec<GenerateSummary> = {
  name: "generate",
  description: "Simulate one persistent social network and write its events as minute JSON Lines drops " +
    "(events/date=YYYY-MM-DD/hour=HH/events_YYYY-MM-DDTHH-MM-00Z.jsonl) with a ground-truth ledger (ledger/) " +
    "and the world snapshot (generator/). Without --once/--backfill/--from it runs live: at every minute " +
    "boundary it writes the minute that just ended, until SIGINT/SIGTERM (which finish the current minute).",
  flags: {
    once: { type: "boolean", help: "Write the last complete minute and exit" },
    backfill: {
      type: "string",
      help: "Write every minute of the past duration (90m, 12h, 7d, 2w) as fast as possible",
    },
    from: { type: "string", help: "Start of a past range to write (ISO-8601, e.g. 2024-05-01T00:00:00Z)" },
    to: { type: "string", help: "End of the range, exclusive (ISO-8601; default: now)" },
    rate: { type: "string", help: "Mean events per minute, modulated by time of day and weekday", default: "1000" },
    seed: { type: "string", help: "Seed of a new world (output is byte-for-byte reproducible); default: random" },
    faults: { type: "string", help: "Fraction of events carrying an injected defect; 0 disables", default: "0.01" },
    out: { type: "string", help: "Where to write: 's3' (the configured bucket) or 'dir:<path>'", default: "s3" },
    fresh: { type: "boolean", help: "Start a new world, ignoring (and later replacing) the stored snapshot" },
  },
  epilog: [
    "The world (users, graph, communities, live publications, counters) persists under generator/ and continues",
    "on the next run; ids never collide across runs. A range that starts before the world's clock continues",
    "from the clock. Defects (--faults): malformed_json, missing_field, wrong_type, out_of_range,",
    "future_timestamp, unknown_event_type, oversized_string, duplicate, late; see docs/generator.md.",
    "",
    "Examples:",
    "  deno task generate --backfill 1d --out dir:out/day1 --seed 1",
    "  deno task generate --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z --rate 200 --faults 0",
    "  deno task generate --once",
    "  deno task generate                      # live, into the configured bucket",
  ].join("\n"),
  async run(ctx) {
    const opts = optionsFromFlags(ctx.flags, Date.now());
    const store = storeFromFlag(ctx.flags.out as string, ctx);
    try {
      return await generate(opts, {
        store,
        log: ctx.log,
        signal: ctx.signal,
        progress: Deno.stderr.isTerminal(),
      });
    } catch (e) {
      if (e instanceof GenerateUsageError) throw new UsageError(e.message);
      throw e;
    }
  },
};
