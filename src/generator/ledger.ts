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

/** Money in cents by currency. */
export type CentsByCurrency = Record<string, number>;

/** One community on one day (see docs/generator.md, "The entity ledger", for each rule). */
export interface CommunityDayJson {
  /** `community.joined` events, plus 1 on the creation day for the owner's implicit join. */
  joins: number;
  leaves: number;
  /** Publications posted in the community. */
  publications: number;
  /** Comments and replies on its publications (`replies` counts the replies among them). */
  comments: number;
  replies: number;
  /** Reactions on its publications and on their comments. */
  reactions: number;
  complaints_filed: number;
  complaints_resolved: number;
  /** Resolved complaints by the resolving user id. */
  resolved_by: Record<string, number>;
  /** At the end of the day: the owner plus appointed moderators whose role has not ended. */
  moderators: number;
  /** Members at the end of the day, owner included. */
  members: number;
  /** Members at the end of the day who posted in it, commented or replied, reacted or shared its publications. */
  active_members: number;
  /** Distinct users who posted in it, commented or replied on its publications or reacted to them (anyone). */
  actors: number;
}

/** Revenue of one creator (the payee) by stream, in cents per currency. */
export interface CreatorDayJson {
  donations: CentsByCurrency;
  sponsorships: CentsByCurrency;
  subscriptions: CentsByCurrency;
}

/** Impressions, clicks and click spend of an ad or a campaign. */
export interface AdDayJson {
  impressions: number;
  clicks: number;
  spend_cents: CentsByCurrency;
}

/**
 * The entity ledger of one UTC day (`ledger/entities/date=YYYY-MM-DD.json.gz`): the ground truth of every metric
 * the generator can know, per entity. Counted by the simulation as it acts, and its end-of-day state read from the
 * world at midnight, so it is independent of how the events are written (late, duplicated, corrupted copies).
 */
export interface EntityDayJson {
  date: string;
  /** Every community that exists at the end of the day, by id. */
  communities: Record<string, CommunityDayJson>;
  /** Complaints about content outside any community (resolved by platform staff). */
  platform_complaints: { filed: number; resolved: number; resolved_by: Record<string, number> };
  /** Reposts and quotes by other users of publications that a user wrote, by that author's id. */
  authors: Record<string, { reposts: number; quotes: number }>;
  ads: Record<string, AdDayJson & { campaign_id: string }>;
  campaigns: Record<string, AdDayJson>;
  /** Revenue by payee: donation recipients, sponsored creators, creators of charged subscriptions. */
  creators: Record<string, CreatorDayJson>;
  /** Users signed up at the end of the day. */
  users: number;
  /** `[friends, followers, following]` at the end of the day, for every user with any of them non-zero. */
  degrees: Record<string, [number, number, number]>;
  /** Distinct actors of the day (non-null `actor_user_id`), sorted. */
  active_user_ids: string[];
  /** Publications whose 1000th view happened on the day, in order of that view. */
  reached_1000_views: { publication_id: string; created_at: string; reached_at: string; seconds_to_1000: number }[];
}

/** The entity ledger of the day being simulated, as stored in the world snapshot. */
export interface EntityDayState {
  json: EntityDayJson;
  /** Per community id: users who did an M16 activity (post, comment, reaction, share) in it. */
  engaged: [string, string[]][];
  /** Per community id: users who posted, commented or reacted in it. */
  actors: [string, string[]][];
}

/** Community counts that the simulation sets at the end of the day. */
export interface CommunityDayEnd {
  id: string;
  memberIds: string[];
  moderators: number;
}

