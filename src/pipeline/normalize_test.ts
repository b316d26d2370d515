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

Deno.test("normalizeValidEvent() equals normalizeEvent() on valid events of every type, messy text included", async () => {
  const { generate } = await import("../generator/run.ts");
  const { MemoryStore } = await import("../generator/store.ts");
  const { logger } = await import("../log.ts");
  const { eventSchema } = await import("../events/mod.ts");
  const { normalizeValidEvent } = await import("./normalize.ts");
  const store = new MemoryStore();
  const from = Math.floor(Date.parse("2026-11-02T12:00:00Z") / 60_000);
  await generate(
    { mode: { kind: "range", from, to: from + 60 }, rate: 300, faults: 0, fresh: true, seed: 9 },
    { store, log: logger("normalize-test"), signal: new AbortController().signal },
  );
  // Messy but valid variants: spaces around text, decomposed accents, upper-case e-mails, timestamps with other
  // precisions, money with more decimals than cents would keep (still valid where the schema allows it).
  const messy = (key: string, v: unknown): unknown => {
    if (typeof v !== "string") return v;
    if (key.endsWith("_at") && v.length === 24) return v.slice(0, 19) + "Z";
    if (key === "email") return v.toUpperCase();
    if (/^[0-9a-f-]{36}$/.test(v) || /^\d{4}-\d\d-\d\d$/.test(v)) return v;
    return ` Cafe\u0301 ${v} `;
  };
  // One variant per string field: that field made messy, the rest as generated.
  const variants = (event: Record<string, unknown>) => {
    const out: Record<string, unknown>[] = [event];
    const walk = (path: string[], o: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(o)) {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) walk([...path, k], v as Record<string, unknown>);
        else if (typeof v === "string" && messy(k, v) !== v) {
          const copy = structuredClone(event);
          let target = copy;
          for (const p of path) target = target[p] as Record<string, unknown>;
          target[k] = messy(k, v);
          out.push(copy);
        }
      }
    };
    walk([], event);
    return out;
  };
  let checked = 0;
  let messyChecked = 0;
  for (const [key, bytes] of store.objects) {
    if (!key.startsWith("events/")) continue;
    for (const line of new TextDecoder().decode(bytes).split("\n").filter(Boolean)) {
      const event = JSON.parse(line);
      for (const variant of variants(event)) {
        const parsed = eventSchema.safeParse(variant);
        if (!parsed.success) continue;
        assertEquals(normalizeValidEvent(structuredClone(parsed.data)), normalizeEvent(structuredClone(parsed.data)));
        checked++;
        if (variant !== event) messyChecked++;
      }
    }
  }
  if (checked < 15_000 || messyChecked < 2_000) {
    throw new Error(`only ${checked} events (${messyChecked} messy) checked`);
  }
});
