/**
 * The generator's ground truth, written under `ledger/` (a prefix the pipeline never reads), which tests of later
 * stages compare warehouse numbers against.
 *
 * - Per data file ({@link FileLedgerJson}): lines, valid events by type (each distinct valid event once, at its
 *   first occurrence), every injected invalid line (line number, kind), duplicates and late events.
 *   Invariant: `lines = sum(valid_by_type) + faults.length + duplicates.length`.
 * - Per UTC day of `occurred_at` ({@link DayAggregateJson}): the counts the metrics need, over the valid distinct
 *   events of that day wherever they were written (late events count for the day they occurred on).
 *
 * @module
 */
import type { EventType, FaultKind, InvalidFaultKind } from "../events/mod.ts";
import { PUBLICATION_KINDS, REACTION_TYPES, SHARE_KINDS } from "../events/mod.ts";
import type { Rec } from "./record.ts";

/** The ledger of one data file. */
export interface FileLedgerJson {
  key: string;
  /** The minute the file covers (ISO). */
  minute: string;
  lines: number;
  bytes: number;
  /** Distinct valid events (first occurrences) in the file. */
  valid: number;
  valid_by_type: Partial<Record<EventType, number>>;
  /** Injected invalid lines (1-based line numbers). `event_id` is absent when the line carries none. */
  faults: { line: number; kind: InvalidFaultKind; event_id?: string }[];
  /** Exact copies of a valid line written earlier (in this or an earlier file). */
  duplicates: { line: number; event_id: string }[];
  /** Valid events that occurred before this file's minute (also counted in `valid_by_type`). */
  late: { line: number; event_id: string; occurred_at: string }[];
}

/** Money by revenue stream and currency, in cents. */
export type RevenueCents = Record<"donations" | "sponsorships" | "subscriptions" | "ad_clicks", Record<string, number>>;

/** The ledger of one UTC day. */
export interface DayAggregateJson {
  date: string;
  /** Distinct valid events that occurred on the day. */
  events: number;
  events_by_type: Partial<Record<EventType, number>>;
  publications_by_kind: Record<typeof PUBLICATION_KINDS[number], number>;
  /** `total` = top-level comments + replies. */
  comments: { total: number; top_level: number; replies: number };
  /** Comments and replies by the topic of the publication they are on. */
  comments_by_topic: Record<string, number>;
  reactions: number;
  reactions_by_type: Record<typeof REACTION_TYPES[number], number>;
  shares_by_kind: Record<typeof SHARE_KINDS[number], number>;
  views: number;
  ad_impressions: number;
  ad_clicks: number;
  complaints: number;
  /** Joins and leaves per community id. */
  community_members: Record<string, { joins: number; leaves: number }>;
  revenue_cents: RevenueCents;
  /** Distinct users with at least one action (an event with a non-null actor). */
  dau: number;
  active_user_ids: string[];
  /** Publications whose 1000th view occurred on this day, in order of that view. */
  publications_reached_1000_views: {
    publication_id: string;
    kind: string;
    created_at: string;
    reached_at: string;
    seconds_to_1000: number;
  }[];
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function addMoney(into: Record<string, number>, currency: string, amount: number) {
  into[currency] = (into[currency] ?? 0) + Math.round(amount * 100);
}

/** The running aggregate of one day; lives in the world state until the day can receive no more events. */
export class DayAggregate {
  readonly json: DayAggregateJson;
  readonly #active: Set<string>;
  /** Counts by event type (a Map is much faster than an object with dotted keys). */
  readonly #byType: Map<string, number>;

  constructor(date: string, from?: DayAggregateJson) {
    this.json = from ?? {
      date,
      events: 0,
      events_by_type: {},
      publications_by_kind: zeroes(PUBLICATION_KINDS),
      comments: { total: 0, top_level: 0, replies: 0 },
      comments_by_topic: {},
      reactions: 0,
      reactions_by_type: zeroes(REACTION_TYPES),
      shares_by_kind: zeroes(SHARE_KINDS),
      views: 0,
      ad_impressions: 0,
      ad_clicks: 0,
      complaints: 0,
      community_members: {},
      revenue_cents: { donations: {}, sponsorships: {}, subscriptions: {}, ad_clicks: {} },
      dau: 0,
      active_user_ids: [],
      publications_reached_1000_views: [],
    };
    this.#active = new Set(this.json.active_user_ids);
    this.#byType = new Map(Object.entries(this.json.events_by_type));
  }

