import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import { generate } from "../generator/run.ts";
import { MemoryStore } from "../generator/store.ts";
import { configureLogging, logger } from "../log.ts";
import { compileFastCheck, type FastCheck } from "./fast.ts";
import { eventSchema } from "./schema.ts";

configureLogging({ level: "WARN", format: "json" });

const MEMBERS = new Map<string, z.ZodType>(
  eventSchema.options.map((o) => [String((o as z.ZodObject).shape.event_type.value), o as z.ZodType]),
);
const FAST = new Map<string, FastCheck>([...MEMBERS].map(([t, s]) => [t, compileFastCheck(s)]));

/** Parsed lines of 120 generated minutes with 5 % faults. */
async function generatedValues(): Promise<unknown[]> {
  const store = new MemoryStore();
  const from = Math.floor(Date.parse("2026-11-02T12:00:00Z") / 60_000);
  await generate(
    { mode: { kind: "range", from, to: from + 120 }, rate: 300, faults: 0.05, fresh: true, seed: 5 },
    { store, log: logger("fast-test"), signal: new AbortController().signal },
  );
  const out: unknown[] = [];
  for (const [key, bytes] of store.objects) {
    if (!key.startsWith("events/")) continue;
    for (const line of new TextDecoder().decode(bytes).split("\n")) {
      try {
        out.push(JSON.parse(line));
      } catch { /* malformed lines are not this test's business */ }
    }
  }
  return out;
}

/** The fast check may only say "valid" where zod accepts and returns the value unchanged. */
function assertSound(v: unknown, what: string) {
  const type = (v as { event_type?: unknown })?.event_type;
  const fast = typeof type === "string" ? FAST.get(type) : undefined;
  if (!fast?.(v)) return false;
  const parsed = MEMBERS.get(type as string)!.safeParse(v);
  assert.ok(parsed.success, `fast check accepted what zod rejects (${what}): ${JSON.stringify(v).slice(0, 400)}`);
  assert.ok(isDeepStrictEqual(parsed.data, v), `zod would change what the fast check accepted (${what})`);
  return true;
}

const values = await generatedValues();

Deno.test("the fast check accepts only what zod accepts unchanged, and accepts nearly every valid event", () => {
  let zodValid = 0;
  let fastValid = 0;
  for (const v of values) {
    if (assertSound(v, "generated")) fastValid++;
    const type = (v as { event_type?: unknown })?.event_type;
    if (typeof type === "string" && MEMBERS.get(type)?.safeParse(v).success) zodValid++;
  }
  assert.ok(zodValid > 5000, `too few valid events generated (${zodValid})`);
  // Valid events that fall back to zod: strings of one character, emoji-heavy strings near a length limit.
  assert.ok(fastValid >= zodValid * 0.97, `the fast path took only ${fastValid} of ${zodValid} valid events`);
});

/** Every leaf of a JSON value with its path. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v !== null && typeof v === "object") {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  }
  return [path];
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  o[path.at(-1)!] = value;
  return copy;
}

const REPLACEMENTS: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  0.005,
  1e10,
  "",
  " ",
  "x",
  "X".repeat(5001),
  "😀",
  "😀".repeat(60),
  "😀".repeat(2500),
  "2026-11-02T12:00:00Z",
  "2026-11-02T12:00:00.000+03:00",
  "2026-02-30",
  "00000000-0000-0000-0000-000000000000",
  "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA",
  "a@b.co",
  [],
  {},
  ["news"],
];

Deno.test("the fast check stays sound when any field of a valid event is replaced, removed or joined by another", () => {
  const samples = new Map<string, unknown>();
  for (const v of values) {
    const type = (v as { event_type?: unknown })?.event_type;
    if (typeof type === "string" && !samples.has(type) && MEMBERS.get(type)?.safeParse(v).success) samples.set(type, v);
  }
  assert.ok(samples.size >= 25, `only ${samples.size} event types sampled`);
  let rejectedByBoth = 0;
  for (const [type, v] of samples) {
    for (const path of leaves(v)) {
      for (const r of REPLACEMENTS) {
        const m = setAt(v, path, r);
        if (!assertSound(m, `${type} ${path.join(".")} = ${JSON.stringify(r)?.slice(0, 20)}`)) rejectedByBoth++;
      }
      const parent = path.slice(0, -1);
      const without = structuredClone(v) as Record<string, unknown>;
      let o = without;
      for (const p of parent) o = o[p as string] as Record<string, unknown>;
      delete o[path.at(-1) as string];
      assertSound(without, `${type} without ${path.join(".")}`);
    }
    assert.equal(assertSound({ ...(v as object), extra: 1 }, `${type} with an unknown key`), false);
  }
  assert.ok(rejectedByBoth > 1000, "the mutations should mostly be refused by the fast check");
});