function newCommunityDay(): CommunityDayJson {
  return {
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
}

function sortedRecord<V>(o: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let s = map.get(key);
  if (!s) map.set(key, s = new Set());
  return s;
}

/**
 * The simulation's count of one day per entity. The simulation hands it every event it emits (with the community
 * of the publication an event is about, `Rec.community`) and, at midnight, the state of the world.
 */
export class EntityDay {
  readonly json: EntityDayJson;
  readonly #active: Set<string>;
  readonly #engaged: Map<string, Set<string>>;
  readonly #actors: Map<string, Set<string>>;

  constructor(date: string, from?: EntityDayState) {
    this.json = from?.json ?? {
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
    this.#active = new Set(this.json.active_user_ids);
    this.#engaged = new Map((from?.engaged ?? []).map(([c, ids]) => [c, new Set(ids)]));
    this.#actors = new Map((from?.actors ?? []).map(([c, ids]) => [c, new Set(ids)]));
  }

  get date(): string {
    return this.json.date;
  }

  #community(id: string): CommunityDayJson {
    return (this.json.communities[id] ??= newCommunityDay());
  }

  #creator(id: string): CreatorDayJson {
    return (this.json.creators[id] ??= { donations: {}, sponsorships: {}, subscriptions: {} });
  }

  #ad(adId: string, campaignId: string): [AdDayJson, AdDayJson] {
    const ad = this.json.ads[adId] ??= { campaign_id: campaignId, impressions: 0, clicks: 0, spend_cents: {} };
    const campaign = this.json.campaigns[campaignId] ??= { impressions: 0, clicks: 0, spend_cents: {} };
    return [ad, campaign];
  }

  /** Count events the simulation emitted on this day. */
  addAll(recs: Rec[]) {
    for (const rec of recs) this.add(rec);
  }

  /** Count one event the simulation emitted on this day. */
  add(rec: Rec) {
    const ev = rec.ev;
    const actor = ev.actor_user_id;
    if (actor !== null) this.#active.add(actor);
    const inside = rec.community;
    switch (ev.event_type) {
      case "publication.created": {
        const c = ev.payload.community_id;
        if (c !== null) {
          this.#community(c).publications++;
          setOf(this.#engaged, c).add(ev.actor_user_id);
          setOf(this.#actors, c).add(ev.actor_user_id);
        }
        break;
      }
      case "comment.created":
      case "reply.created":
        if (inside !== undefined) {
          const c = this.#community(inside);
          c.comments++;
          if (ev.event_type === "reply.created") c.replies++;
          setOf(this.#engaged, inside).add(ev.actor_user_id);
          setOf(this.#actors, inside).add(ev.actor_user_id);
        }
        break;
      case "reaction.added":
        if (inside !== undefined) {
          this.#community(inside).reactions++;
          setOf(this.#engaged, inside).add(ev.actor_user_id);
          setOf(this.#actors, inside).add(ev.actor_user_id);
        }
        break;
      case "share.created": {
        const p = ev.payload;
        if (inside !== undefined) setOf(this.#engaged, inside).add(ev.actor_user_id);
        if (p.sharer_user_id !== p.publication_author_user_id) {
          const a = this.json.authors[p.publication_author_user_id] ??= { reposts: 0, quotes: 0 };
          if (p.kind === "repost") a.reposts++;
          else a.quotes++;
        }
        break;
      }
      case "publication.viewed":
        if (rec.reached1000) {
          const r = rec.reached1000;
          this.json.reached_1000_views.push({
            publication_id: r.publication_id,
            created_at: r.created_at,
            reached_at: ev.occurred_at,
            seconds_to_1000: (rec.ms - Date.parse(r.created_at)) / 1000,
          });
        }
        break;
      case "community.created":
        this.#community(ev.payload.community_id).joins++;
        break;
      case "community.joined":
        this.#community(ev.payload.community_id).joins++;
        break;
      case "community.left":
        this.#community(ev.payload.community_id).leaves++;
        break;
      case "complaint.filed":
        if (ev.payload.community_id === null) this.json.platform_complaints.filed++;
        else this.#community(ev.payload.community_id).complaints_filed++;
        break;
      case "complaint.resolved": {
        const p = ev.payload;
        const target = p.community_id === null ? this.json.platform_complaints : this.#community(p.community_id);
        if (p.community_id === null) this.json.platform_complaints.resolved++;
        else this.#community(p.community_id).complaints_resolved++;
        target.resolved_by[p.moderator_user_id] = (target.resolved_by[p.moderator_user_id] ?? 0) + 1;
        break;
      }
      case "ad.impression": {
        for (const x of this.#ad(ev.payload.ad_id, ev.payload.campaign_id)) x.impressions++;
        break;
      }
      case "ad.clicked": {
        for (const x of this.#ad(ev.payload.ad_id, ev.payload.campaign_id)) {
          x.clicks++;
          addMoney(x.spend_cents, ev.payload.currency, ev.payload.cost);
        }
        break;
      }
      case "donation.made":
        addMoney(this.#creator(ev.payload.recipient_user_id).donations, ev.payload.currency, ev.payload.amount);
        break;
      case "sponsorship.created":
        addMoney(this.#creator(ev.payload.creator_user_id).sponsorships, ev.payload.currency, ev.payload.amount);
        break;
      case "subscription.charged":
        addMoney(this.#creator(ev.payload.creator_user_id).subscriptions, ev.payload.currency, ev.payload.amount);
        break;
    }
  }

  /**
   * Close the day with the world's state at midnight: communities (members, moderators), users and their degrees.
   * Returns the ledger to write.
   */
  close(communities: CommunityDayEnd[], users: number, degrees: [string, number, number, number][]): EntityDayJson {
    const j = this.json;
    for (const end of communities) {
      const c = this.#community(end.id);
      c.members = end.memberIds.length;
      c.moderators = end.moderators;
      const engaged = this.#engaged.get(end.id);
      c.active_members = engaged ? end.memberIds.filter((id) => engaged.has(id)).length : 0;
      c.actors = this.#actors.get(end.id)?.size ?? 0;
      c.resolved_by = sortedRecord(c.resolved_by);
    }
    j.communities = sortedRecord(j.communities);
    j.platform_complaints.resolved_by = sortedRecord(j.platform_complaints.resolved_by);
    j.authors = sortedRecord(j.authors);
    j.ads = sortedRecord(j.ads);
    j.campaigns = sortedRecord(j.campaigns);
    j.creators = sortedRecord(j.creators);
    j.users = users;
    j.degrees = sortedRecord(Object.fromEntries(degrees.map(([id, a, b, c]) => [id, [a, b, c]])));
    j.active_user_ids = [...this.#active].sort();
    return j;
  }

  /** The running day for the world snapshot. */
  toState(): EntityDayState {
    this.json.active_user_ids = [...this.#active];
    return {
      json: this.json,
      engaged: [...this.#engaged].map(([c, ids]) => [c, [...ids]]),
      actors: [...this.#actors].map(([c, ids]) => [c, [...ids]]),
    };
  }
}
