/**
 * The simulation of one persistent social network, minute by minute.
 *
 * A minute's agenda holds scheduled actions (sessions ending, friend requests accepted, complaints resolved,
 * monthly subscription charges), signups (a launch ramp, then organic growth), back-office actions (advertisers,
 * campaigns, ads, sponsorships) and as many regular actions as the minute's event budget allows
 * (`--rate` x {@link activity}). Regular actions are drawn from a fixed mix ({@link ACTION_WEIGHTS}) and are done
 * by users who are online; views carry follow-ups (reactions, comments, replies, shares, ad impressions and
 * clicks, follows, joins, complaints, donations) whose chances grow with the publication's appeal.
 * `docs/generator.md` describes every process and parameter.
 *
 * Everything random comes from a PRNG seeded by (seed, genesis minute, minute), so a world state and a minute
 * always give the same events, and different minutes never share ids.
 *
 * @module
 */
import {
  type Badge,
  BADGES,
  COMPLAINT_REASONS,
  type Event,
  type EventType,
  type PayloadOf,
  PUBLICATION_KINDS,
  REACTION_TYPES,
  SCHEMA_VERSION,
  TOPICS,
} from "../events/mod.ts";
import { activity, LOCALE_SHARE, localeActivity } from "./cycle.ts";
import { type LocaleIndex, LOCALES, type Pools, pools } from "./pools.ts";
import { Rng } from "./prng.ts";
import type { Rec } from "./record.ts";
import {
  type AdRec,
  type CommunityRec,
  type ComplaintRec,
  pairKey,
  type PubRec,
  type ShareRec,
  type SubscriptionRec,
  type Task,
  undirectedKey,
  type UserRec,
  type WorldState,
} from "./world.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Bits of the agenda entry that hold the index (the rest is the millisecond within the minute). */
const AGENDA_SHIFT = 2_097_152;

/** Tunable parameters of the simulation (documented in docs/generator.md). */
export const PARAMS = {
  /** Launch population per 1000 events/minute of `--rate` at world creation. */
  launchUsersPerKiloRate: 15_000,
  /** Time constant of the launch ramp (minutes): most launch users sign up within 3 of these. */
  launchTauMinutes: 180,
  /** Organic growth of the user base per day after launch. */
  organicGrowthPerDay: 0.015,
  /** Mean days until a user goes dormant (stops starting sessions). */
  meanLifetimeDays: 120,
  /** Median session length (minutes) and log-normal sigma. */
  sessionMedianMinutes: 9,
  sessionSigma: 1.0,
  /** Share of new users that are creators (heavy-tailed appeal). */
  creatorShare: 0.04,
  /** How long publications stay in feeds (hours); stories expire after 24 h. */
  feedHours: 72,
  storyHours: 24,
  /** Decay time of the trending velocity (minutes) and number of trending publications. */
  trendingTauMinutes: 45,
  trendingSize: 200,
  /** Chances per view. */
  reactPerView: 0.04,
  commentPerView: 0.005,
  replyShareOfComments: 0.45,
  sharePerView: 0.0015,
  adPerView: 0.12,
  complaintPerView: 0.00035,
  donationPerView: 0.00012,
  followAuthorPerView: 0.003,
  joinFromPublication: 0.004,
  /** Probability that a friend request is accepted, and mean delay (minutes). */
  acceptProbability: 0.72,
  acceptMeanMinutes: 90,
  /** Mean delay (minutes) before a moderator resolves a complaint. */
  resolveMeanMinutes: 120,
  /** Back-office rates per day at --rate 1000 (scaled with the world). */
  advertisersPerDay: 12,
  campaignsPerDay: 30,
  sponsorshipsPerDay: 25,
} as const;

/** The mix of regular actions (relative weights). Views dominate, as in any feed. */
export const ACTION_WEIGHTS = {
  view: 0.755,
  session: 0.03,
  publish: 0.03,
  follow: 0.012,
  unfollow: 0.0025,
  friendRequest: 0.008,
  friendshipEnd: 0.0003,
  closeFriendAdd: 0.002,
  closeFriendRemove: 0.0003,
  block: 0.0002,
  mute: 0.0003,
  subscribe: 0.0006,
  unsubscribe: 0.0002,
  donate: 0.0002,
  communityCreate: 0.00005,
  communityJoin: 0.005,
  communityLeave: 0.0025,
  moderatorAdd: 0.00006,
  pin: 0.0001,
  deletePublication: 0.0002,
  profileUpdate: 0.0012,
  settingsChange: 0.0007,
  privacyChange: 0.0004,
} as const;
type Action = keyof typeof ACTION_WEIGHTS;
const ACTIONS = Object.keys(ACTION_WEIGHTS) as Action[];

const COUNTRY_CURRENCY: Record<string, string> = {
  RU: "RUB",
  BY: "BYN",
  KZ: "KZT",
  US: "USD",
  GB: "GBP",
  CA: "CAD",
  IE: "EUR",
};
/** Units of each currency per US dollar (rounded, fixed: the simulation has no FX market). */
export const FX_PER_USD: Record<string, number> = {
  USD: 1,
  RUB: 90,
  BYN: 3.2,
  KZT: 480,
  GBP: 0.79,
  CAD: 1.36,
  EUR: 0.92,
};
const TIER_PRICES: Record<string, [number, number, number]> = {
  USD: [4.99, 9.99, 19.99],
  RUB: [199, 499, 999],
  BYN: [14.9, 29.9, 59.9],
  KZT: [2490, 4990, 9990],
  GBP: [3.99, 7.99, 15.99],
  CAD: [6.99, 12.99, 24.99],
  EUR: [4.49, 8.99, 17.99],
};
const TIERS = ["basic", "plus", "vip"] as const;
const DEVICES = ["ios", "android", "web", "desktop"] as const;
const DEVICE_CUM = [0.35, 0.8, 0.92, 1];
const REACTION_CUM = [0.62, 0.79, 0.85, 0.94, 0.98, 1];
const KIND_CUM = [0.6, 0.88, 1];
const AGE_BUCKETS: [number, number, number][] = [
  [13, 17, 0.08],
  [18, 24, 0.25],
  [25, 34, 0.3],
  [35, 44, 0.18],
  [45, 54, 0.1],
  [55, 64, 0.06],
  [65, 90, 0.03],
];
const AGE_CUM = cumulative(AGE_BUCKETS.map((b) => b[2]));
const COMPLAINT_CUM = cumulative([0.3, 0.15, 0.08, 0.07, 0.06, 0.12, 0.1, 0.05, 0.07]);
const BADGE_NAMES = Object.keys(BADGES) as Badge[];
const PHOTO_SIZES: [number, number][] = [[1080, 1350], [1080, 1080], [1920, 1080], [1440, 1920], [1280, 960]];
const MEDIA_HOST = "https://media.socialpulse.example";

function cumulative(ws: number[]): Float64Array<ArrayBuffer> {
  const out = new Float64Array(ws.length);
  let sum = 0;
  ws.forEach((w, i) => (out[i] = sum += w));
  return out;
}
const ACTION_CUM = cumulative(ACTIONS.map((a) => ACTION_WEIGHTS[a]));

/** `SS.mmmZ` for every millisecond of a minute. */
const TIME_SUFFIX: string[] = Array.from(
  { length: MINUTE },
  (_, ms) => `${String(Math.floor(ms / 1000)).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}Z`,
);

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** An amount worth about `usd` dollars in `currency`, rounded to `step` units of that currency. */
function money(usd: number, currency: string, step = 0.01): number {
  const units = usd * (FX_PER_USD[currency] ?? 1);
  return round2(Math.max(step, Math.round(units / step) * step));
}

function removeValue(xs: number[], v: number): boolean {
  const i = xs.indexOf(v);
  if (i < 0) return false;
  xs[i] = xs[xs.length - 1]!;
  xs.pop();
  return true;
}

/** Runs minutes of a world. Construct from a {@link WorldState}; {@link toState} gives it back for a snapshot. */
export class Simulation {
  readonly state: WorldState;
  readonly #pools: Pools;
  readonly #pubs = new Map<number, PubRec>();
  readonly #shares = new Map<number, ShareRec>();
  readonly #complaints = new Map<number, ComplaintRec>();
  readonly #subscriptions = new Map<number, SubscriptionRec>();
  readonly #schedule = new Map<number, Task[]>();
  readonly #follows = new Set<number>();
  readonly #friends = new Set<number>();
  readonly #close = new Set<number>();
  readonly #blocks: Set<number>;
  readonly #mutes: Set<number>;
  readonly #members = new Set<number>();
  readonly #subKeys = new Set<number>();
  readonly #friendships: Map<number, string>;
  readonly #memberSince: Map<number, number>;
  readonly #tickets: [number[], number[]] = [[], []];
  readonly #creators: number[] = [];
  readonly #staff: number[] = [];
  #trendingCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  #communityCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  #leaveCum: Float64Array<ArrayBuffer> = new Float64Array(0);
  #appealNow: number[] = [];
  #activeAds: AdRec[] = [];
  #localeWeight0 = 0.5;
  /** The minute generated last by this object (-1: none yet, so the first minute collects any overdue tasks). */
  #lastRun = -1;
  /** Serials of active subscriptions, for cancellations. */
  readonly #subList: number[] = [];

