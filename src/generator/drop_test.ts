import assert from "node:assert/strict";
import { DropBuilder } from "./drop.ts";
import { DayLedger } from "./ledger.ts";
import type { Rec } from "./record.ts";
import { Simulation } from "./simulate.ts";
import { newWorld } from "./world.ts";

const START = Math.floor(Date.parse("2024-05-06T10:00:00Z") / 60_000);

function minutes(n: number): Rec[][] {
  const sim = new Simulation(newWorld(3, START, 0.2));
  return Array.from({ length: n }, (_, i) => sim.runMinute(START + i, 200));
}

Deno.test("DropBuilder.build() without faults writes each event once, in order, one per line", () => {
  const [recs] = minutes(1);
  const drop = new DropBuilder(3, START).build(START, recs!, 0, false, new DayLedger());
  const text = new TextDecoder().decode(drop.bytes);
  assert.equal(text, recs!.map((r) => r.line + "\n").join(""));
  assert.equal(drop.ledger.lines, recs!.length);
  assert.equal(drop.ledger.valid, recs!.length);
  assert.deepEqual([drop.ledger.faults, drop.ledger.duplicates, drop.ledger.late], [[], [], []]);
  assert.equal(drop.key, "events/date=2024-05-06/hour=10/events_2024-05-06T10-00-00Z.jsonl");
  assert.equal(drop.ledger.minute, "2024-05-06T10:00:00Z");
});

Deno.test("DropBuilder holds late events back, keeps them across a snapshot, and flushes them at the end", () => {
  const all = minutes(6);
  const builder = new DropBuilder(3, START);
  const days = new DayLedger();
  let written = 0;
  for (let i = 0; i < 3; i++) written += builder.build(START + i, all[i]!, 0.6, false, days).ledger.valid;
  assert.ok(builder.pendingLate > 0, "nothing held back");
  const restored = new DropBuilder(3, START, JSON.parse(JSON.stringify(builder.lateToJSON())));
  assert.equal(restored.pendingLate, builder.pendingLate);
  assert.ok(restored.oldestPendingMs() < (START + 3) * 60_000);
  let late = 0;
  for (let i = 3; i < 6; i++) {
    const drop = restored.build(START + i, all[i]!, 0.6, i === 5, days);
    written += drop.ledger.valid;
    late += drop.ledger.late.length;
    for (const l of drop.ledger.late) assert.ok(l.occurred_at < drop.ledger.minute.replace("Z", ".000Z"));
  }
  assert.equal(restored.pendingLate, 0);
  assert.ok(late > 0);
  // Every generated event was written exactly once as a valid line.
  assert.equal(written, all.reduce((n, r) => n + r.length, 0));
});
