/**
 * An independent recount of minute drops, for tests: it reads the files as the pipeline would (parse, validate,
 * deduplicate on `event_id`) and derives what the ledger should say, without using the generator's own counting.
 *
 * @module
 */
import { checkOccurredAt, type Event, eventSchema } from "../events/mod.ts";

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
export function recount(files: [string, Uint8Array][]): { files: FileRecount[]; days: Map<string, DayRecount> } {
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
  return { files: out, days: recountDays(valid) };
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
