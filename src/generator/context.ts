/**
 * The state every part of the simulation shares: the world, its indexes (sets and maps rebuilt from the snapshot),
 * and the minute being generated (its PRNG, cursor and output). The domain modules (users, graph, money, content,
 * communities, ads) are functions of one {@link SimContext}; the agenda runs them in time order.
 *
 * @module
 */
import { type Event, type EventType, type PayloadOf, SCHEMA_VERSION } from "../events/mod.ts";
import { type Pools, pools } from "./pools.ts";
import { Rng } from "./prng.ts";
import type { Rec } from "./record.ts";
import { EntityDay, type EntityDayJson } from "./ledger.ts";
import { MINUTE } from "./params.ts";
import {
  type AdRec,
  type ComplaintRec,
  pairKey,
  type PubRec,
  type ScheduledTask,
  type ShareRec,
  type SubscriptionRec,
  undirectedKey,
  type UserRec,
  type WorldState,
} from "./world.ts";

/** `SS.mmmZ` for every millisecond of a minute. */
const TIME_SUFFIX: string[] = Array.from(
  { length: MINUTE },
  (_, ms) => `${String(Math.floor(ms / 1000)).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}Z`,
);

/** The world with its lookup indexes, and the minute being generated. */
export class SimContext {
  readonly state: WorldState;
  readonly pools: Pools;
  /** Live publications, shares, open complaints and active subscriptions, by serial (insertion = time order). */
  readonly pubs = new Map<number, PubRec>();
  readonly shares = new Map<number, ShareRec>();
  readonly complaints = new Map<number, ComplaintRec>();
  readonly subscriptions = new Map<number, SubscriptionRec>();
  /** Scheduled tasks by the minute they are due. */
  readonly schedule = new Map<number, ScheduledTask[]>();
  /** Graph edges by {@link pairKey} (follows, close friends, blocks, mutes, members) or {@link undirectedKey}. */
  readonly follows = new Set<number>();
  readonly friends = new Set<number>();
  readonly close = new Set<number>();
  readonly blocks: Set<number>;
  readonly mutes: Set<number>;
  /** Memberships by `pairKey(community, user)`. */
  readonly members = new Set<number>();
  /** Active subscriptions by `pairKey(subscriber, creator)`. */
  readonly subKeys = new Set<number>();
  readonly friendships: Map<number, string>;
  readonly memberSince: Map<number, number>;
  /** Session tickets per locale: a user appears as often as their activity level. */
  readonly tickets: [number[], number[]] = [[], []];
  /** Creators, each repeated by their appeal. */
  readonly creators: number[] = [];
  readonly staff: number[] = [];
  /** Serials of active subscriptions, for cancellations. */
  readonly subList: number[] = [];
  trendingCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  communityCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  leaveCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  appealNow: number[] = [];
  activeAds: AdRec[] = [];
  localeWeight0 = 0.5;
  /** The entity ledger of the day being simulated (null before the first minute and right after midnight). */
  day: EntityDay | null;
  /** Entity ledgers of days that ended, to be written (taken by the run loop). */
  closedDays: EntityDayJson[] = [];
  /** The minute generated last (-1: none yet, so the first minute collects any overdue tasks). */
  lastRun = -1;

  // The minute being generated.
  rng = new Rng(0);
  minute = 0;
  /** Start of the minute (epoch ms), its ISO prefix `YYYY-MM-DDTHH:MM:` and the millisecond cursor within it. */
  t0 = 0;
  prefix = "";
  cursor = 0;
  out: Rec[] = [];
  /** Publications viewed this minute (trending candidates). */
  touched = new Set<number>();

  constructor(state: WorldState) {
    this.state = state;
    this.pools = pools();
    for (const p of state.pubs) this.pubs.set(p.s, p);
    for (const s of state.shares) this.shares.set(s.s, s);
    for (const c of state.complaints) this.complaints.set(c.s, c);
    for (const s of state.subscriptions) {
      this.subscriptions.set(s.s, s);
      this.subKeys.add(pairKey(s.subscriber, s.creator));
      this.subList.push(s.s);
    }
    for (const [m, tasks] of state.schedule) this.schedule.set(m, tasks);
    this.blocks = new Set(state.blocks);
    this.mutes = new Set(state.mutes);
    this.friendships = new Map(state.friendships);
    this.memberSince = new Map(state.memberSince);
    this.day = state.entityDay ? new EntityDay(state.entityDay.json.date, state.entityDay) : null;
    state.users.forEach((u, i) => {
      this.index(u, i);
      for (const f of u.following) this.follows.add(pairKey(i, f));
      for (const f of u.friends) this.friends.add(undirectedKey(i, f));
      for (const f of u.closeFriends) this.close.add(pairKey(i, f));
      for (const c of u.communities) this.members.add(pairKey(c, i));
    });
  }

  /** Add a (new or restored) user to the session tickets, creators and staff. */
  index(u: UserRec, i: number) {
    for (let k = 0; k < u.tickets; k++) this.tickets[u.locale].push(i);
    for (let k = 0; k < u.fitness; k++) this.creators.push(i);
    if (u.staff) this.staff.push(i);
  }

  /** The current instant (epoch ms): the minute's start plus the cursor. */
  now(): number {
    return this.t0 + this.cursor;
  }

  /** Schedule a task; one due within the minute being generated happens at the start of the next one. */
  at(task: ScheduledTask) {
    const m = Math.max(Math.floor(task.ms / MINUTE), this.minute + 1);
    const list = this.schedule.get(m);
    if (list) list.push(task);
    else this.schedule.set(m, [task]);
  }

  /** Emit one event at the cursor and advance the cursor by a few milliseconds. `actor` -1 means no actor. */
  emit<T extends EventType>(type: T, actor: number, payload: PayloadOf<T>): Rec {
    const c = this.cursor;
    const ev = {
      event_id: this.rng.uuid(),
      event_type: type,
      schema_version: SCHEMA_VERSION,
      occurred_at: this.prefix + TIME_SUFFIX[c],
      actor_user_id: actor < 0 ? null : this.state.users[actor]!.id,
      payload,
    } as Event;
    const rec: Rec = { ev, line: JSON.stringify(ev), type, ms: this.t0 + c };
    this.out.push(rec);
    this.cursor = Math.min(MINUTE - 1, c + 1 + (this.rng.u32() & 7));
    return rec;
  }

  /** `occurred_at` of the cursor (the ISO string of {@link now}). */
  nowIso(): string {
    return this.prefix + TIME_SUFFIX[this.cursor];
  }

  iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}