  // The minute being generated.
  #rng = new Rng(0);
  #minute = 0;
  #t0 = 0;
  #prefix = "";
  #cursor = 0;
  #out: Rec[] = [];
  #touched = new Set<number>();

  constructor(state: WorldState) {
    this.state = state;
    this.#pools = pools();
    for (const p of state.pubs) this.#pubs.set(p.s, p);
    for (const s of state.shares) this.#shares.set(s.s, s);
    for (const c of state.complaints) this.#complaints.set(c.s, c);
    for (const s of state.subscriptions) {
      this.#subscriptions.set(s.s, s);
      this.#subKeys.add(pairKey(s.subscriber, s.creator));
      this.#subList.push(s.s);
    }
    for (const [m, tasks] of state.schedule) this.#schedule.set(m, tasks);
    this.#blocks = new Set(state.blocks);
    this.#mutes = new Set(state.mutes);
    this.#friendships = new Map(state.friendships);
    this.#memberSince = new Map(state.memberSince);
    state.users.forEach((u, i) => {
      this.#index(u, i);
      for (const f of u.following) this.#follows.add(pairKey(i, f));
      for (const f of u.friends) this.#friends.add(undirectedKey(i, f));
      for (const f of u.closeFriends) this.#close.add(pairKey(i, f));
      for (const c of u.communities) this.#members.add(pairKey(c, i));
    });
    this.#computeTrendingWeights(state.clockMinute * MINUTE);
  }

