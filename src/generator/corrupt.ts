/**
 * Turn a valid event into a line that validation must reject, one defect kind at a time.
 *
 * The corrupted line is a copy of a real event with a fresh `event_id` (so it never collides with the valid
 * original), as a buggy client would send it; it does not change the world.
 *
 * @module
 */
import { EVENT_TYPES, type InvalidFaultKind, STRING_MAX } from "../events/mod.ts";
import type { Rng } from "./prng.ts";

/** A corrupted line and the event id it carries (absent when the defect removed or retyped it). */
export interface CorruptLine {
  line: string;
  eventId?: string;
}

type Json = Record<string, unknown>;

const ENVELOPE_KEYS = ["event_id", "event_type", "schema_version", "occurred_at", "actor_user_id", "payload"];

/** Event types that look plausible but are not in the contract. */
export const UNKNOWN_EVENT_TYPES = [
  "publication.boosted",
  "story.expired",
  "user.teleported",
  "live.started",
  "poll.voted",
  "publication.viewd",
  "Publication.Created",
  "reaction.removed",
].filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));

const YEAR_MS = 365.25 * 86_400_000;

/** Out-of-range rewrites by payload field name; each returns the bad value, or undefined if not applicable. */
const OUT_OF_RANGE: Record<string, (v: unknown, e: Json, rng: Rng) => unknown> = {
  amount: (v) => (typeof v === "number" ? -Math.round((v + 1) * 100) / 100 : undefined),
  cost: (v) => (typeof v === "number" ? -Math.round((v + 0.5) * 100) / 100 : undefined),
  budget: (v) => (typeof v === "number" ? -v - 100 : undefined),
  birth_date: (_v, e, rng) => {
    const year = Number(String(e.occurred_at).slice(0, 4)) - 122 - rng.int(60);
    return `${year}-0${1 + rng.int(9)}-1${rng.int(10)}`;
  },
  dwell_ms: (_v, _e, rng) => -1 - rng.int(10_000),
  duration_s: (v, _e, rng) => (typeof v === "number" ? (rng.chance(0.5) ? -v : 86_400 + rng.int(100_000)) : undefined),
  width: (_v, _e, rng) => (rng.chance(0.5) ? 0 : 20_000 + rng.int(100_000)),
  size_bytes: (_v, _e, rng) => -1 - rng.int(1_000_000),
  mutual_friends: (_v, _e, rng) => -1 - rng.int(50),
  membership_days: (_v, _e, rng) => -1 - rng.int(300),
  cascade_depth: () => 0,
  session_duration_s: (v, _e, rng) => (typeof v === "number" ? -1 - rng.int(3600) : undefined),
  duration_days: (v, _e, rng) => (typeof v === "number" ? 366 + rng.int(1000) : undefined),
};

/** Whether {@link corrupt} can apply `out_of_range` to this event. */
export function hasRangeField(payload: Json): boolean {
  for (const k in payload) {
    const f = OUT_OF_RANGE[k];
    if (f && payload[k] !== null) return true;
  }
  return false;
}

/** Whether {@link corrupt} can apply `oversized_string` to this event. */
export function hasLimitedString(payload: Json): boolean {
  for (const k in payload) if (k in STRING_MAX && typeof payload[k] === "string") return true;
  return false;
}

/** A value of another JSON type than `v`, which no field of the contract accepts in its place. */
function retype(v: unknown, rng: Rng): unknown {
  if (typeof v === "string") return rng.chance(0.5) ? 12345 : v.length;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null) return true;
  if (Array.isArray(v)) return v.join(",");
  return "[object Object]";
}

function longText(target: number, rng: Rng): string {
  // No astral characters: limits count code points, and this must exceed them whatever the slice.
  const words = ["lorem", "ipsum", "привет", "spam", "buy", "now", "★", "aaaa"];
  let s = "";
  while (s.length < target) s += words[rng.int(words.length)] + " ";
  return s.slice(0, target);
}

/**
 * A corrupted copy of a valid serialised event, or null when the kind does not apply to it (no range field or no
 * limited string). `minuteStartMs` anchors far-future timestamps.
 */
export function corrupt(kind: InvalidFaultKind, line: string, rng: Rng, minuteStartMs: number): CorruptLine | null {
  const e = JSON.parse(line) as Json;
  const payload = e.payload as Json;
  const eventId = rng.uuid();
  e.event_id = eventId;
  switch (kind) {
    case "malformed_json": {
      const s = JSON.stringify(e);
      // Any proper prefix of a serialised object is unbalanced, hence never valid JSON.
      return { line: s.slice(0, 1 + rng.int(s.length - 2)), eventId };
    }
    case "missing_field": {
      const payloadKeys = Object.keys(payload);
      if (rng.chance(0.3) || payloadKeys.length === 0) {
        const k = rng.pick(ENVELOPE_KEYS);
        delete e[k];
        return { line: JSON.stringify(e), ...(k === "event_id" ? {} : { eventId }) };
      }
      delete payload[rng.pick(payloadKeys)];
      return { line: JSON.stringify(e), eventId };
    }
    case "wrong_type": {
      const payloadKeys = Object.keys(payload);
      if (rng.chance(0.3) || payloadKeys.length === 0) {
        const k = rng.pick(ENVELOPE_KEYS);
        e[k] = retype(e[k], rng);
        return { line: JSON.stringify(e), ...(k === "event_id" ? {} : { eventId }) };
      }
      const k = rng.pick(payloadKeys);
      payload[k] = retype(payload[k], rng);
      return { line: JSON.stringify(e), eventId };
    }
    case "out_of_range": {
      const candidates = Object.keys(payload).filter((k) => OUT_OF_RANGE[k] && payload[k] !== null);
      for (let tries = candidates.length; tries > 0; tries--) {
        const k = rng.pick(candidates);
        const bad = OUT_OF_RANGE[k]!(payload[k], e, rng);
        if (bad !== undefined) {
          payload[k] = bad;
          return { line: JSON.stringify(e), eventId };
        }
      }
      return null;
    }
    case "future_timestamp": {
      const years = 100 + rng.int(400);
      e.occurred_at = new Date(minuteStartMs + years * YEAR_MS + rng.int(86_400_000)).toISOString();
      return { line: JSON.stringify(e), eventId };
    }
    case "unknown_event_type":
      e.event_type = rng.pick(UNKNOWN_EVENT_TYPES);
      return { line: JSON.stringify(e), eventId };
    case "oversized_string": {
      const candidates = Object.keys(payload).filter((k) => k in STRING_MAX && typeof payload[k] === "string");
      if (candidates.length === 0) return null;
      const k = rng.pick(candidates);
      const max = STRING_MAX[k as keyof typeof STRING_MAX];
      payload[k] = longText(max + 1 + rng.int(max * 2), rng);
      return { line: JSON.stringify(e), eventId };
    }
  }
}
