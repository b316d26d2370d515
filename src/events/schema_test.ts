import assert from "node:assert/strict";
import {
  ageAt,
  checkOccurredAt,
  EVENT_TYPES,
  eventSchema,
  FAULT_KINDS,
  INVALID_FAULT_KINDS,
  SYSTEM_EVENT_TYPES,
} from "./mod.ts";

/** The examples of docs/events.md, by the event type of their heading. */
function docExamples(): Map<string, Record<string, unknown>> {
  const md = Deno.readTextFileSync(new URL("../../docs/events.md", import.meta.url));
  const out = new Map<string, Record<string, unknown>>();
  for (const m of md.matchAll(/^### `([a-z_.]+)`\n[\s\S]*?```json\n([\s\S]*?)\n```/gm)) {
    out.set(m[1]!, JSON.parse(m[2]!));
  }
  return out;
}

function example(type: string): Record<string, unknown> & { payload: Record<string, unknown> } {
  return structuredClone(docExamples().get(type)) as Record<string, unknown> & { payload: Record<string, unknown> };
}

function rejects(event: unknown, why: string) {
  assert.equal(eventSchema.safeParse(event).success, false, `schema accepted an event with ${why}`);
}

Deno.test("eventSchema accepts the documented example of every event type", () => {
  const examples = docExamples();
  assert.deepEqual([...examples.keys()].sort(), [...EVENT_TYPES].sort());
  for (const [type, ev] of examples) {
    const parsed = eventSchema.safeParse(ev);
    assert.ok(parsed.success, `${type}: ${JSON.stringify(parsed.error?.issues)}`);
    assert.equal(ev.event_type, type);
    assert.equal(ev.actor_user_id === null, (SYSTEM_EVENT_TYPES as readonly string[]).includes(type), type);
  }
});

Deno.test("eventSchema rejects missing fields, wrong types and unknown event types", () => {
  const base = example("publication.viewed");
  for (const key of ["event_id", "occurred_at", "actor_user_id", "payload", "schema_version"]) {
    const ev = structuredClone(base);
    delete ev[key];
    rejects(ev, `no ${key}`);
  }
  const noPayloadKey = structuredClone(base);
  delete noPayloadKey.payload.share_id;
  rejects(noPayloadKey, "no payload.share_id (nullable keys are still required)");
  rejects({ ...base, event_id: "not-a-uuid" }, "a malformed event_id");
  rejects({ ...base, occurred_at: Date.parse(base.occurred_at as string) }, "an epoch number as occurred_at");
  rejects({ ...base, occurred_at: "2024-05-06 10:00:00" }, "a timestamp without T and Z");
  rejects({ ...base, payload: { ...base.payload, dwell_ms: "1200" } }, "dwell_ms as a string");
  rejects({ ...base, event_type: "publication.viewd" }, "an unknown event_type");
  rejects({ ...base, schema_version: 2 }, "schema_version 2");
});

Deno.test("eventSchema enforces ranges: ages 13..120, money >= 0 with 2 decimals, durations", () => {
  const signup = example("user.signed_up");
  const year = Number(String(signup.occurred_at).slice(0, 4));
  rejects({ ...signup, payload: { ...signup.payload, birth_date: `${year - 121}-01-01` } }, "age 121");
  rejects({ ...signup, payload: { ...signup.payload, birth_date: `${year - 12}-01-01` } }, "age 12");
  assert.ok(
    eventSchema.safeParse({ ...signup, payload: { ...signup.payload, birth_date: `${year - 30}-01-01` } }).success,
  );

  const donation = example("donation.made");
  rejects({ ...donation, payload: { ...donation.payload, amount: -5 } }, "a negative amount");
  rejects({ ...donation, payload: { ...donation.payload, amount: 1.005 } }, "3 decimals");
  rejects({ ...donation, payload: { ...donation.payload, currency: "rub" } }, "a lower-case currency");
  assert.ok(eventSchema.safeParse({ ...donation, payload: { ...donation.payload, amount: 12.34 } }).success);

  const view = example("publication.viewed");
  rejects({ ...view, payload: { ...view.payload, dwell_ms: -1 } }, "a negative dwell time");
});

Deno.test("eventSchema enforces string limits and cross-field rules", () => {
  const comment = example("comment.created");
  rejects({ ...comment, payload: { ...comment.payload, text: "x".repeat(5001) } }, "a 5001-character comment");
  assert.ok(eventSchema.safeParse({ ...comment, payload: { ...comment.payload, text: "x".repeat(5000) } }).success);
  rejects({ ...comment, payload: { ...comment.payload, text: "" } }, "an empty comment");

  const pub = example("publication.created");
  const kind = pub.payload.kind;
  rejects(
    { ...pub, payload: { ...pub.payload, expires_at: kind === "story" ? null : "2030-01-01T00:00:00.000Z" } },
    "expires_at contradicting the kind",
  );
  const system = example("ad.created");
  rejects({ ...system, actor_user_id: example("publication.viewed").actor_user_id }, "an actor on a system event");
  const view = example("publication.viewed");
  rejects({ ...view, actor_user_id: null }, "no actor on a user event");
});

Deno.test("checkOccurredAt() flags times beyond the tolerance and unparsable times", () => {
  const now = new Date("2024-05-06T12:00:00Z");
  assert.equal(checkOccurredAt("2024-05-06T11:59:59.999Z", now, 0), null);
  assert.equal(checkOccurredAt("2024-05-06T12:04:00.000Z", now, 5 * 60_000), null);
  assert.equal(checkOccurredAt("2024-05-06T12:06:00.000Z", now, 5 * 60_000), "occurred_at:in_future");
  assert.equal(checkOccurredAt("2190-01-01T00:00:00.000Z", now, 86_400_000), "occurred_at:in_future");
  assert.equal(checkOccurredAt("yesterday", now, 0), "occurred_at:invalid");
});

Deno.test("ageAt() counts whole years up to the birthday", () => {
  assert.equal(ageAt("2000-05-07", "2024-05-06T23:59:59Z"), 23);
  assert.equal(ageAt("2000-05-06", "2024-05-06T00:00:00Z"), 24);
});

Deno.test("FAULT_KINDS lists the nine agreed kinds, seven of them invalid", () => {
  assert.deepEqual([...FAULT_KINDS], [
    "malformed_json",
    "missing_field",
    "wrong_type",
    "out_of_range",
    "future_timestamp",
    "unknown_event_type",
    "oversized_string",
    "duplicate",
    "late",
  ]);
  assert.deepEqual(FAULT_KINDS.filter((k) => (INVALID_FAULT_KINDS as readonly string[]).includes(k)).length, 7);
});
