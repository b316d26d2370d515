/**
 * An independent recount of minute drops, for tests: it reads the files as the pipeline would (parse, validate,
 * deduplicate on `event_id`) and derives what the ledger should say, without using the generator's own counting.
 *
 * @module
 */
import { checkOccurredAt, type Event, eventSchema } from "../events/mod.ts";
import type { CommunityDayJson, EntityDayJson } from "./ledger.ts";

/** What one line turned out to be. */
export type LineVerdict =
  | { kind: "valid"; event: Event }
  | { kind: "duplicate"; event: Event }
  | { kind: "invalid"; reason: "json" | "schema" | "clock"; event_type?: unknown };

/** The recount of one file. */
export interface FileRecount {
  key: string;
  minuteMs: number;
  lines: LineVerdict[];
  validByType: Record<string, number>;
  invalidLines: number[];
  duplicates: { line: number; event_id: string }[];
  late: { line: number; event_id: string }[];
}

/** The recount of one day (valid distinct events by the UTC day of `occurred_at`). */
export interface DayRecount {
  events: number;
  eventsByType: Record<string, number>;
  activeUsers: Set<string>;
  publicationsByKind: Record<string, number>;
  comments: number;
  replies: number;
  reactionsByType: Record<string, number>;
  sharesByKind: Record<string, number>;
  views: number;
  adImpressions: number;
  adClicks: number;
  complaints: number;
  revenueCents: Record<string, Record<string, number>>;
  communityMembers: Record<string, { joins: number; leaves: number }>;
  /** publication id -> occurred_at of its 1000th view, for views whose 1000th falls on this day. */
  reached1000: Map<string, string>;
}

