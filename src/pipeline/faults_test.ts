import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { FAULT_POINTS, faultHook, parseFaultSpec } from "./faults.ts";
import { logger } from "../log.ts";

Deno.test("parseFaultSpec() takes <point>:kill or <point>:pause for every point, and names the points otherwise", () => {
  for (const point of FAULT_POINTS) {
    assertEquals(parseFaultSpec(`${point}:kill`), { point, action: "kill" });
    assertEquals(parseFaultSpec(`${point}:pause`), { point, action: "pause" });
  }
  for (const bad of ["clean:before-commit", "clean:nowhere:kill", "clean:before-commit:explode", "kill"]) {
    throws(() => parseFaultSpec(bad), (e: Error) => e.name === "UsageError" && e.message.includes("load:before-copy"));
  }
});

Deno.test("faultHook() is absent without a spec and ignores every other point", async () => {
  assertEquals(faultHook(undefined, logger("test")), undefined);
  assertEquals(faultHook("", logger("test")), undefined);
  const hook = faultHook("load:before-commit:kill", logger("test"))!;
  for (const point of FAULT_POINTS.filter((p) => p !== "load:before-commit")) await hook(point);
});