  /** The world as plain JSON-able state (shares arrays with the simulation: snapshot it before continuing). */
  toState(): WorldState {
    const s = this.state;
    s.pubs = [...this.#pubs.values()];
    s.shares = [...this.#shares.values()];
    s.complaints = [...this.#complaints.values()];
    s.subscriptions = [...this.#subscriptions.values()];
    s.schedule = [...this.#schedule.entries()];
    s.blocks = [...this.#blocks];
    s.mutes = [...this.#mutes];
    s.friendships = [...this.#friendships.entries()];
    s.memberSince = [...this.#memberSince.entries()];
    return s;
  }

  /** Number of live publications (for tests and logs). */
  get livePublications(): number {
    return this.#pubs.size;
  }

  /** Jump the clock forward to `minute` without generating (a gap: nothing happened in between). */
  skipTo(minute: number) {
    if (minute > this.state.clockMinute) this.state.clockMinute = minute;
  }

  /**
   * Generate the events of one minute (epoch minute index), in time order, at `rate` mean events per minute.
   * Actions scheduled in skipped minutes (after {@link skipTo}) happen at the start of this one.
   */
  runMinute(minute: number, rate: number): Rec[] {
    const s = this.state;
    if (minute < s.clockMinute) {
      throw new Error(`minute ${minute} is before the world clock ${s.clockMinute}: the world only moves forward`);
    }
    this.#begin(minute);
    const rng = this.#rng;
    const t0 = this.#t0;

    const tasks: Task[] = [];
    // After a gap, actions scheduled in the skipped minutes happen now; otherwise only this minute's are due.
    const dueMinutes = minute === this.#lastRun + 1
      ? [minute]
      : [...this.#schedule.keys()].filter((k) => k <= minute).sort((a, b) => a - b);
    for (const m of dueMinutes) {
      const due = this.#schedule.get(m);
      if (!due) continue;
      tasks.push(...due);
      this.#schedule.delete(m);
    }
    this.#lastRun = minute;
    const scheduled = tasks.length;

    const nUsers = s.users.length;
    const launchUsers = PARAMS.launchUsersPerKiloRate * s.scale;
    const age = minute - s.genesisMinute;
    const tau = PARAMS.launchTauMinutes;
    const launchRate = (launchUsers / tau) * Math.exp(-age / tau);
    const organicRate = (nUsers * PARAMS.organicGrowthPerDay / 1440) * activity(t0);
    const signups = rng.poisson(launchRate + organicRate);
    for (let i = 0; i < signups; i++) tasks.push([t0 + rng.int(MINUTE), 10]);

    const perMinute = s.scale / 1440;
    const lowAdvertisers = s.advertisers.length < 4 + 6 * s.scale;
    const advertisers = rng.poisson(PARAMS.advertisersPerDay * perMinute + (lowAdvertisers ? 0.2 : 0));
    for (let i = 0; i < advertisers; i++) tasks.push([t0 + rng.int(MINUTE), 11]);
    const lowAds = this.#activeAds.length < 10 + 20 * s.scale;
    const campaigns = rng.poisson(PARAMS.campaignsPerDay * perMinute + (lowAds ? 0.3 : 0));
    for (let i = 0; i < campaigns; i++) tasks.push([t0 + rng.int(MINUTE), 12]);
    const sponsorships = rng.poisson(PARAMS.sponsorshipsPerDay * perMinute);
    for (let i = 0; i < sponsorships; i++) tasks.push([t0 + rng.int(MINUTE), 13]);

    const budget = rng.poisson(rate * activity(t0 + MINUTE / 2));
    const fixed = scheduled + signups * 9 + advertisers * 4 + campaigns * 3 + sponsorships;
    const regular = Math.max(0, Math.round((budget - fixed) / s.eventsPerAction));

    const agenda = new Float64Array(tasks.length + regular);
    for (let i = 0; i < tasks.length; i++) {
      agenda[i] = Math.max(0, (tasks[i]![0] as number) - t0) * AGENDA_SHIFT + i;
    }
    for (let j = 0; j < regular; j++) agenda[tasks.length + j] = rng.int(MINUTE) * AGENDA_SHIFT + tasks.length + j;
    agenda.sort();

    let regularEvents = 0;
    for (const a of agenda) {
      const t = Math.floor(a / AGENDA_SHIFT);
      const idx = a - t * AGENDA_SHIFT;
      if (t > this.#cursor) this.#cursor = t;
      if (idx < tasks.length) {
        this.#runTask(tasks[idx]!);
      } else {
        const before = this.#out.length;
        this.#regularAction();
        regularEvents += this.#out.length - before;
      }
    }
    if (regular > 0) s.eventsPerAction = 0.95 * s.eventsPerAction + 0.05 * Math.max(1, regularEvents / regular);

    this.#end(minute);
    return this.#out;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Minute bookkeeping

  #begin(minute: number) {
    const s = this.state;
    this.#rng = new Rng(s.seed, s.genesisMinute, minute);
    this.#minute = minute;
    this.#t0 = minute * MINUTE;
    this.#prefix = new Date(this.#t0).toISOString().slice(0, 17);
    this.#cursor = 0;
    this.#out = [];
    this.#touched = new Set();
    const w0 = LOCALE_SHARE[0] * localeActivity(this.#t0, 0);
    const w1 = LOCALE_SHARE[1] * localeActivity(this.#t0, 1);
    this.#localeWeight0 = w0 / (w0 + w1);
    this.#activeAds = s.ads.filter((ad) => {
      const c = s.campaigns[ad.campaign]!;
      return c.startMs <= this.#t0 && this.#t0 < c.endMs;
    });
    this.#appealNow = s.communities.map((c) =>
      c.appeal * Math.exp(c.trend * Math.min(60, (this.#t0 - c.createdMs) / DAY) / 14)
    );
    this.#communityCum = cumulative(
      s.communities.map((c, i) => this.#appealNow[i]! * Math.sqrt(c.members.length + 3)),
    );
    // Members leave communities that lost their appeal: per member, the chance goes with 1 / appeal^2.
    this.#leaveCum = cumulative(s.communities.map((c, i) => (c.members.length - 1) / this.#appealNow[i]! ** 2));
  }

  #end(minute: number) {
    const s = this.state;
    const tEnd = this.#t0 + MINUTE;
    while (s.fresh.length > 0) {
      const p = this.#pubs.get(s.fresh[0]!);
      if (p && p.createdMs >= tEnd - HOUR) break;
      s.fresh.shift();
    }
    const candidates = new Set([...s.trending, ...this.#touched]);
    const tau = PARAMS.trendingTauMinutes * MINUTE;
    const scored: [number, number][] = [];
    for (const serial of candidates) {
      const p = this.#pubs.get(serial);
      if (!p || !p.isPublic || (p.expiresMs > 0 && p.expiresMs <= tEnd)) continue;
      const score = p.vel * Math.exp((p.velMs - tEnd) / tau) * p.q;
      if (score >= 0.2) scored.push([serial, score]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    s.trending = scored.slice(0, PARAMS.trendingSize).map((x) => x[0]);
    this.#computeTrendingWeights(tEnd);
    if (minute % 60 === 0) this.#prune(tEnd);
    s.clockMinute = minute + 1;
  }

  #computeTrendingWeights(at: number) {
    const tau = PARAMS.trendingTauMinutes * MINUTE;
    const ws = this.state.trending.map((serial) => {
      const p = this.#pubs.get(serial);
      return p ? Math.max(1e-9, p.vel * Math.exp((p.velMs - at) / tau) * p.q) : 1e-9;
    });
    this.#trendingCum = cumulative(ws);
  }

  /** Drop publications and shares that left the feeds, and ads of ended campaigns. */
  #prune(now: number) {
    const s = this.state;
    const cutoff = now - PARAMS.feedHours * HOUR;
    for (const [serial, p] of this.#pubs) {
      if (p.createdMs >= cutoff) break;
      this.#pubs.delete(serial);
    }
    for (const [serial, sh] of this.#shares) {
      if (sh.ms >= cutoff) break;
      this.#shares.delete(serial);
    }
    s.ads = s.ads.filter((ad) => s.campaigns[ad.campaign]!.endMs > now);
  }

  #index(u: UserRec, i: number) {
    for (let k = 0; k < u.tickets; k++) this.#tickets[u.locale].push(i);
    for (let k = 0; k < u.fitness; k++) this.#creators.push(i);
    if (u.staff) this.#staff.push(i);
  }

  #now(): number {
    return this.#t0 + this.#cursor;
  }

  /** Schedule a task; one due within the minute being generated happens at the start of the next one. */
  #at(ms: number, task: Task) {
    const m = Math.max(Math.floor(ms / MINUTE), this.#minute + 1);
    const list = this.#schedule.get(m);
    if (list) list.push(task);
    else this.#schedule.set(m, [task]);
  }

  /** Emit one event at the cursor and advance the cursor by a few milliseconds. */
  #emit<T extends EventType>(type: T, actor: number, payload: PayloadOf<T>): Rec {
    const c = this.#cursor;
    const ev = {
      event_id: this.#rng.uuid(),
      event_type: type,
      schema_version: SCHEMA_VERSION,
      occurred_at: this.#prefix + TIME_SUFFIX[c],
      actor_user_id: actor < 0 ? null : this.state.users[actor]!.id,
      payload,
    } as Event;
    const rec: Rec = { ev, line: JSON.stringify(ev), type, ms: this.#t0 + c };
    this.#out.push(rec);
    this.#cursor = Math.min(MINUTE - 1, c + 1 + (this.#rng.u32() & 7));
    return rec;
  }

  #iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  #runTask(task: Task) {
    switch (task[1]) {
      case 1:
        return this.#endSession(task[2] as number);
      case 2:
        return this.#acceptFriendship(task[2] as number, task[3] as number, task[4] as string);
      case 3:
        return this.#resolveComplaint(task[2] as number);
      case 4:
        return this.#chargeSubscription(task[2] as number);
      case 10:
        return void this.#signup();
      case 11:
        return this.#registerAdvertiser();
      case 12:
        return this.#createCampaign(this.#rng.int(this.state.advertisers.length));
      case 13:
        return this.#sponsor();
    }
  }

  #regularAction() {
    const action = ACTIONS[this.#rng.weighted(ACTION_CUM)]!;
    if (this.#act(action)) return;
    if (!this.#view()) this.#publish();
  }

  #act(action: Action): boolean {
    switch (action) {
      case "view":
        return this.#view();
      case "session":
        return this.#sessionAction();
      case "publish":
        return this.#publish();
      case "follow":
        return this.#followAction();
      case "unfollow":
        return this.#unfollow();
      case "friendRequest":
        return this.#friendRequest();
      case "friendshipEnd":
        return this.#endFriendship();
      case "closeFriendAdd":
        return this.#addCloseFriend();
      case "closeFriendRemove":
        return this.#removeCloseFriend();
      case "block":
        return this.#block();
      case "mute":
        return this.#mute();
      case "subscribe":
        return this.#subscribe();
      case "unsubscribe":
        return this.#unsubscribe();
      case "donate":
        return this.#donate(this.#actor(), -1);
      case "communityCreate":
        return this.#createCommunity();
      case "communityJoin":
        return this.#joinCommunity(this.#actor(), -1);
      case "communityLeave":
        return this.#leaveCommunity();
      case "moderatorAdd":
        return this.#addModerator();
      case "pin":
        return this.#pin();
      case "deletePublication":
        return this.#deleteOwnPublication();
      case "profileUpdate":
        return this.#updateProfile();
      case "settingsChange":
        return this.#changeSettings();
      case "privacyChange":
        return this.#changePrivacy();
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Users and sessions

  /** A user who acts now: a random online user, or a new session when nobody is online. */
  #actor(): number {
    const online = this.state.online;
    if (online.length > 0) return online[this.#rng.int(online.length)]!;
    return this.#sessionStart();
  }

  #sessionAction(): boolean {
    return this.#sessionStart() >= 0;
  }

  /** Start a session for a user drawn by activity level (and by locale, by local time of day). */
  #sessionStart(): number {
    const rng = this.#rng;
    const now = this.#now();
    let locale: LocaleIndex = rng.float() < this.#localeWeight0 ? 0 : 1;
    if (this.#tickets[locale].length === 0) locale = locale === 0 ? 1 : 0;
    const tickets = this.#tickets[locale];
    if (tickets.length === 0) return -1;
    for (let tries = 0; tries < 8; tries++) {
      const u = tickets[rng.int(tickets.length)]!;
      const user = this.state.users[u]!;
      if (user.onlinePos >= 0 || user.dormantMs < now) continue;
      this.#goOnline(u);
      return u;
    }
    return -1;
  }

  #goOnline(u: number) {
    const rng = this.#rng;
    const user = this.state.users[u]!;
    const now = this.#now();
    user.session = rng.uuid();
    user.sessionMs = now;
    user.sessionDevice = rng.chance(0.8) ? user.device : rng.weighted(DEVICE_CUM);
    user.onlinePos = this.state.online.length;
    this.state.online.push(u);
    this.#emit("user.status_changed", u, {
      user_id: user.id,
      session_id: user.session,
      status: "online",
      device: DEVICES[user.sessionDevice]!,
      session_duration_s: null,
    });
    const minutes = Math.min(
      240,
      Math.max(0.5, rng.lognormal(Math.log(PARAMS.sessionMedianMinutes), PARAMS.sessionSigma)),
    );
    this.#at(now + Math.round(minutes * MINUTE), [now + Math.round(minutes * MINUTE), 1, u]);
  }

  #endSession(u: number) {
    const s = this.state;
    const user = s.users[u]!;
    if (user.onlinePos < 0 || user.session === null) return;
    this.#emit("user.status_changed", u, {
      user_id: user.id,
      session_id: user.session,
      status: "offline",
      device: DEVICES[user.sessionDevice]!,
      session_duration_s: Math.round((this.#now() - user.sessionMs) / 1000),
    });
    const last = s.online.pop()!;
    if (last !== u) {
      s.online[user.onlinePos] = last;
      s.users[last]!.onlinePos = user.onlinePos;
    }
    user.onlinePos = -1;
    user.session = null;
  }

  #award(u: number, badge: Badge) {
    const bit = 1 << BADGE_NAMES.indexOf(badge);
    const user = this.state.users[u]!;
    if (user.badges & bit) return;
    user.badges |= bit;
    this.#emit("user.badge_awarded", -1, {
      user_id: user.id,
      award_id: this.#rng.uuid(),
      badge,
      rule: BADGES[badge],
    });
  }

  #signup(): number {
    const s = this.state;
    const rng = this.#rng;
    const P = this.#pools;
    const now = this.#now();
    const u = s.users.length;
    const locale: LocaleIndex = rng.float() < LOCALE_SHARE[0] ? 0 : 1;
    const person = rng.pick(P.people[locale]);
    const cityIdx = rng.weighted(P.cityCumulative[locale]);
    const city = P.cities[locale][cityIdx]!;
    const bucket = AGE_BUCKETS[rng.weighted(AGE_CUM)]!;
    const years = rng.range(bucket[0], bucket[1]) + 0.02 + rng.float() * 0.96;
    const birthDate = this.#iso(now - years * 365.2425 * DAY).slice(0, 10);
    const interests = Array.from({ length: 1 + rng.int(4) }, () => rng.int(TOPICS.length));
    const sourceRoll = rng.float();
    const referrer = sourceRoll < 0.2 && s.online.length > 0 ? s.online[rng.int(s.online.length)]! : -1;
    const fitness = rng.chance(PARAMS.creatorShare) ? Math.min(300, Math.floor(rng.pareto(2, 1.1))) : 0;
    const user: UserRec = {
      id: rng.uuid(),
      locale,
      displayName: `${person.first} ${person.last}`,
      city: cityIdx,
      country: city.country,
      bio: rng.chance(0.5) ? rng.pick(P.bios[locale]) : null,
      website: null,
      avatar: null,
      currency: COUNTRY_CURRENCY[city.country] ?? "USD",
      device: rng.weighted(DEVICE_CUM),
      signupMs: now,
      dormantMs: now + rng.exp(PARAMS.meanLifetimeDays * DAY),
      tickets: Math.min(40, Math.floor(rng.pareto(1, 1.25))),
      fitness,
      staff: u % 500 === 7,
      interests: [...new Set(interests)],
      following: [],
      followers: 0,
      friends: [],
      closeFriends: [],
      communities: [],
      feed: [],
      subs: [],
      session: null,
      sessionMs: 0,
      sessionDevice: 0,
      onlinePos: -1,
      badges: 0,
      pubs: 0,
      comments: 0,
      lastViewed: -1,
      settings: [locale, rng.int(3), rng.chance(0.6) ? 1 : 0, rng.chance(0.85) ? 1 : 0, rng.chance(0.7) ? 1 : 0],
      privacy: [rng.weighted([0.7, 0.9, 1]), rng.weighted([0.6, 0.95, 1]), rng.chance(0.8) ? 1 : 0, 1],
    };
    s.users.push(user);
    this.#index(user, u);
    const handle = person.handle;
    this.#emit("user.signed_up", u, {
      user_id: user.id,
      username: `${handle}.${u.toString(36)}`,
      display_name: user.displayName,
      email: `${handle}${rng.int(100)}@${rng.pick(P.emailDomains[locale])}`,
      birth_date: birthDate,
      gender: rng.chance(0.04) ? "undisclosed" : person.gender,
      locale: LOCALES[locale],
      country: user.country,
      city: city.name,
      timezone: city.timezone,
      signup_source: referrer >= 0 ? "invite" : sourceRoll < 0.75 ? "organic" : sourceRoll < 0.9 ? "ad" : "search",
      referrer_user_id: referrer >= 0 ? s.users[referrer]!.id : null,
      interests: user.interests.map((t) => TOPICS[t]!),
      settings: this.#settingsOf(user),
      privacy: this.#privacyOf(user),
    });
    this.#goOnline(u);
    if (u < 1000) this.#award(u, "early_adopter");
    const follows = 2 + rng.poisson(5);
    for (let i = 0; i < follows; i++) this.#follow(u, "onboarding");
    if (referrer >= 0) this.#requestFriendship(u, referrer, 0.9);
    return u;
  }

  #settingsOf(user: UserRec): PayloadOf<"user.settings_changed">["settings"] {
    const st = user.settings;
    return {
      language: LOCALES[st[0]! as LocaleIndex],
      theme: (["light", "dark", "system"] as const)[st[1]!]!,
      notifications_email: st[2] === 1,
      notifications_push: st[3] === 1,
      autoplay_videos: st[4] === 1,
    };
  }

  #privacyOf(user: UserRec): PayloadOf<"user.privacy_changed">["privacy"] {
    const pr = user.privacy;
    return {
      profile_visibility: (["public", "friends", "private"] as const)[pr[0]!]!,
      who_can_message: (["everyone", "friends", "nobody"] as const)[pr[1]!]!,
      show_online_status: pr[2] === 1,
      searchable: pr[3] === 1,
    };
  }

  #updateProfile(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const rng = this.#rng;
    const user = this.state.users[u]!;
    const P = this.#pools;
    const roll = rng.float();
    if (roll < 0.5) user.bio = rng.pick(P.bios[user.locale]);
    else if (roll < 0.65) {
      user.city = rng.weighted(P.cityCumulative[user.locale]);
      user.country = P.cities[user.locale][user.city]!.country;
    } else if (roll < 0.8) user.website = `https://${rng.pick(["blog", "site", "me"])}.example.com/${u.toString(36)}`;
    else if (roll < 0.9) user.displayName = `${user.displayName.split(" ")[0]} ${rng.pick(P.people[user.locale]).last}`;
    else user.avatar = this.#uploadMedia(u, "photo", null, 0).media_id;
    this.#emit("user.profile_updated", u, {
      user_id: user.id,
      display_name: user.displayName,
      bio: user.bio,
      city: P.cities[user.locale][user.city]!.name,
      country: user.country,
      website: user.website,
      avatar_media_id: user.avatar,
    });
    return true;
  }

  #changeSettings(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const user = this.state.users[u]!;
    const k = this.#rng.int(5);
    const st = user.settings;
    st[k] = k === 1 ? (st[1]! + 1) % 3 : 1 - st[k]!;
    this.#emit("user.settings_changed", u, { user_id: user.id, settings: this.#settingsOf(user) });
    return true;
  }

  #changePrivacy(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const user = this.state.users[u]!;
    const k = this.#rng.int(4);
    const pr = user.privacy;
    pr[k] = k < 2 ? (pr[k]! + 1) % 3 : 1 - pr[k]!;
    this.#emit("user.privacy_changed", u, { user_id: user.id, privacy: this.#privacyOf(user) });
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Social graph

  /** A user to follow: preferential attachment, creators, friends-of-followees, or anyone. */
  #followTarget(u: number): [number, PayloadOf<"follow.created">["source"]] {
    const rng = this.#rng;
    const s = this.state;
    const user = s.users[u]!;
    for (let tries = 0; tries < 4; tries++) {
      const r = rng.float();
      let t: number;
      let source: PayloadOf<"follow.created">["source"] = "suggestion";
      if (r < 0.45 && s.followTargets.length > 0) t = rng.pick(s.followTargets);
      else if (r < 0.7 && this.#creators.length > 0) t = rng.pick(this.#creators);
      else if (r < 0.9 && user.following.length > 0) {
        const via = s.users[rng.pick(user.following)]!.following;
        if (via.length === 0) continue;
        t = rng.pick(via);
        source = "profile";
      } else {
        t = rng.int(s.users.length);
        source = "search";
      }
      if (t === u || this.#follows.has(pairKey(u, t)) || this.#blocks.has(pairKey(t, u))) continue;
      return [t, source];
    }
    return [-1, "search"];
  }

  #follow(u: number, source?: PayloadOf<"follow.created">["source"], target = -1): boolean {
    let t = target;
    let src = source ?? "suggestion";
    if (t < 0) {
      const [picked, how] = this.#followTarget(u);
      t = picked;
      src = source ?? how;
    }
    if (t < 0 || t === u || this.#follows.has(pairKey(u, t))) return false;
    const s = this.state;
    const follower = s.users[u]!, followee = s.users[t]!;
    this.#emit("follow.created", u, { follower_user_id: follower.id, followee_user_id: followee.id, source: src });
    follower.following.push(t);
    followee.followers++;
    s.followTargets.push(t);
    this.#follows.add(pairKey(u, t));
    if (followee.followers === 100) this.#award(t, "rising_star");
    if (followee.followers === 1000) this.#award(t, "influencer");
    return true;
  }

  #followAction(): boolean {
    const u = this.#actor();
    return u >= 0 && this.#follow(u);
  }

  #removeFollow(u: number, t: number) {
    const s = this.state;
    const follower = s.users[u]!, followee = s.users[t]!;
    removeValue(follower.following, t);
    followee.followers--;
    this.#follows.delete(pairKey(u, t));
    this.#emit("follow.removed", u, { follower_user_id: follower.id, followee_user_id: followee.id });
  }

  #unfollow(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const following = this.state.users[u]!.following;
    if (following.length === 0) return false;
    this.#removeFollow(u, this.#rng.pick(following));
    return true;
  }

  #requestFriendship(u: number, t: number, acceptP: number): boolean {
    if (t === u || this.#friends.has(undirectedKey(u, t))) return false;
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    let mutual = 0;
    for (let i = 0; i < user.friends.length && i < 300; i++) {
      if (this.#friends.has(undirectedKey(user.friends[i]!, t))) mutual++;
    }
    const requestId = rng.uuid();
    this.#emit("friendship.requested", u, {
      request_id: requestId,
      requester_user_id: user.id,
      addressee_user_id: s.users[t]!.id,
      mutual_friends: mutual,
    });
    if (rng.chance(acceptP)) {
      const at = this.#now() + MINUTE + Math.round(rng.exp(PARAMS.acceptMeanMinutes * MINUTE));
      this.#at(at, [at, 2, u, t, requestId]);
    }
    return true;
  }

  /** Triadic closure: most requests go to friends of friends. */
  #friendRequest(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const rng = this.#rng;
    const s = this.state;
    const user = s.users[u]!;
    let t = -1;
    if (user.friends.length > 0 && rng.chance(0.7)) {
      const fof = s.users[rng.pick(user.friends)]!.friends;
      if (fof.length > 0) t = rng.pick(fof);
    }
    if (t < 0 || t === u) {
      t = user.following.length > 0 && rng.chance(0.6) ? rng.pick(user.following) : rng.pick(s.online);
    }
    return this.#requestFriendship(u, t, PARAMS.acceptProbability);
  }

  #acceptFriendship(requester: number, addressee: number, requestId: string) {
    const key = undirectedKey(requester, addressee);
    if (this.#friends.has(key)) return;
    const s = this.state;
    const friendshipId = this.#rng.uuid();
    this.#emit("friendship.accepted", addressee, {
      request_id: requestId,
      friendship_id: friendshipId,
      requester_user_id: s.users[requester]!.id,
      addressee_user_id: s.users[addressee]!.id,
    });
    this.#friends.add(key);
    this.#friendships.set(key, friendshipId);
    s.users[requester]!.friends.push(addressee);
    s.users[addressee]!.friends.push(requester);
  }

  #endFriendship(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const user = s.users[u]!;
    if (user.friends.length === 0) return false;
    const f = this.#rng.pick(user.friends);
    const friend = s.users[f]!;
    if (this.#close.has(pairKey(u, f))) this.#dropCloseFriend(u, f);
    if (this.#close.has(pairKey(f, u))) this.#dropCloseFriend(f, u);
    const key = undirectedKey(u, f);
    this.#emit("friendship.ended", u, {
      friendship_id: this.#friendships.get(key) ?? this.#rng.uuid(),
      user_id: user.id,
      friend_user_id: friend.id,
    });
    this.#friends.delete(key);
    this.#friendships.delete(key);
    removeValue(user.friends, f);
    removeValue(friend.friends, u);
    return true;
  }

  #addCloseFriend(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const user = s.users[u]!;
    if (user.friends.length === 0) return false;
    for (let tries = 0; tries < 4; tries++) {
      const f = this.#rng.pick(user.friends);
      if (this.#close.has(pairKey(u, f))) continue;
      this.#emit("close_friend.added", u, { user_id: user.id, friend_user_id: s.users[f]!.id });
      user.closeFriends.push(f);
      this.#close.add(pairKey(u, f));
      return true;
    }
    return false;
  }

  #dropCloseFriend(u: number, f: number) {
    const s = this.state;
    this.#emit("close_friend.removed", u, { user_id: s.users[u]!.id, friend_user_id: s.users[f]!.id });
    removeValue(s.users[u]!.closeFriends, f);
    this.#close.delete(pairKey(u, f));
  }

  #removeCloseFriend(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const close = this.state.users[u]!.closeFriends;
    if (close.length === 0) return false;
    this.#dropCloseFriend(u, this.#rng.pick(close));
    return true;
  }

  #block(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    const fromFollowing = user.following.length > 0 && rng.chance(0.5);
    const t = fromFollowing ? rng.pick(user.following) : rng.int(s.users.length);
    if (t === u || this.#blocks.has(pairKey(u, t))) return false;
    if (this.#follows.has(pairKey(u, t))) this.#removeFollow(u, t);
    this.#emit("block.created", u, { user_id: user.id, blocked_user_id: s.users[t]!.id });
    this.#blocks.add(pairKey(u, t));
    return true;
  }

  #mute(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    const t = user.following.length > 0 && rng.chance(0.8) ? rng.pick(user.following) : rng.int(s.users.length);
    if (t === u || this.#mutes.has(pairKey(u, t))) return false;
    this.#emit("mute.created", u, {
      user_id: user.id,
      muted_user_id: s.users[t]!.id,
      duration_days: rng.chance(0.5) ? null : rng.pick([1, 7, 30, 90]),
    });
    this.#mutes.add(pairKey(u, t));
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Money between users

  /** A creator for `u`: one they follow if any, else one drawn by appeal. */
  #creatorFor(u: number): number {
    const s = this.state;
    const rng = this.#rng;
    const following = s.users[u]!.following;
    for (let tries = 0; tries < 5 && following.length > 0; tries++) {
      const f = rng.pick(following);
      if (s.users[f]!.fitness > 0) return f;
    }
    return this.#creators.length > 0 ? rng.pick(this.#creators) : -1;
  }

  #subscribe(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const c = this.#creatorFor(u);
    if (c < 0 || c === u || this.#subKeys.has(pairKey(u, c))) return false;
    const s = this.state;
    const rng = this.#rng;
    const creator = s.users[c]!;
    const tier = rng.weighted([0.6, 0.9, 1]);
    const sub: SubscriptionRec = {
      s: s.serials.subscription++,
      id: rng.uuid(),
      subscriber: u,
      creator: c,
      amount: TIER_PRICES[creator.currency]![tier]!,
      currency: creator.currency,
      active: true,
    };
    this.#subscriptions.set(sub.s, sub);
    this.#subList.push(sub.s);
    this.#subKeys.add(pairKey(u, c));
    s.users[u]!.subs.push(sub.s);
    this.#emit("subscription.started", u, {
      subscription_id: sub.id,
      subscriber_user_id: s.users[u]!.id,
      creator_user_id: creator.id,
      tier: TIERS[tier]!,
      amount: sub.amount,
      currency: sub.currency,
    });
    this.#chargeSubscription(sub.s);
    this.#award(u, "supporter");
    return true;
  }

  /** Charge a month of a subscription and schedule the next charge. */
  #chargeSubscription(serial: number) {
    const sub = this.#subscriptions.get(serial);
    if (!sub || !sub.active) return;
    const s = this.state;
    const now = this.#now();
    const end = now + 30 * DAY;
    this.#emit("subscription.charged", sub.subscriber, {
      payment_id: this.#rng.uuid(),
      subscription_id: sub.id,
      subscriber_user_id: s.users[sub.subscriber]!.id,
      creator_user_id: s.users[sub.creator]!.id,
      amount: sub.amount,
      currency: sub.currency,
      period_start: this.#iso(now),
      period_end: this.#iso(end),
    });
    this.#at(end, [end, 4, serial]);
  }

  /** A subscriber cancels: about 1 in 1000 active subscriptions (per 1000 events/minute of scale) per action. */
  #unsubscribe(): boolean {
    const s = this.state;
    const rng = this.#rng;
    const n = this.#subList.length;
    if (n === 0 || !rng.chance(Math.min(1, n / (1000 * s.scale)))) return false;
    const serial = this.#subList[rng.int(n)]!;
    const sub = this.#subscriptions.get(serial)!;
    const user = s.users[sub.subscriber]!;
    this.#emit("subscription.cancelled", sub.subscriber, {
      subscription_id: sub.id,
      subscriber_user_id: user.id,
      creator_user_id: s.users[sub.creator]!.id,
      reason: (["too_expensive", "lost_interest", "creator_inactive", "other"] as const)[
        rng.weighted([0.35, 0.75, 0.9, 1])
      ]!,
    });
    sub.active = false;
    this.#subscriptions.delete(serial);
    this.#subList.splice(this.#subList.indexOf(serial), 1);
    this.#subKeys.delete(pairKey(sub.subscriber, sub.creator));
    removeValue(user.subs, serial);
    return true;
  }

  #donate(u: number, pubSerial: number): boolean {
    if (u < 0) return false;
    const s = this.state;
    const rng = this.#rng;
    const pub = pubSerial >= 0 ? this.#pubs.get(pubSerial) : undefined;
    const r = pub ? pub.author : this.#creatorFor(u);
    if (r < 0 || r === u) return false;
    const donor = s.users[u]!;
    const step = donor.currency === "RUB" ? 10 : donor.currency === "KZT" ? 100 : rng.chance(0.7) ? 1 : 0.01;
    this.#emit("donation.made", u, {
      donation_id: rng.uuid(),
      donor_user_id: donor.id,
      recipient_user_id: s.users[r]!.id,
      publication_id: pub ? pub.id : null,
      amount: money(Math.min(500, rng.lognormal(Math.log(4), 0.9)), donor.currency, step),
      currency: donor.currency,
      message: rng.chance(0.3) ? rng.pick(this.#pools.donationMessages[donor.locale]) : null,
    });
    this.#award(u, "supporter");
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Content

  #uploadMedia(
    u: number,
    type: "photo" | "video",
    albumId: string | null,
    durationS: number,
  ): PayloadOf<"media.uploaded"> {
    const rng = this.#rng;
    const id = rng.uuid();
    const [w, h] = type === "photo" ? rng.pick(PHOTO_SIZES) : rng.chance(0.7) ? [1080, 1920] : [1920, 1080];
    const payload: PayloadOf<"media.uploaded"> = {
      media_id: id,
      owner_user_id: this.state.users[u]!.id,
      media_type: type,
      mime_type: type === "photo" ? (rng.chance(0.8) ? "image/jpeg" : "image/webp") : "video/mp4",
      width: w,
      height: h,
      size_bytes: type === "photo"
        ? Math.round(rng.lognormal(Math.log(1_800_000), 0.5))
        : Math.round(durationS * rng.lognormal(Math.log(600_000), 0.4)),
      duration_s: type === "video" ? durationS : null,
      album_id: albumId,
      url: `${MEDIA_HOST}/${id}.${type === "photo" ? "jpg" : "mp4"}`,
      thumbnail: {
        thumbnail_id: rng.uuid(),
        width: 320,
        height: Math.min(1000, Math.round(320 * h / w)),
        url: `${MEDIA_HOST}/thumbs/${id}.jpg`,
      },
    };
    this.#emit("media.uploaded", u, payload);
    return payload;
  }

  #publish(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const rng = this.#rng;
    const P = this.#pools;
    const now = this.#now();
    const user = s.users[u]!;
    const kind = user.fitness > 0 && rng.chance(0.25) ? 2 : rng.weighted(KIND_CUM);
    const community = kind !== 1 && user.communities.length > 0 && rng.chance(0.35) ? rng.pick(user.communities) : -1;
    const topic = community >= 0 ? s.communities[community]!.topic : rng.pick(user.interests);

    const attachments: PayloadOf<"publication.created">["attachments"] = [];
    let albumId: string | null = null;
    const attach = (m: PayloadOf<"media.uploaded">) =>
      attachments.push({
        attachment_id: rng.uuid(),
        media_id: m.media_id,
        media_type: m.media_type,
        position: attachments.length,
      });
    if (kind === 0) {
      const roll = rng.float();
      if (roll < 0.45) attach(this.#uploadMedia(u, "photo", null, 0));
      else if (roll < 0.55) {
        const n = 2 + rng.int(5);
        if (n >= 3) {
          albumId = rng.uuid();
          this.#emit("album.created", u, {
            album_id: albumId,
            owner_user_id: user.id,
            title: rng.pick(P.albumTitles[user.locale]),
          });
        }
        for (let i = 0; i < n; i++) attach(this.#uploadMedia(u, "photo", albumId, 0));
      } else if (roll < 0.65) {
        attach(this.#uploadMedia(u, "video", null, round2(Math.min(1800, Math.max(5, rng.lognormal(4.1, 0.8))))));
      }
    } else if (kind === 1) {
      if (rng.chance(0.7)) attach(this.#uploadMedia(u, "photo", null, 0));
      else attach(this.#uploadMedia(u, "video", null, round2(3 + rng.float() * 12)));
    } else {
      attach(this.#uploadMedia(u, "video", null, round2(Math.min(90, Math.max(3, rng.lognormal(3.1, 0.6))))));
    }

    const sentences = P.sentences[user.locale];
    let text: string | null = null;
    if (kind === 0 && (attachments.length === 0 || rng.chance(0.7))) {
      text = rng.pick(sentences);
      for (let n = rng.int(3); n > 0; n--) text += " " + rng.pick(sentences);
    } else if (kind === 2 && rng.chance(0.6)) text = rng.pick(sentences);
    else if (kind === 1 && rng.chance(0.3)) text = rng.pick(P.comments[user.locale]);
    const tags = P.hashtags[topic]!;
    const hashtags = text === null ? [] : Array.from({ length: rng.int(4) }, () => rng.pick(tags));
    if (text !== null && hashtags.length > 0) text += " " + hashtags.join(" ");

    const visRoll = rng.float();
    const visibility = kind === 2
      ? "public"
      : kind === 1
      ? (visRoll < 0.7 ? "public" : visRoll < 0.85 ? "close_friends" : "friends")
      : (visRoll < 0.85 ? "public" : visRoll < 0.92 ? "followers" : visRoll < 0.98 ? "friends" : "close_friends");
    const id = rng.uuid();
    const iso = this.#prefix + TIME_SUFFIX[this.#cursor];
    const expiresMs = kind === 1 ? this.#t0 + this.#cursor + PARAMS.storyHours * HOUR : 0;
    this.#emit("publication.created", u, {
      publication_id: id,
      author_user_id: user.id,
      kind: PUBLICATION_KINDS[kind]!,
      topic: TOPICS[topic]!,
      community_id: community >= 0 ? s.communities[community]!.id : null,
      text,
      language: LOCALES[user.locale],
      visibility,
      hashtags: [...new Set(hashtags)],
      attachments,
      album_id: albumId,
      expires_at: kind === 1 ? this.#iso(expiresMs) : null,
    });
    const pub: PubRec = {
      s: s.serials.pub++,
      id,
      author: u,
      kind,
      topic,
      community,
      createdMs: now,
      createdIso: iso,
      expiresMs,
      isPublic: visibility === "public",
      q: rng.lognormal(-0.25, 0.75) * (1 + 0.35 * Math.log1p(user.fitness)) * (kind === 2 ? 1.2 : 1),
      views: 0,
      vel: 0,
      velMs: now,
      commentIds: [],
      commentRoots: [],
      commentAuthors: [],
      shares: 0,
    };
    this.#pubs.set(pub.s, pub);
    this.#pushFeed(user, pub.s);
    if (pub.isPublic) s.fresh.push(pub.s);
    if (community >= 0) {
      const recent = s.communities[community]!.recent;
      recent.push(pub.s);
      if (recent.length > 12) recent.shift();
    }
    user.pubs++;
    if (user.pubs === 1) this.#award(u, "first_post");
    return true;
  }

  #pushFeed(user: UserRec, item: number) {
    user.feed.push(item);
    if (user.feed.length > 6) user.feed.shift();
  }

  /** A live publication from the feed of someone `user` follows (own post or a share), or undefined. */
  #fromFollowing(user: UserRec): [PubRec, ShareRec | undefined] | undefined {
    const rng = this.#rng;
    const now = this.#now();
    for (let tries = 0; tries < 3; tries++) {
      const feed = this.state.users[rng.pick(user.following)]!.feed;
      if (feed.length === 0) continue;
      const i = Math.max(0, feed.length - 1 - Math.floor(rng.exp(1.2)));
      const item = feed[i]!;
      const share = item < 0 ? this.#shares.get(-item - 1) : undefined;
      const pub = this.#pubs.get(item < 0 ? (share ? share.pub : -1) : item);
      if (!pub || (pub.expiresMs > 0 && pub.expiresMs <= now)) {
        feed.splice(i, 1);
        continue;
      }
      return [pub, share];
    }
    return undefined;
  }

  #view(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    const now = this.#now();
    let pub: PubRec | undefined;
    let share: ShareRec | undefined;
    let source: PayloadOf<"publication.viewed">["source"] = "explore";
    const r = rng.float();
    if (r < 0.5 && user.following.length > 0) {
      const found = this.#fromFollowing(user);
      if (found) {
        [pub, share] = found;
        source = share ? "share" : "following";
      }
    }
    if (!pub && r < 0.62 && user.communities.length > 0) {
      const recent = s.communities[rng.pick(user.communities)]!.recent;
      if (recent.length > 0) {
        pub = this.#pubs.get(rng.pick(recent));
        source = "community";
      }
    }
    if (!pub && r < 0.95 && s.trending.length > 0) {
      pub = this.#pubs.get(s.trending[rng.weighted(this.#trendingCum)]!);
      source = "explore";
    }
    if (!pub && s.fresh.length > 0) {
      pub = this.#pubs.get(rng.pick(s.fresh));
      source = "explore";
    }
    if (!pub || pub.author === u || (pub.expiresMs > 0 && pub.expiresMs <= now)) return false;

    const dwell = Math.min(3_600_000, Math.round(rng.lognormal(pub.kind === 2 ? 9.4 : 8.3, 0.8)));
    const rec = this.#emit("publication.viewed", u, {
      publication_id: pub.id,
      source,
      share_id: share ? share.id : null,
      dwell_ms: dwell,
    });
    pub.views++;
    pub.vel = pub.vel * Math.exp((pub.velMs - now) / (PARAMS.trendingTauMinutes * MINUTE)) + 1;
    pub.velMs = now;
    this.#touched.add(pub.s);
    user.lastViewed = pub.s;
    if (pub.views === 1000) {
      rec.reached1000 = { publication_id: pub.id, kind: PUBLICATION_KINDS[pub.kind]!, created_at: pub.createdIso };
      this.#award(pub.author, "viral");
    }

    const q = pub.q;
    if (rng.float() < Math.min(0.6, PARAMS.reactPerView * q)) this.#react(u, pub);
    if (rng.float() < Math.min(0.25, PARAMS.commentPerView * q)) this.#comment(u, pub);
    if (pub.kind !== 1 && rng.float() < Math.min(0.1, PARAMS.sharePerView * q * (pub.kind === 2 ? 1.6 : 1))) {
      this.#share(u, pub, share);
    }
    if (this.#activeAds.length > 0 && rng.float() < PARAMS.adPerView) this.#showAd(u, pub.kind);
    const author = s.users[pub.author]!;
    if (
      rng.float() < PARAMS.followAuthorPerView * (1 + Math.log1p(author.fitness)) &&
      !this.#follows.has(pairKey(u, pub.author))
    ) this.#follow(u, "feed", pub.author);
    if (
      pub.community >= 0 && rng.float() < PARAMS.joinFromPublication && !this.#members.has(pairKey(pub.community, u))
    ) this.#joinCommunity(u, pub.community);
    if (rng.float() < PARAMS.complaintPerView * (q < 0.5 ? 6 : 1)) this.#complain(u, pub);
    if (rng.float() < PARAMS.donationPerView * (author.fitness > 0 ? 4 : 1)) this.#donate(u, pub.s);
    return true;
  }

  #react(u: number, pub: PubRec) {
    const rng = this.#rng;
    const onComment = pub.commentIds.length > 0 && rng.chance(0.15);
    this.#emit("reaction.added", u, {
      reaction_id: rng.uuid(),
      target: onComment ? "comment" : "publication",
      publication_id: pub.id,
      comment_id: onComment ? rng.pick(pub.commentIds) : null,
      reaction: REACTION_TYPES[rng.weighted(REACTION_CUM)]!,
    });
  }

  #comment(u: number, pub: PubRec) {
    const rng = this.#rng;
    const user = this.state.users[u]!;
    const pool = this.#pools.comments[user.locale];
    const text = rng.chance(0.2) ? `${rng.pick(pool)} ${rng.pick(this.#pools.sentences[user.locale])}` : rng.pick(pool);
    const id = rng.uuid();
    let root = id;
    let rec: Rec;
    if (pub.commentIds.length > 0 && rng.chance(PARAMS.replyShareOfComments)) {
      const i = rng.int(pub.commentIds.length);
      root = pub.commentRoots[i]!;
      rec = this.#emit("reply.created", u, {
        comment_id: id,
        publication_id: pub.id,
        parent_comment_id: pub.commentIds[i]!,
        root_comment_id: root,
        author_user_id: user.id,
        text,
      });
    } else {
      rec = this.#emit("comment.created", u, { comment_id: id, publication_id: pub.id, author_user_id: user.id, text });
    }
    rec.topic = TOPICS[pub.topic];
    pub.commentIds.push(id);
    pub.commentRoots.push(root);
    pub.commentAuthors.push(u);
    if (pub.commentIds.length > 8) {
      pub.commentIds.shift();
      pub.commentRoots.shift();
      pub.commentAuthors.shift();
    }
    user.comments++;
    if (user.comments === 50) this.#award(u, "conversationalist");
  }

  #share(u: number, pub: PubRec, via: ShareRec | undefined) {
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    const quote = rng.chance(0.25);
    const sh: ShareRec = {
      s: s.serials.share++,
      id: rng.uuid(),
      pub: pub.s,
      sharer: u,
      depth: via ? via.depth + 1 : 1,
      ms: this.#now(),
    };
    this.#emit("share.created", u, {
      share_id: sh.id,
      publication_id: pub.id,
      publication_author_user_id: s.users[pub.author]!.id,
      sharer_user_id: user.id,
      kind: quote ? "quote" : "repost",
      text: quote ? rng.pick(this.#pools.comments[user.locale]) : null,
      parent_share_id: via ? via.id : null,
      cascade_depth: sh.depth,
    });
    this.#shares.set(sh.s, sh);
    this.#pushFeed(user, -sh.s - 1);
    pub.shares++;
  }

  #deleteOwnPublication(): boolean {
    const u = this.#actor();
    if (u < 0) return false;
    const user = this.state.users[u]!;
    const own = user.feed.filter((item) => item >= 0 && this.#pubs.has(item));
    if (own.length === 0) return false;
    const pub = this.#pubs.get(this.#rng.pick(own))!;
    this.#emit("publication.deleted", u, {
      publication_id: pub.id,
      author_user_id: user.id,
      reason: "author",
      complaint_id: null,
    });
    this.#pubs.delete(pub.s);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Communities and moderation

  #createCommunity(): boolean {
    const s = this.state;
    const rng = this.#rng;
    if (s.communities.length > 8 + s.users.length / 150 && rng.chance(0.97)) return false;
    const u = this.#actor();
    if (u < 0) return false;
    const user = s.users[u]!;
    const topic = rng.chance(0.7) ? rng.pick(user.interests) : rng.int(TOPICS.length);
    const names = this.#pools.communityNames[user.locale];
    const name = names[(topic + TOPICS.length * rng.int(Math.floor(names.length / TOPICS.length))) % names.length]!;
    const c: CommunityRec = {
      id: rng.uuid(),
      owner: u,
      name,
      topic,
      createdMs: this.#now(),
      members: [u],
      moderators: [],
      recent: [],
      pinned: null,
      appeal: rng.lognormal(0, 0.6),
      trend: rng.normal() * 0.8,
    };
    const ci = s.communities.length;
    s.communities.push(c);
    this.#emit("community.created", u, {
      community_id: c.id,
      owner_user_id: user.id,
      name,
      kind: rng.chance(0.7) ? "community" : "group",
      topic: TOPICS[topic]!,
      visibility: rng.chance(0.85) ? "open" : "closed",
      description: rng.chance(0.6) ? rng.pick(this.#pools.sentences[user.locale]) : null,
    });
    user.communities.push(ci);
    this.#members.add(pairKey(ci, u));
    this.#memberSince.set(pairKey(ci, u), this.#now());
    this.#award(u, "community_founder");
    return true;
  }

  #joinCommunity(u: number, community: number): boolean {
    const s = this.state;
    if (u < 0 || s.communities.length === 0) return false;
    const rng = this.#rng;
    let ci = community;
    if (ci < 0) {
      for (let tries = 0; tries < 3 && ci < 0; tries++) {
        const pick = rng.weighted(this.#communityCum);
        if (!this.#members.has(pairKey(pick, u))) ci = pick;
      }
      if (ci < 0) return false;
    }
    const c = s.communities[ci]!;
    this.#emit("community.joined", u, {
      community_id: c.id,
      user_id: s.users[u]!.id,
      via: community >= 0 ? "publication" : (["recommendation", "search", "invite"] as const)[
        rng.weighted([0.5, 0.85, 1])
      ]!,
    });
    c.members.push(u);
    s.users[u]!.communities.push(ci);
    this.#members.add(pairKey(ci, u));
    this.#memberSince.set(pairKey(ci, u), this.#now());
    return true;
  }

  #leaveCommunity(): boolean {
    const s = this.state;
    const rng = this.#rng;
    if (s.communities.length === 0 || !(this.#leaveCum[this.#leaveCum.length - 1]! > 0)) return false;
    const ci = rng.weighted(this.#leaveCum);
    const c = s.communities[ci]!;
    const u = rng.pick(c.members);
    if (u === c.owner) return false;
    const user = s.users[u]!;
    const key = pairKey(ci, u);
    this.#emit("community.left", u, {
      community_id: c.id,
      user_id: user.id,
      membership_days: Math.floor((this.#now() - (this.#memberSince.get(key) ?? this.#now())) / DAY),
    });
    removeValue(c.members, u);
    removeValue(c.moderators, u);
    removeValue(user.communities, ci);
    this.#members.delete(key);
    this.#memberSince.delete(key);
    return true;
  }

  #addModerator(): boolean {
    const s = this.state;
    if (s.communities.length === 0) return false;
    const rng = this.#rng;
    const ci = rng.int(s.communities.length);
    const c = s.communities[ci]!;
    if (c.members.length < 4 || c.moderators.length >= 1 + c.members.length / 40) return false;
    const m = rng.pick(c.members);
    if (m === c.owner || c.moderators.includes(m)) return false;
    this.#emit("community.moderator_added", c.owner, {
      community_id: c.id,
      user_id: s.users[m]!.id,
      appointed_by_user_id: s.users[c.owner]!.id,
    });
    c.moderators.push(m);
    return true;
  }

  #pin(): boolean {
    const s = this.state;
    if (s.communities.length === 0) return false;
    const rng = this.#rng;
    const c = s.communities[rng.int(s.communities.length)]!;
    if (c.recent.length === 0) return false;
    const pub = this.#pubs.get(rng.pick(c.recent));
    if (!pub || pub.id === c.pinned) return false;
    const by = c.moderators.length > 0 && rng.chance(0.5) ? rng.pick(c.moderators) : c.owner;
    this.#emit("community.post_pinned", by, {
      community_id: c.id,
      publication_id: pub.id,
      replaced_publication_id: c.pinned,
      pinned_by_user_id: s.users[by]!.id,
    });
    c.pinned = pub.id;
    return true;
  }

  #complain(u: number, pub: PubRec) {
    const s = this.state;
    const rng = this.#rng;
    const user = s.users[u]!;
    const roll = rng.float();
    const onComment = roll < 0.2 && pub.commentIds.length > 0;
    const i = onComment ? rng.int(pub.commentIds.length) : 0;
    const target = onComment ? 1 : roll < 0.85 ? 0 : 2;
    const reported = onComment ? pub.commentAuthors[i]! : pub.author;
    if (reported === u) return;
    const complaint: ComplaintRec = {
      s: s.serials.complaint++,
      id: rng.uuid(),
      target,
      pub: pub.s,
      community: pub.community,
    };
    this.#emit("complaint.filed", u, {
      complaint_id: complaint.id,
      reporter_user_id: user.id,
      target: (["publication", "comment", "user"] as const)[target]!,
      publication_id: target === 2 ? null : pub.id,
      comment_id: onComment ? pub.commentIds[i]! : null,
      reported_user_id: s.users[reported]!.id,
      community_id: pub.community >= 0 ? s.communities[pub.community]!.id : null,
      reason: COMPLAINT_REASONS[rng.weighted(COMPLAINT_CUM)]!,
      details: rng.chance(0.4) ? rng.pick(this.#pools.complaintDetails[user.locale]) : null,
    });
    this.#complaints.set(complaint.s, complaint);
    const at = this.#now() + MINUTE + Math.round(rng.exp(PARAMS.resolveMeanMinutes * MINUTE));
    this.#at(at, [at, 3, complaint.s]);
  }

  /** A community moderator (or its owner) resolves a community complaint; platform staff resolve the others. */
  #resolveComplaint(serial: number) {
    const complaint = this.#complaints.get(serial);
    if (!complaint) return;
    const s = this.state;
    const rng = this.#rng;
    const c = complaint.community >= 0 ? s.communities[complaint.community] : undefined;
    let moderator: number;
    if (c) moderator = c.moderators.length > 0 && rng.chance(0.8) ? rng.pick(c.moderators) : c.owner;
    else if (this.#staff.length > 0) moderator = rng.pick(this.#staff);
    else return;
    this.#complaints.delete(serial);
    const roll = rng.float();
    const resolution = roll < 0.55 ? "dismissed" : roll < 0.85 ? "content_removed" : "user_warned";
    this.#emit("complaint.resolved", moderator, {
      complaint_id: complaint.id,
      moderator_user_id: s.users[moderator]!.id,
      community_id: c ? c.id : null,
      resolution,
    });
    const pub = this.#pubs.get(complaint.pub);
    if (resolution === "content_removed" && complaint.target === 0 && pub) {
      this.#emit("publication.deleted", moderator, {
        publication_id: pub.id,
        author_user_id: s.users[pub.author]!.id,
        reason: "moderation",
        complaint_id: complaint.id,
      });
      this.#pubs.delete(pub.s);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Advertising

  #registerAdvertiser() {
    const s = this.state;
    const rng = this.#rng;
    const locale: LocaleIndex = rng.chance(0.55) ? 0 : 1;
    const country = locale === 0 ? "RU" : rng.pick(["US", "US", "GB", "CA"]);
    const adv = { id: rng.uuid(), currency: COUNTRY_CURRENCY[country]!, country };
    s.advertisers.push(adv);
    this.#emit("advertiser.registered", -1, {
      advertiser_id: adv.id,
      name: rng.pick(this.#pools.companies[locale]),
      industry:
        (["retail", "tech", "finance", "food", "travel", "entertainment", "education", "health", "auto"] as const)[
          rng.int(9)
        ]!,
      country,
    });
    this.#createCampaign(s.advertisers.length - 1);
  }

  #createCampaign(advertiser: number) {
    const s = this.state;
    const adv = s.advertisers[advertiser];
    if (!adv) return;
    const rng = this.#rng;
    const now = this.#now();
    const startMs = now + (rng.chance(0.7) ? 0 : rng.int(2 * DAY));
    const endMs = startMs + (3 + rng.int(28)) * DAY;
    const campaign = {
      id: rng.uuid(),
      advertiser,
      startMs,
      endMs,
      currency: adv.currency,
      cpc: money(rng.lognormal(Math.log(0.35), 0.5), adv.currency),
    };
    const ci = s.campaigns.length;
    s.campaigns.push(campaign);
    const locale: LocaleIndex = adv.country === "RU" ? 0 : 1;
    this.#emit("campaign.created", -1, {
      campaign_id: campaign.id,
      advertiser_id: adv.id,
      name: `${rng.pick(this.#pools.headlines[locale])} ${new Date(startMs).getUTCFullYear()}`.slice(0, 100),
      objective: (["awareness", "traffic", "conversions"] as const)[rng.int(3)]!,
      budget: money(rng.lognormal(Math.log(2000), 0.8), adv.currency, 1),
      currency: adv.currency,
      starts_at: this.#iso(startMs),
      ends_at: this.#iso(endMs),
      target_topics: [...new Set(Array.from({ length: 1 + rng.int(3) }, () => TOPICS[rng.int(TOPICS.length)]!))],
    });
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      const ad: AdRec = {
        id: rng.uuid(),
        campaign: ci,
        // Per-ad click-through rate inside the plausible 0.5-3% band.
        ctr: Math.min(0.028, Math.max(0.006, rng.lognormal(Math.log(0.013), 0.4))),
      };
      s.ads.push(ad);
      this.#emit("ad.created", -1, {
        ad_id: ad.id,
        campaign_id: campaign.id,
        advertiser_id: adv.id,
        format: (["feed", "story", "reel"] as const)[rng.weighted([0.6, 0.85, 1])]!,
        headline: rng.pick(this.#pools.headlines[locale]),
        body: rng.chance(0.8) ? rng.pick(this.#pools.adBodies[locale]) : null,
        landing_url: `https://shop.example.com/${adv.id.slice(0, 8)}/${ad.id.slice(0, 8)}`,
      });
      if (startMs <= now) this.#activeAds.push(ad);
    }
  }

  #showAd(u: number, pubKind: number) {
    const s = this.state;
    const rng = this.#rng;
    const ad = this.#activeAds[rng.int(this.#activeAds.length)]!;
    const campaign = s.campaigns[ad.campaign]!;
    const impressionId = rng.uuid();
    this.#emit("ad.impression", u, {
      impression_id: impressionId,
      ad_id: ad.id,
      campaign_id: campaign.id,
      placement: (["feed", "stories", "reels"] as const)[pubKind]!,
    });
    if (rng.float() < ad.ctr) {
      this.#emit("ad.clicked", u, {
        click_id: rng.uuid(),
        impression_id: impressionId,
        ad_id: ad.id,
        campaign_id: campaign.id,
        cost: campaign.cpc,
        currency: campaign.currency,
      });
    }
  }

  #sponsor() {
    const s = this.state;
    if (s.advertisers.length === 0 || this.#creators.length === 0) return;
    const rng = this.#rng;
    const adv = rng.pick(s.advertisers);
    const c = rng.pick(this.#creators);
    const own = s.users[c]!.feed.filter((item) => item >= 0 && this.#pubs.has(item));
    const pub = own.length > 0 && rng.chance(0.7) ? this.#pubs.get(own[own.length - 1]!) : undefined;
    this.#emit("sponsorship.created", -1, {
      sponsorship_id: rng.uuid(),
      advertiser_id: adv.id,
      creator_user_id: s.users[c]!.id,
      publication_id: pub ? pub.id : null,
      amount: money(rng.lognormal(Math.log(300), 0.9), adv.currency, 1),
      currency: adv.currency,
    });
  }
}