function minuteOfKey(key: string): number {
  const m = /events_(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-00Z\.jsonl$/.exec(key);
  if (!m) throw new Error(`not an events key: ${key}`);
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:00Z`);
}

function bump(o: Record<string, number>, k: string, by = 1) {
  o[k] = (o[k] ?? 0) + by;
}

/** Recount files given as (key, bytes), in key order (which is time order). */
export function recount(
  files: [string, Uint8Array][],
): { files: FileRecount[]; days: Map<string, DayRecount>; events: Event[] } {
  const decoder = new TextDecoder();
  const seen = new Set<string>();
  const out: FileRecount[] = [];
  const valid: Event[] = [];
  for (const [key, bytes] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const text = decoder.decode(bytes);
    if (text !== "" && !text.endsWith("\n")) throw new Error(`${key} does not end with a newline`);
    const minuteMs = minuteOfKey(key);
    const f: FileRecount = { key, minuteMs, lines: [], validByType: {}, invalidLines: [], duplicates: [], late: [] };
    const lines = text === "" ? [] : text.slice(0, -1).split("\n");
    lines.forEach((line, i) => {
      const n = i + 1;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        f.lines.push({ kind: "invalid", reason: "json" });
        f.invalidLines.push(n);
        return;
      }
      const parsed = eventSchema.safeParse(json);
      const eventType = (json as { event_type?: unknown })?.event_type;
      if (!parsed.success) {
        f.lines.push({ kind: "invalid", reason: "schema", event_type: eventType });
        f.invalidLines.push(n);
        return;
      }
      const ev = parsed.data as Event;
      if (checkOccurredAt(ev.occurred_at, new Date(minuteMs + 60_000), 0) !== null) {
        f.lines.push({ kind: "invalid", reason: "clock", event_type: eventType });
        f.invalidLines.push(n);
        return;
      }
      if (seen.has(ev.event_id)) {
        f.lines.push({ kind: "duplicate", event: ev });
        f.duplicates.push({ line: n, event_id: ev.event_id });
        return;
      }
      seen.add(ev.event_id);
      f.lines.push({ kind: "valid", event: ev });
      bump(f.validByType, ev.event_type);
      if (Date.parse(ev.occurred_at) < minuteMs) f.late.push({ line: n, event_id: ev.event_id });
      valid.push(ev);
    });
    out.push(f);
  }
  return { files: out, days: recountDays(valid), events: valid };
}

function recountDays(events: Event[]): Map<string, DayRecount> {
  const days = new Map<string, DayRecount>();
  const day = (date: string) => {
    let d = days.get(date);
    if (!d) {
      d = {
        events: 0,
        eventsByType: {},
        activeUsers: new Set(),
        publicationsByKind: {},
        comments: 0,
        replies: 0,
        reactionsByType: {},
        sharesByKind: {},
        views: 0,
        adImpressions: 0,
        adClicks: 0,
        complaints: 0,
        revenueCents: {},
        communityMembers: {},
        reached1000: new Map(),
      };
      days.set(date, d);
    }
    return d;
  };
  const viewsByPublication = new Map<string, string[]>();
  for (const ev of events) {
    const d = day(ev.occurred_at.slice(0, 10));
    d.events++;
    bump(d.eventsByType, ev.event_type);
    if (ev.actor_user_id !== null) d.activeUsers.add(ev.actor_user_id);
    const money = (stream: string, currency: string, amount: number) =>
      bump(d.revenueCents[stream] ??= {}, currency, Math.round(amount * 100));
    switch (ev.event_type) {
      case "publication.created":
        bump(d.publicationsByKind, ev.payload.kind);
        break;
      case "comment.created":
        d.comments++;
        break;
      case "reply.created":
        d.replies++;
        break;
      case "reaction.added":
        bump(d.reactionsByType, ev.payload.reaction);
        break;
      case "share.created":
        bump(d.sharesByKind, ev.payload.kind);
        break;
      case "publication.viewed": {
        d.views++;
        const list = viewsByPublication.get(ev.payload.publication_id);
        if (list) list.push(ev.occurred_at);
        else viewsByPublication.set(ev.payload.publication_id, [ev.occurred_at]);
        break;
      }
      case "ad.impression":
        d.adImpressions++;
        break;
      case "ad.clicked":
        d.adClicks++;
        money("ad_clicks", ev.payload.currency, ev.payload.cost);
        break;
      case "complaint.filed":
        d.complaints++;
        break;
      case "community.joined":
      case "community.left": {
        const c = d.communityMembers[ev.payload.community_id] ??= { joins: 0, leaves: 0 };
        if (ev.event_type === "community.joined") c.joins++;
        else c.leaves++;
        break;
      }
      case "donation.made":
        money("donations", ev.payload.currency, ev.payload.amount);
        break;
      case "sponsorship.created":
        money("sponsorships", ev.payload.currency, ev.payload.amount);
        break;
      case "subscription.charged":
        money("subscriptions", ev.payload.currency, ev.payload.amount);
        break;
    }
  }
  for (const [pub, times] of viewsByPublication) {
    if (times.length < 1000) continue;
    times.sort();
    const at = times[999]!;
    day(at.slice(0, 10)).reached1000.set(pub, at);
  }
  return days;
}

/** A community as the events tell it: members (owner included) and appointed moderators. */
interface CommunityState {
  owner: string;
  members: Set<string>;
  moderators: Set<string>;
}

function add(map: Map<string, Set<string>>, key: string, value: string) {
  let s = map.get(key);
  if (!s) map.set(key, s = new Set());
  s.add(value);
}

function bumpCount(map: Map<string, number>, key: string, by: number) {
  map.set(key, (map.get(key) ?? 0) + by);
}

function sortedObject<V>(entries: [string, V][]): Record<string, V> {
  return Object.fromEntries(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/**
 * The entity ledger of every day, recounted from valid distinct events only (`recount(...).events`), replayed in
 * `occurred_at` order from the world's first event: state at a day's end (members, moderators, degrees) is what
 * the events say it is. Meant for a world generated from scratch (`--fresh`), so that every entity's history is in
 * the events.
 */
export function recountEntities(events: Event[]): Map<string, EntityDayJson> {
  const ordered = events.map((ev, i) => ({ ev, i })).sort((a, b) =>
    a.ev.occurred_at < b.ev.occurred_at ? -1 : a.ev.occurred_at > b.ev.occurred_at ? 1 : a.i - b.i
  ).map((x) => x.ev);

  // World state, replayed.
  const users = new Set<string>();
  const friends = new Map<string, Set<string>>();
  const following = new Map<string, Set<string>>();
  const followers = new Map<string, number>();
  const communities = new Map<string, CommunityState>();
  const publicationCommunity = new Map<string, string>();
  const publicationCreated = new Map<string, string>();
  const views = new Map<string, number>();

  const out = new Map<string, EntityDayJson>();
  let date = "";
  let day: EntityDayJson | null = null;
  let engaged = new Map<string, Set<string>>();
  let actors = new Map<string, Set<string>>();
  let active = new Set<string>();

  const community = (id: string): CommunityDayJson =>
    day!.communities[id] ??= {
      joins: 0,
      leaves: 0,
      publications: 0,
      comments: 0,
      replies: 0,
      reactions: 0,
      complaints_filed: 0,
      complaints_resolved: 0,
      resolved_by: {},
      moderators: 0,
      members: 0,
      active_members: 0,
      actors: 0,
    };
  const cents = (o: Record<string, number>, currency: string, amount: number) =>
    o[currency] = (o[currency] ?? 0) + Math.round(amount * 100);
  const creator = (id: string) => day!.creators[id] ??= { donations: {}, sponsorships: {}, subscriptions: {} };
  const adCounts = (adId: string, campaignId: string) => [
    day!.ads[adId] ??= { campaign_id: campaignId, impressions: 0, clicks: 0, spend_cents: {} },
    day!.campaigns[campaignId] ??= { impressions: 0, clicks: 0, spend_cents: {} },
  ];

  const endDay = () => {
    if (!day) return;
    for (const [id, c] of communities) {
      const row = community(id);
      row.members = c.members.size;
      row.moderators = 1 + c.moderators.size;
      const e = engaged.get(id);
      row.active_members = e ? [...c.members].filter((u) => e.has(u)).length : 0;
      row.actors = actors.get(id)?.size ?? 0;
      row.resolved_by = sortedObject(Object.entries(row.resolved_by));
    }
    day.communities = sortedObject(Object.entries(day.communities));
    day.platform_complaints.resolved_by = sortedObject(Object.entries(day.platform_complaints.resolved_by));
    day.authors = sortedObject(Object.entries(day.authors));
    day.ads = sortedObject(Object.entries(day.ads));
    day.campaigns = sortedObject(Object.entries(day.campaigns));
    day.creators = sortedObject(Object.entries(day.creators));
    day.users = users.size;
    const degrees: [string, [number, number, number]][] = [];
    for (const u of users) {
      const d: [number, number, number] = [
        friends.get(u)?.size ?? 0,
        followers.get(u) ?? 0,
        following.get(u)?.size ?? 0,
      ];
      if (d[0] + d[1] + d[2] > 0) degrees.push([u, d]);
    }
    day.degrees = sortedObject(degrees);
    day.active_user_ids = [...active].sort();
    out.set(date, day);
  };

  for (const ev of ordered) {
    const d = ev.occurred_at.slice(0, 10);
    if (d !== date) {
      endDay();
      date = d;
      day = {
        date,
        communities: {},
        platform_complaints: { filed: 0, resolved: 0, resolved_by: {} },
        authors: {},
        ads: {},
        campaigns: {},
        creators: {},
        users: 0,
        degrees: {},
        active_user_ids: [],
        reached_1000_views: [],
      };
      engaged = new Map();
      actors = new Map();
      active = new Set();
    }
    if (ev.actor_user_id !== null) active.add(ev.actor_user_id);
    switch (ev.event_type) {
      case "user.signed_up":
        users.add(ev.payload.user_id);
        break;
      case "friendship.accepted": {
        const { requester_user_id: a, addressee_user_id: b } = ev.payload;
        add(friends, a, b);
        add(friends, b, a);
        break;
      }
      case "friendship.ended": {
        const { user_id: a, friend_user_id: b } = ev.payload;
        friends.get(a)?.delete(b);
        friends.get(b)?.delete(a);
        break;
      }
      case "follow.created":
        add(following, ev.payload.follower_user_id, ev.payload.followee_user_id);
        bumpCount(followers, ev.payload.followee_user_id, 1);
        break;
      case "follow.removed":
        if (following.get(ev.payload.follower_user_id)?.delete(ev.payload.followee_user_id)) {
          bumpCount(followers, ev.payload.followee_user_id, -1);
        }
        break;
      case "community.created": {
        const id = ev.payload.community_id;
        communities.set(id, {
          owner: ev.payload.owner_user_id,
          members: new Set([ev.payload.owner_user_id]),
          moderators: new Set(),
        });
        community(id).joins++;
        break;
      }
      case "community.joined":
        communities.get(ev.payload.community_id)?.members.add(ev.payload.user_id);
        community(ev.payload.community_id).joins++;
        break;
      case "community.left":
        communities.get(ev.payload.community_id)?.members.delete(ev.payload.user_id);
        community(ev.payload.community_id).leaves++;
        break;
      case "community.moderator_added":
        communities.get(ev.payload.community_id)?.moderators.add(ev.payload.user_id);
        break;
      case "community.moderator_removed":
        communities.get(ev.payload.community_id)?.moderators.delete(ev.payload.user_id);
        break;
      case "publication.created": {
        const c = ev.payload.community_id;
        publicationCreated.set(ev.payload.publication_id, ev.occurred_at);
        if (c !== null) {
          publicationCommunity.set(ev.payload.publication_id, c);
          community(c).publications++;
          add(engaged, c, ev.actor_user_id);
          add(actors, c, ev.actor_user_id);
        }
        break;
      }
      case "comment.created":
      case "reply.created": {
        const c = publicationCommunity.get(ev.payload.publication_id);
        if (c !== undefined) {
          community(c).comments++;
          if (ev.event_type === "reply.created") community(c).replies++;
          add(engaged, c, ev.actor_user_id);
          add(actors, c, ev.actor_user_id);
        }
        break;
      }
      case "reaction.added": {
        const c = publicationCommunity.get(ev.payload.publication_id);
        if (c !== undefined) {
          community(c).reactions++;
          add(engaged, c, ev.actor_user_id);
          add(actors, c, ev.actor_user_id);
        }
        break;
      }
      case "share.created": {
        const p = ev.payload;
        const c = publicationCommunity.get(p.publication_id);
        if (c !== undefined) add(engaged, c, ev.actor_user_id);
        if (p.sharer_user_id !== p.publication_author_user_id) {
          const a = day!.authors[p.publication_author_user_id] ??= { reposts: 0, quotes: 0 };
          if (p.kind === "repost") a.reposts++;
          else a.quotes++;
        }
        break;
      }
      case "publication.viewed": {
        const n = (views.get(ev.payload.publication_id) ?? 0) + 1;
        views.set(ev.payload.publication_id, n);
        if (n === 1000) {
          const created = publicationCreated.get(ev.payload.publication_id)!;
          day!.reached_1000_views.push({
            publication_id: ev.payload.publication_id,
            created_at: created,
            reached_at: ev.occurred_at,
            seconds_to_1000: (Date.parse(ev.occurred_at) - Date.parse(created)) / 1000,
          });
        }
        break;
      }
      case "complaint.filed":
        if (ev.payload.community_id === null) day!.platform_complaints.filed++;
        else community(ev.payload.community_id).complaints_filed++;
        break;
      case "complaint.resolved": {
        const p = ev.payload;
        const by = p.community_id === null
          ? day!.platform_complaints.resolved_by
          : community(p.community_id).resolved_by;
        by[p.moderator_user_id] = (by[p.moderator_user_id] ?? 0) + 1;
        if (p.community_id === null) day!.platform_complaints.resolved++;
        else community(p.community_id).complaints_resolved++;
        break;
      }
      case "ad.impression":
        for (const x of adCounts(ev.payload.ad_id, ev.payload.campaign_id)) x.impressions++;
        break;
      case "ad.clicked":
        for (const x of adCounts(ev.payload.ad_id, ev.payload.campaign_id)) {
          x.clicks++;
          cents(x.spend_cents, ev.payload.currency, ev.payload.cost);
        }
        break;
      case "donation.made":
        cents(creator(ev.payload.recipient_user_id).donations, ev.payload.currency, ev.payload.amount);
        break;
      case "sponsorship.created":
        cents(creator(ev.payload.creator_user_id).sponsorships, ev.payload.currency, ev.payload.amount);
        break;
      case "subscription.charged":
        cents(creator(ev.payload.creator_user_id).subscriptions, ev.payload.currency, ev.payload.amount);
        break;
    }
  }
  endDay();
  return out;
}
