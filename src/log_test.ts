import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { configureLogging, logger } from "./log.ts";

function capture(format: "json" | "text", level: "DEBUG" | "INFO" | "WARN" | "ERROR" = "INFO"): string[] {
  const lines: string[] = [];
  configureLogging({ level, format, write: (l) => lines.push(l) });
  return lines;
}

Deno.test("Logger writes one JSON object per line with step, batch, counts and the error's stack", () => {
  const lines = capture("json");
  const log = logger("load").withBatch(42);
  log.info("loaded", { counts: { rows: 10 } });
  log.error("failed", { error: new Error("boom", { cause: new Error("root") }) });
  assertEquals(lines.length, 2);
  const first = JSON.parse(lines[0]!);
  assertEquals([first.level, first.step, first.batch, first.msg, first.counts], ["INFO", "load", 42, "loaded", {
    rows: 10,
  }]);
  const second = JSON.parse(lines[1]!);
  assertEquals(second.error.message, "boom");
  assertEquals(second.error.cause.message, "root");
  assert(String(second.error.stack).includes("log_test.ts"));
});

Deno.test("Logger drops lines below the configured level", () => {
  const lines = capture("json", "WARN");
  const log = logger("x");
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assertEquals(lines.map((l) => JSON.parse(l).level), ["WARN", "ERROR"]);
});

Deno.test("Logger writes readable text with counts when asked", () => {
  const lines = capture("text");
  logger("validate").info("done", { counts: { ok: 3, bad: 1 } });
  assert(/INFO +\[validate\] done ok=3 bad=1$/.test(lines[0]!), lines[0]!);
});
