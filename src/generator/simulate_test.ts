import assert from "node:assert/strict";
import { EVENT_TYPES, eventSchema } from "../events/mod.ts";
import { Simulation } from "./simulate.ts";
import { decodeSnapshot, encodeSnapshot, newWorld } from "./world.ts";

const MIN = 60_000;
const minuteOf = (iso: string) => Math.floor(Date.parse(iso) / MIN);

/** What a simulated day looks like, counted from its events only. */
interface DayStats {
  events: number;
  byType: Map<string, number>;
  byHour: number[];
  followers: Map<string, number>;
  users: number;
  viewsByPublication: Map<string, number>;
  /** Views per (publication, viewer). */
  viewsByPair: Map<string, number>;
  publications: number;
  impressionsByAd: Map<string, number>;
  clicksByAd: Map<string, number>;
  reactions: Map<string, number>;
  ages: number[];
  sample: unknown[];
}

let fixture: Promise<DayStats> | undefined;

/** One simulated UTC day of a new world at the default rate (1000 events/minute), computed once per file. */
function defaultDay(): Promise<DayStats> {
  fixture ??= Promise.resolve().then(() => {
    const start = minuteOf("2024-05-06T00:00:00Z");
    const sim = new Simulation(newWorld(2024, start, 1));
    const s: DayStats = {
      events: 0,
      byType: new Map(),
      byHour: Array(24).fill(0),
      followers: new Map(),
      users: 0,
      viewsByPublication: new Map(),
      viewsByPair: new Map(),
      publications: 0,
      impressionsByAd: new Map(),
      clicksByAd: new Map(),
      reactions: new Map(),
      ages: [],
      sample: [],
    };
    const inc = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by);
    for (let m = start; m < start + 1440; m++) {
      for (const rec of sim.runMinute(m, 1000)) {
        const ev = rec.ev;
        s.events++;
        inc(s.byType, ev.event_type);
        s.byHour[Math.floor((m - start) / 60)]! += 1;
        if (s.events % 997 === 0) s.sample.push(JSON.parse(rec.line));
        switch (ev.event_type) {
          case "follow.created":
            inc(s.followers, ev.payload.followee_user_id);
            break;
          case "follow.removed":
            inc(s.followers, ev.payload.followee_user_id, -1);
            break;
          case "user.signed_up":
            s.users++;
            s.ages.push(2024 - Number(ev.payload.birth_date.slice(0, 4)));
            break;
          case "publication.created":
            s.publications++;
            break;
          case "publication.viewed":
            inc(s.viewsByPublication, ev.payload.publication_id);
            inc(s.viewsByPair, `${ev.payload.publication_id} ${ev.actor_user_id}`);
            break;
          case "ad.impression":
            inc(s.impressionsByAd, ev.payload.ad_id);
            break;
          case "ad.clicked":
            inc(s.clicksByAd, ev.payload.ad_id);
            break;
          case "reaction.added":
            inc(s.reactions, ev.payload.reaction);
            break;
        }
      }
    }
    return s;
  });
  return fixture;
}

Deno.test("one simulated day at the default rate contains every event type, about 1000 events a minute", async () => {
  const day = await defaultDay();
  const missing = EVENT_TYPES.filter((t) => !day.byType.has(t));
  assert.deepEqual(missing, []);
  assert.ok(day.events > 1_100_000 && day.events < 1_700_000, `${day.events} events`);
  for (const ev of day.sample) assert.ok(eventSchema.safeParse(ev).success, JSON.stringify(ev));
});

Deno.test("activity follows the time of day: the Moscow evening is the busiest hour, twice the quietest", async () => {
  const day = await defaultDay();
  const hours = day.byHour.slice(3); // after the launch burst of the new world
  assert.ok(Math.max(...hours) > 2 * Math.min(...hours), JSON.stringify(day.byHour));
  const peak = day.byHour.indexOf(Math.max(...hours));
  assert.ok(peak >= 15 && peak <= 20, `busiest hour ${peak}:00 UTC`);
});

Deno.test("in-degree is heavy-tailed: the top 1% of users hold a large share of followers", async () => {
  const day = await defaultDay();
  const counts = [...day.followers.values()].concat(Array(Math.max(0, day.users - day.followers.size)).fill(0));
  counts.sort((a, b) => b - a);
  const total = counts.reduce((a, b) => a + b, 0);
  const top = counts.slice(0, Math.ceil(counts.length / 100)).reduce((a, b) => a + b, 0);
  assert.ok(top / total > 0.2, `top 1% hold ${(100 * top / total).toFixed(1)}% of ${total} follows`);
  assert.ok(counts[0]! > 30 * (total / counts.length), "no user has far more followers than the mean");
});

Deno.test("views are heavy-tailed: some publications pass 1000 views within the day, most never do", async () => {
  const day = await defaultDay();
  const views = [...day.viewsByPublication.values()];
  const over = views.filter((v) => v >= 1000).length;
  assert.ok(over >= 1, "no publication reached 1000 views");
  assert.ok(over < day.publications / 100, `${over} of ${day.publications} publications reached 1000 views`);
  views.sort((a, b) => a - b);
  assert.ok(views[Math.floor(views.length / 2)]! < 100, `median ${views[Math.floor(views.length / 2)]} views`);
});

