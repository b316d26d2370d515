import assert from "node:assert/strict";
import { activity, localeActivity } from "./cycle.ts";

const HOUR = 3_600_000;
const WEEK_START = Date.parse("2024-05-06T00:00:00Z"); // a Monday

Deno.test("activity() averages about 1 over a week", () => {
  let sum = 0, n = 0;
  for (let t = WEEK_START; t < WEEK_START + 7 * 24 * HOUR; t += 60_000) {
    sum += activity(t);
    n++;
  }
  assert.ok(Math.abs(sum / n - 1) < 0.01, `mean ${sum / n}`);
});

Deno.test("localeActivity() peaks in the local evening and bottoms out before dawn", () => {
  const moscowEvening = Date.parse("2024-05-08T18:00:00Z"); // 21:00 in Moscow
  const moscowNight = Date.parse("2024-05-08T01:00:00Z"); // 04:00 in Moscow
  assert.ok(localeActivity(moscowEvening, 0) > 5 * localeActivity(moscowNight, 0));
  const newYorkEvening = Date.parse("2024-05-09T01:00:00Z"); // 21:00 in New York
  assert.ok(localeActivity(newYorkEvening, 1) > localeActivity(newYorkEvening, 0));
});

Deno.test("localeActivity() is higher on Saturday than on Tuesday at the same hour", () => {
  const tuesday = Date.parse("2024-05-07T12:00:00Z"), saturday = Date.parse("2024-05-11T12:00:00Z");
  assert.ok(localeActivity(saturday, 0) > localeActivity(tuesday, 0));
});
