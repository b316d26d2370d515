import assert from "node:assert/strict";
import type { Event } from "../events/mod.ts";
import { DayAggregate, DayLedger } from "./ledger.ts";
import type { Rec } from "./record.ts";

const U1 = "11111111-1111-4111-8111-111111111111";
const U2 = "22222222-2222-4222-8222-222222222222";
const P1 = "33333333-3333-4333-8333-333333333333";
const C1 = "44444444-4444-4444-8444-444444444444";

let n = 0;
function rec(type: string, actor: string | null, payload: Record<string, unknown>, at: string, extra = {}): Rec {
  const ev = {
    event_id: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    event_type: type,
    schema_version: 1,
    occurred_at: at,
    actor_user_id: actor,
    payload,
  } as unknown as Event;
  return { ev, line: JSON.stringify(ev), type: ev.event_type, ms: Date.parse(at), ...extra };
}

Deno.test("DayAggregate counts a hand-made day", () => {
  const day = new DayAggregate("2024-05-06");
  const t = "2024-05-06T10:00:00.000Z";
  day.add(rec("publication.created", U1, { kind: "reel" }, t));
  day.add(rec("publication.created", U1, { kind: "post" }, t));
  day.add(rec("comment.created", U2, {}, t, { topic: "music" }));
  day.add(rec("reply.created", U1, {}, t, { topic: "music" }));
  day.add(rec("reaction.added", U2, { reaction: "wow" }, t));
  day.add(rec("reaction.added", U2, { reaction: "like" }, t));
  day.add(rec("share.created", U2, { kind: "quote" }, t));
  day.add(rec("donation.made", U2, { amount: 10.5, currency: "USD" }, t));
  day.add(rec("donation.made", U1, { amount: 0.1, currency: "USD" }, t));
  day.add(rec("subscription.charged", U1, { amount: 499, currency: "RUB" }, t));
  day.add(rec("community.joined", U2, { community_id: C1 }, t));
  day.add(rec("community.left", U1, { community_id: C1 }, t));
  day.add(rec("ad.impression", U1, {}, t));
  day.add(rec("ad.clicked", U1, { cost: 0.35, currency: "USD" }, t));
  day.add(rec("user.badge_awarded", null, {}, t));
  day.add(rec("publication.viewed", U2, {}, "2024-05-06T11:30:00.000Z", {
    reached1000: { publication_id: P1, kind: "reel", created_at: "2024-05-06T10:00:00.000Z" },
  }));
  const j = day.toJSON();
  assert.equal(j.events, 16);
  assert.deepEqual(j.publications_by_kind, { post: 1, story: 0, reel: 1 });
  assert.deepEqual(j.comments, { total: 2, top_level: 1, replies: 1 });
  assert.deepEqual(j.comments_by_topic, { music: 2 });
  assert.equal(j.reactions, 2);
  assert.equal(j.reactions_by_type.wow, 1);
  assert.deepEqual(j.shares_by_kind, { repost: 0, quote: 1 });
  assert.deepEqual(j.revenue_cents, {
    donations: { USD: 1060 },
    sponsorships: {},
    subscriptions: { RUB: 49900 },
    ad_clicks: { USD: 35 },
  });
  assert.deepEqual(j.community_members, { [C1]: { joins: 1, leaves: 1 } });
  assert.deepEqual([j.views, j.ad_impressions, j.ad_clicks], [1, 1, 1]);
  assert.deepEqual(j.active_user_ids, [U1, U2]);
  assert.equal(j.dau, 2);
  assert.equal(j.events_by_type["user.badge_awarded"], 1);
  assert.deepEqual(j.publications_reached_1000_views, [{
    publication_id: P1,
    kind: "reel",
    created_at: "2024-05-06T10:00:00.000Z",
    reached_at: "2024-05-06T11:30:00.000Z",
    seconds_to_1000: 5400,
  }]);
});

Deno.test("DayLedger files events under the day they occurred and survives a JSON round trip", () => {
  const ledger = new DayLedger();
  ledger.add(rec("follow.created", U1, {}, "2024-05-06T23:59:59.999Z"));
  ledger.add(rec("follow.created", U2, {}, "2024-05-07T00:00:00.000Z"));
  ledger.add(rec("follow.created", U1, {}, "2024-05-06T12:00:00.000Z"));
  assert.deepEqual(ledger.takeTouched().map((d) => [d.json.date, d.json.events]), [["2024-05-06", 2], [
    "2024-05-07",
    1,
  ]]);
  assert.deepEqual(ledger.takeTouched(), []);

  const restored = new DayLedger(JSON.parse(JSON.stringify(ledger.toJSON())));
  restored.add(rec("follow.created", U2, {}, "2024-05-06T13:00:00.000Z"));
  const day = restored.get("2024-05-06")!.toJSON();
  assert.equal(day.events, 3);
  assert.deepEqual(day.active_user_ids, [U1, U2]);

  restored.close(Date.parse("2024-05-07T00:00:00Z"));
  assert.equal(restored.get("2024-05-06"), undefined);
  assert.notEqual(restored.get("2024-05-07"), undefined);
});
