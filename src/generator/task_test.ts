import assert from "node:assert/strict";
import { UsageError } from "../task.ts";
import { optionsFromFlags, parseDuration } from "./task.ts";

const NOW = Date.parse("2024-05-06T12:00:30Z");
const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

Deno.test("parseDuration() reads minutes, hours, days and weeks", () => {
  assert.equal(parseDuration("90m"), 90);
  assert.equal(parseDuration("12h"), 720);
  assert.equal(parseDuration("7d"), 10_080);
  assert.equal(parseDuration("2w"), 20_160);
  for (const bad of ["7", "d", "0d", "1y", "-1d"]) assert.throws(() => parseDuration(bad), UsageError);
});

Deno.test("optionsFromFlags() turns --backfill into the range of complete minutes ending now", () => {
  const o = optionsFromFlags({ backfill: "1d", rate: "1000", faults: "0.01" }, NOW);
  assert.deepEqual(o.mode, { kind: "range", from: minute("2024-05-05T12:00:00Z"), to: minute("2024-05-06T12:00:00Z") });
  assert.equal(o.rate, 1000);
  assert.equal(o.faults, 0.01);
  assert.equal(o.seed, undefined);
  assert.equal(o.fresh, false);
});

Deno.test("optionsFromFlags() reads --from/--to, --seed, --once and live mode", () => {
  const o = optionsFromFlags({ from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", seed: "7", fresh: true }, NOW);
  assert.deepEqual(o.mode, { kind: "range", from: minute("2024-05-01T00:00:00Z"), to: minute("2024-05-02T00:00:00Z") });
  assert.equal(o.seed, 7);
  assert.equal(o.fresh, true);
  assert.deepEqual(optionsFromFlags({ once: true }, NOW).mode, { kind: "once" });
  assert.deepEqual(optionsFromFlags({}, NOW).mode, { kind: "live" });
  assert.deepEqual(optionsFromFlags({ from: "2024-05-06T11:00:00Z" }, NOW).mode, {
    kind: "range",
    from: minute("2024-05-06T11:00:00Z"),
    to: minute("2024-05-06T12:00:00Z"),
  });
});

Deno.test("optionsFromFlags() rejects contradictions and nonsense with a usage error", () => {
  const bad = [
    { once: true, backfill: "1d" },
    { to: "2024-05-02T00:00:00Z" },
    { from: "2024-05-02T00:00:00Z", to: "2024-05-01T00:00:00Z" },
    { from: "2024-05-06T00:00:00Z", to: "2024-05-07T00:00:00Z" },
    { from: "yesterday" },
    { rate: "0" },
    { rate: "fast" },
    { faults: "1" },
    { faults: "-0.1" },
    { seed: "1.5" },
    { seed: "-3" },
  ];
  for (const flags of bad) assert.throws(() => optionsFromFlags(flags, NOW), UsageError, JSON.stringify(flags));
});
