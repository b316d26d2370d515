import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { copyField, copyLine } from "./postgres.ts";

Deno.test("copyField() escapes COPY text-format specials and encodes NULL, dates and JSON", () => {
  assertEquals(copyField(null), "\\N");
  assertEquals(copyField(undefined), "\\N");
  assertEquals(copyField("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  assertEquals(copyField("\\N"), "\\\\N");
  assertEquals(copyField(true), "t");
  assertEquals(copyField(12.5), "12.5");
  assertEquals(copyField(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678Z");
  assertEquals(copyField({ k: "v\n" }), '{"k":"v\\\\n"}');
});

Deno.test("copyLine() joins fields with tabs and ends with a newline", () => {
  assertEquals(copyLine([1, "x", null]), "1\tx\t\\N\n");
});
