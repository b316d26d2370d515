import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { lookbackMs } from "./state.ts";
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