  /** Count one distinct valid event that occurred on this day. */
  add(rec: Rec) {
    const j = this.json;
    const ev = rec.ev;
    j.events++;
    this.#byType.set(rec.type, (this.#byType.get(rec.type) ?? 0) + 1);
    if (ev.actor_user_id !== null) this.#active.add(ev.actor_user_id);
    switch (ev.event_type) {
      case "publication.viewed":
        j.views++;
        if (rec.reached1000) {
          const r = rec.reached1000;
          j.publications_reached_1000_views.push({
            ...r,
            reached_at: ev.occurred_at,
            seconds_to_1000: (rec.ms - Date.parse(r.created_at)) / 1000,
          });
        }
        break;
      case "publication.created":
        j.publications_by_kind[ev.payload.kind]++;
        break;
      case "comment.created":
      case "reply.created":
        j.comments.total++;
        if (ev.event_type === "comment.created") j.comments.top_level++;
        else j.comments.replies++;
        if (rec.topic) j.comments_by_topic[rec.topic] = (j.comments_by_topic[rec.topic] ?? 0) + 1;
        break;
      case "reaction.added":
        j.reactions++;
        j.reactions_by_type[ev.payload.reaction]++;
        break;
      case "share.created":
        j.shares_by_kind[ev.payload.kind]++;
        break;
      case "ad.impression":
        j.ad_impressions++;
        break;
      case "ad.clicked":
        j.ad_clicks++;
        addMoney(j.revenue_cents.ad_clicks, ev.payload.currency, ev.payload.cost);
        break;
      case "complaint.filed":
        j.complaints++;
        break;
      case "community.joined":
      case "community.left": {
        const c = (j.community_members[ev.payload.community_id] ??= { joins: 0, leaves: 0 });
        if (ev.event_type === "community.joined") c.joins++;
        else c.leaves++;
        break;
      }
      case "donation.made":
        addMoney(j.revenue_cents.donations, ev.payload.currency, ev.payload.amount);
        break;
      case "sponsorship.created":
        addMoney(j.revenue_cents.sponsorships, ev.payload.currency, ev.payload.amount);
        break;
      case "subscription.charged":
        addMoney(j.revenue_cents.subscriptions, ev.payload.currency, ev.payload.amount);
        break;
    }
  }

  /** The JSON to write (active users sorted, 1000-view list in order of the 1000th view). */
  toJSON(): DayAggregateJson {
    const ids = [...this.#active].sort();
    this.json.active_user_ids = ids;
    this.json.events_by_type = Object.fromEntries([...this.#byType.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    this.json.dau = ids.length;
    this.json.publications_reached_1000_views.sort((a, b) =>
      a.reached_at < b.reached_at ? -1 : a.reached_at > b.reached_at ? 1 : 0
    );
    return this.json;
  }
}

/** The open days of a world: aggregates by date, created on first use. */
export class DayLedger {
  readonly #days = new Map<string, DayAggregate>();
  /** Days touched since the last {@link takeTouched} (kept even if closed meanwhile, so they get written). */
  readonly #touched = new Map<string, DayAggregate>();
  /** The day of the previous event (most events of a file share it). */
  #current: DayAggregate | null = null;
  #currentStart = 0;
  #currentEnd = 0;

  constructor(stored: DayAggregateJson[] = []) {
    for (const d of stored) this.#days.set(d.date, new DayAggregate(d.date, d));
  }

  /** Count a distinct valid event on the day it occurred. */
  add(rec: Rec) {
    if (this.#current && rec.ms >= this.#currentStart && rec.ms < this.#currentEnd) {
      this.#current.add(rec);
      return;
    }
    const date = rec.ev.occurred_at.slice(0, 10);
    let day = this.#days.get(date);
    if (!day) {
      day = new DayAggregate(date);
      this.#days.set(date, day);
    }
    if (!this.#touched.has(date)) this.#touched.set(date, day);
    this.#current = day;
    this.#currentStart = Date.parse(date + "T00:00:00Z");
    this.#currentEnd = this.#currentStart + 86_400_000;
    day.add(rec);
  }

  /** The aggregate of a date, if open. */
  get(date: string): DayAggregate | undefined {
    return this.#days.get(date);
  }

  /** Days touched since the previous call (to write their ledger objects), by date. */
  takeTouched(): DayAggregate[] {
    const out = [...this.#touched.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
    this.#touched.clear();
    this.#current = null;
    return out;
  }

  /** Forget days that ended at or before `beforeMs`: no event can land in them any more. */
  close(beforeMs: number) {
    for (const date of [...this.#days.keys()]) {
      if (Date.parse(date + "T00:00:00Z") + 86_400_000 <= beforeMs) {
        if (this.#current === this.#days.get(date)) this.#current = null;
        this.#days.delete(date);
      }
    }
  }

  /** The open days, for the world snapshot. */
  toJSON(): DayAggregateJson[] {
    return [...this.#days.values()].map((d) => d.toJSON());
  }
}

/** Count of each fault kind in a list of file ledgers (for the run summary). */
export function faultCounts(ledgers: FileLedgerJson[]): Partial<Record<FaultKind, number>> {
  const out: Partial<Record<FaultKind, number>> = {};
  for (const l of ledgers) {
    for (const f of l.faults) out[f.kind] = (out[f.kind] ?? 0) + 1;
    if (l.duplicates.length) out.duplicate = (out.duplicate ?? 0) + l.duplicates.length;
    if (l.late.length) out.late = (out.late ?? 0) + l.late.length;
  }
  return out;
}