Deno.test("repeat views are 10-20% of views, a few per viewer and publication at most, and fewer with each repeat", async () => {
  const day = await defaultDay();
  const views = [...day.viewsByPair.values()].reduce((a, b) => a + b, 0);
  const repeats = views - day.viewsByPair.size;
  assert.ok(repeats / views >= 0.1 && repeats / views <= 0.2, `${repeats} of ${views} views are repeats`);
  // pairs[k] = (publication, viewer) pairs with exactly k views.
  const pairs: number[] = [];
  for (const n of day.viewsByPair.values()) pairs[n] = (pairs[n] ?? 0) + 1;
  assert.ok(pairs.length - 1 <= 8, `a viewer saw one publication ${pairs.length - 1} times`);
  for (let k = 2; k <= 4; k++) {
    assert.ok((pairs[k] ?? 0) < (pairs[k - 1] ?? 0) / 3, `views per pair do not decay: ${JSON.stringify(pairs)}`);
  }
});

Deno.test("dozens of publications pass 1000 views in a day, over a long tail of publications with a few", async () => {
  const day = await defaultDay();
  const views = [...day.viewsByPublication.values()].sort((a, b) => a - b);
  const over = views.filter((v) => v >= 1000).length;
  assert.ok(over >= 24 && over <= 150, `${over} publications reached 1000 views`);
  const q = (p: number) => views[Math.floor(p * (views.length - 1))]!;
  assert.ok(q(0.5) <= 30 && q(0.99) >= 100 && q(1) >= 3000, `median ${q(0.5)}, p99 ${q(0.99)}, max ${q(1)}`);
  // 1000 views mean reach: each publication past 1000 views was seen by at least 600 distinct users, and all of
  // them together by distinct users in at least 75% of their views.
  const viewers = new Map<string, number>();
  for (const key of day.viewsByPair.keys()) {
    const pub = key.slice(0, key.indexOf(" "));
    viewers.set(pub, (viewers.get(pub) ?? 0) + 1);
  }
  let popularViews = 0, popularViewers = 0;
  for (const [pub, n] of day.viewsByPublication) {
    if (n < 1000) continue;
    assert.ok(viewers.get(pub)! >= 600, `${pub}: ${n} views by ${viewers.get(pub)} users`);
    popularViews += n;
    popularViewers += viewers.get(pub)!;
  }
  assert.ok(popularViewers >= 0.75 * popularViews, `${popularViewers} viewers of ${popularViews} views`);
});

Deno.test("ads have a click-through rate between 0.5% and 3%", async () => {
  const day = await defaultDay();
  const impressions = [...day.impressionsByAd.values()].reduce((a, b) => a + b, 0);
  const clicks = [...day.clicksByAd.values()].reduce((a, b) => a + b, 0);
  assert.ok(clicks / impressions > 0.005 && clicks / impressions < 0.03, `CTR ${clicks / impressions}`);
  for (const [ad, n] of day.impressionsByAd) {
    if (n < 5000) continue;
    const ctr = (day.clicksByAd.get(ad) ?? 0) / n;
    assert.ok(ctr > 0.003 && ctr < 0.035, `ad ${ad}: CTR ${ctr} over ${n} impressions`);
  }
});

Deno.test("likes are the most common reaction and ages are plausible", async () => {
  const day = await defaultDay();
  const top = [...day.reactions.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  assert.equal(top, "like");
  assert.equal(day.reactions.size, 6);
  assert.ok(day.ages.every((a) => a >= 13 && a <= 91));
  const median = day.ages.sort((a, b) => a - b)[Math.floor(day.ages.length / 2)]!;
  assert.ok(median >= 22 && median <= 40, `median age ${median}`);
});

Deno.test("runMinute() from the same state and seed returns the same events", () => {
  const start = minuteOf("2024-05-06T12:00:00Z");
  const a = new Simulation(newWorld(9, start, 0.2)), b = new Simulation(newWorld(9, start, 0.2));
  for (let m = start; m < start + 20; m++) {
    assert.deepEqual(b.runMinute(m, 200).map((r) => r.line), a.runMinute(m, 200).map((r) => r.line));
  }
});

Deno.test("a snapshot round trip continues the world exactly", async () => {
  const start = minuteOf("2024-05-06T12:00:00Z");
  const whole = new Simulation(newWorld(9, start, 0.2));
  const expected: string[] = [];
  for (let m = start; m < start + 40; m++) expected.push(...whole.runMinute(m, 200).map((r) => r.line));
  let first = new Simulation(newWorld(9, start, 0.2));
  const got: string[] = [];
  for (let m = start; m < start + 20; m++) got.push(...first.runMinute(m, 200).map((r) => r.line));
  first = new Simulation(await decodeSnapshot(await encodeSnapshot(first.toState()), "test"));
  for (let m = start + 20; m < start + 40; m++) got.push(...first.runMinute(m, 200).map((r) => r.line));
  assert.equal(got.length, expected.length);
  assert.ok(got.every((line, i) => line === expected[i]), "the continued world diverged");
});

Deno.test("runMinute() refuses to go back in time", () => {
  const start = minuteOf("2024-05-06T12:00:00Z");
  const sim = new Simulation(newWorld(1, start, 0.1));
  sim.runMinute(start, 100);
  assert.throws(() => sim.runMinute(start, 100), /before the world clock/);
});
