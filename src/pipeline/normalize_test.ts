import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { normalizeEvent } from "./normalize.ts";

Deno.test("normalizeEvent() trims and NFC-normalises strings and lower-cases e-mails and handles", () => {
  const decomposed = "Cafe\u0301"; // e + combining acute
  assertEquals(
    normalizeEvent({ payload: { bio: `  ${decomposed}  `, email: " Ann@Example.COM", username: "Ann_1" } }),
    { payload: { bio: "Caf\u00e9", email: "ann@example.com", username: "ann_1" } },
  );
});

Deno.test("normalizeEvent() writes timestamps as UTC ISO with milliseconds and money to cents", () => {
  assertEquals(
    normalizeEvent({ occurred_at: "2026-11-28T10:00:00Z", payload: { ends_at: "2026-11-28T13:00:00+03:00" } }),
    { occurred_at: "2026-11-28T10:00:00.000Z", payload: { ends_at: "2026-11-28T10:00:00.000Z" } },
  );
  assertEquals(normalizeEvent({ amount: 10.005, gross_amount: 1.1 + 2.2, count: 3.333 }), {
    amount: 10.01,
    gross_amount: 3.3,
    count: 3.333,
  });
});

Deno.test("normalizeEvent() leaves ids, nulls, booleans and arrays' shape alone", () => {
  const e = { event_id: "0b0e4e2c-6c1a-4c54-9d2a-3f3c5b6a7d8e", x: null, ok: true, tags: [" a ", "b"] };
  assertEquals(normalizeEvent(structuredClone(e)), { ...e, tags: ["a", "b"] });
});

Deno.test("normalizeEvent() replaces a lone surrogate (an emoji cut in half) with U+FFFD", () => {
  assertEquals(normalizeEvent({ text: "hi \ud83d" }), { text: "hi \uFFFD" });
  assertEquals(normalizeEvent({ text: "ok \ud83d\udd25" }), { text: "ok \ud83d\udd25" });
});
