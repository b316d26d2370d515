import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fileMinute, partKey, quarantineKey, stagedKey } from "./layout.ts";

Deno.test("fileMinute() reads the minute from a raw key and rejects other names", () => {
  assertEquals(
    fileMinute("events/date=2026-11-28/hour=10/events_2026-11-28T10-07-00Z.jsonl")?.toISOString(),
    "2026-11-28T10:07:00.000Z",
  );
  assertEquals(fileMinute("events/date=2026-11-28/hour=10/whatever.jsonl"), null);
  assertEquals(fileMinute("events/events_2026-13-28T10-07-00Z.jsonl"), null);
});

Deno.test("staging and quarantine keys are per batch and keep the raw key", () => {
  assertEquals(stagedKey(42, "events/x.jsonl"), "staging/batch=00000042/input/events/x.jsonl");
  assertEquals(partKey(42, "valid", 3), "staging/batch=00000042/valid/part-00003.tsv");
  assertEquals(quarantineKey(7, "events/x.jsonl"), "quarantine/batch=00000007/events/x.jsonl");
});
