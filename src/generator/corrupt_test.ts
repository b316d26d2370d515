import assert from "node:assert/strict";
import { checkOccurredAt, EVENT_TYPES, eventSchema, INVALID_FAULT_KINDS } from "../events/mod.ts";
import { corrupt, hasLimitedString, hasRangeField } from "./corrupt.ts";
import { Rng } from "./prng.ts";
import type { Rec } from "./record.ts";
import { Simulation } from "./simulate.ts";
import { newWorld } from "./world.ts";

const START = Math.floor(Date.parse("2024-05-06T10:00:00Z") / 60_000);

let cached: Map<string, Rec[]> | undefined;

/** Up to 5 real events of every type (a few hours of a small world). */
function samples(): Map<string, Rec[]> {
  if (cached) return cached;
  const sim = new Simulation(newWorld(77, START, 0.5));
  const byType = new Map<string, Rec[]>();
  for (let m = START; m < START + 600 && byType.size < EVENT_TYPES.length; m++) {
    for (const rec of sim.runMinute(m, 500)) {
      const list = byType.get(rec.type) ?? [];
      if (list.length < 5) list.push(rec);
      byType.set(rec.type, list);
    }
  }
  cached = byType;
  return byType;
}

/** Why a line is rejected, or null when it passes validation at `now`. */
function rejection(line: string, now: Date): string | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return "json";
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) return "schema";
  return checkOccurredAt(parsed.data.occurred_at, now, 60_000);
}

Deno.test("corrupt() makes a line that validation rejects, for every invalid kind and every event type", () => {
  const byType = samples();
  assert.equal(byType.size, EVENT_TYPES.length, `sampled only ${[...byType.keys()]}`);
  const rng = new Rng(1);
  const applied = new Map<string, number>();
  for (const [type, recs] of byType) {
    for (const rec of recs) {
      const now = new Date(rec.ms + 60_000);
      for (const kind of INVALID_FAULT_KINDS) {
        for (let draw = 0; draw < 6; draw++) {
          const bad = corrupt(kind, rec.line, rng, rec.ms - (rec.ms % 60_000));
          if (bad === null) {
            const payload = rec.ev.payload as Record<string, unknown>;
            assert.ok(kind === "out_of_range" || kind === "oversized_string", `${kind} did not apply to ${type}`);
            assert.equal((kind === "out_of_range" ? hasRangeField : hasLimitedString)(payload), false);
            continue;
          }
          applied.set(kind, (applied.get(kind) ?? 0) + 1);
          const why = rejection(bad.line, now);
          assert.notEqual(why, null, `${kind} on ${type} still validates: ${bad.line.slice(0, 300)}`);
          if (kind === "malformed_json") assert.equal(why, "json");
          if (bad.eventId !== undefined) assert.notEqual(bad.eventId, rec.ev.event_id);
          assert.ok(!bad.line.includes("\n"), "a corrupted line spans lines");
        }
      }
    }
  }
  for (const kind of INVALID_FAULT_KINDS) {
    assert.ok((applied.get(kind) ?? 0) > 50, `${kind} applied ${applied.get(kind)}x`);
  }
});

Deno.test("corrupt() leaves the original event untouched and is reproducible", () => {
  const rec = samples().get("donation.made")![0]!;
  const before = rec.line;
  const a = corrupt("out_of_range", rec.line, new Rng(5), rec.ms)!;
  const b = corrupt("out_of_range", rec.line, new Rng(5), rec.ms)!;
  assert.equal(a.line, b.line);
  assert.equal(rec.line, before);
  assert.ok(eventSchema.safeParse(JSON.parse(rec.line)).success);
});
