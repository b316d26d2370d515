import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { lookbackMs, parseIdRanges, sliceWindow, unprocessedBatches } from "./state.ts";
import { varsWindow } from "./execute.ts";
import { parseVars } from "./mod.ts";

Deno.test("lookbackMs() reads the header's lookback shape", () => {
  assertEquals(lookbackMs("0 minutes"), 0);
  assertEquals(lookbackMs("2 hours"), 7_200_000);
  assertEquals(lookbackMs("1 day"), 86_400_000);
  assertThrows(() => lookbackMs("2 fortnights"), /not like/);
});

Deno.test("parseVars() takes name=value pairs, space-separated or repeated", () => {
  assertEquals(parseVars(["start=2026-11-01 end=2026-11-02", "x=a=b"]), {
    start: "2026-11-01",
    end: "2026-11-02",
    x: "a=b",
  });
  assertThrows(() => parseVars(["oops"]), /name=value/);
});

Deno.test("varsWindow() turns --vars start/end into a window; a date means its UTC midnight", () => {
  assertEquals(varsWindow({}), undefined);
  assertEquals(varsWindow({ start: "2026-11-01", end: "2026-11-02T06:00:00Z" }), {
    start: "2026-11-01T00:00:00.000Z",
    end: "2026-11-02T06:00:00.000Z",
  });
  assertThrows(() => varsWindow({ start: "yesterday" }), /not a date/);
});

Deno.test("sliceWindow() merges touched minutes, widened by the lookback, into disjoint ranges", () => {
  const at = (iso: string) => Date.parse(iso);
  assertEquals(sliceWindow([], "minute", 0), undefined);
  // One minute: exactly that minute.
  assertEquals(sliceWindow([at("2026-11-20T10:05:00Z")], "minute", 0), {
    start: "2026-11-20T10:05:00.000Z",
    end: "2026-11-20T10:06:00.000Z",
  });
  // Adjacent minutes merge; a late event's minute hours earlier stays its own range.
  assertEquals(
    sliceWindow([at("2026-11-20T10:06:00Z"), at("2026-11-20T07:59:00Z"), at("2026-11-20T10:05:00Z")], "minute", 0),
    {
      start: "2026-11-20T07:59:00.000Z",
      end: "2026-11-20T10:07:00.000Z",
      ranges: [
        { start: "2026-11-20T07:59:00.000Z", end: "2026-11-20T08:00:00.000Z" },
        { start: "2026-11-20T10:05:00.000Z", end: "2026-11-20T10:07:00.000Z" },
      ],
    },
  );
  // A lookback widens each slice backwards and can join them.
  assertEquals(
    sliceWindow([at("2026-11-20T10:05:00Z"), at("2026-11-20T10:00:00Z")], "minute", lookbackMs("5 minutes")),
    { start: "2026-11-20T09:55:00.000Z", end: "2026-11-20T10:06:00.000Z" },
  );
  // Days (ClickHouse partitions) with a gap stay apart; an open end (snapshots) runs from the first slice on.
  assertEquals(sliceWindow([at("2026-11-22T00:00:00Z"), at("2026-11-20T00:00:00Z")], "day", 0)!.ranges, [
    { start: "2026-11-20T00:00:00.000Z", end: "2026-11-21T00:00:00.000Z" },
    { start: "2026-11-22T00:00:00.000Z", end: "2026-11-23T00:00:00.000Z" },
  ]);
  assertEquals(sliceWindow([at("2026-11-22T00:00:00Z"), at("2026-11-20T00:00:00Z")], "day", 0, true), {
    start: "2026-11-20T00:00:00.000Z",
  });
  // A lookahead widens each slice forwards: a touched day and the six after it (its 7-day windows).
  assertEquals(
    sliceWindow([at("2026-11-20T00:00:00Z"), at("2026-11-30T00:00:00Z")], "day", 0, false, lookbackMs("6 days")),
    {
      start: "2026-11-20T00:00:00.000Z",
      end: "2026-12-07T00:00:00.000Z",
      ranges: [
        { start: "2026-11-20T00:00:00.000Z", end: "2026-11-27T00:00:00.000Z" },
        { start: "2026-11-30T00:00:00.000Z", end: "2026-12-07T00:00:00.000Z" },
      ],
    },
  );
});

Deno.test("parseIdRanges() and unprocessedBatches() find the snapshot's batches outside the processed ranges", () => {
  assertEquals(parseIdRanges("{}"), []);
  assertEquals(parseIdRanges("{[1,25),[29,30)}"), [[1, 24], [29, 29]]);
  assertEquals(unprocessedBatches([1, 24, 25, 28, 29, 30], parseIdRanges("{[1,25),[29,30)}")), [25, 28, 30]);
  assertEquals(unprocessedBatches([3, 1], []), [1, 3]);
});
