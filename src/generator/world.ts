/**
 * The persistent state of the simulated social network: users, the social graph, communities, live publications
 * and their counters, advertisers, scheduled future actions, and the open days of the ledger.
 *
 * {@link WorldState} is plain JSON so that a snapshot (gzip-compressed, stored under `generator/`) restores the
 * world exactly: the same state, seed and minute always produce the same file.
 *
 * @module
 */
import type { LocaleIndex } from "./pools.ts";
import type { DayAggregateJson, EntityDayState } from "./ledger.ts";

/** Bumped when the snapshot layout changes; an older snapshot is refused with a clear message. */
export const WORLD_FORMAT = 4;

/** One user and everything the simulation remembers about them. Indexed by position in `WorldState.users`. */
export interface UserRec {
  id: string;
  locale: LocaleIndex;
  displayName: string;
  city: number;
  country: string;
  bio: string | null;
  website: string | null;
  avatar: string | null;
  currency: string;
  /** Preferred device: 0 ios, 1 android, 2 web, 3 desktop. */
  device: number;
  signupMs: number;
  /** After this instant the user no longer starts sessions (churn). */
  dormantMs: number;
  /** How often the user starts sessions, relative to others (heavy-tailed). */
  tickets: number;
  /** Creator appeal (0 = not a creator): attracts follows, subscriptions, donations, sponsorships. */
  fitness: number;
  staff: boolean;
  /** Topic indexes the user posts about. */
  interests: number[];
  following: number[];
  followers: number;
  friends: number[];
  closeFriends: number[];
  communities: number[];
  /** What the user's followers see first: own publications (serial >= 0) and shares (-(serial + 1)), newest last. */
  feed: number[];
  /** Active subscriptions (serials) the user pays for. */
  subs: number[];
  session: string | null;
  sessionMs: number;
  sessionDevice: number;
  /** Position in `WorldState.online`, or -1 when offline. */
  onlinePos: number;
  /** Bit set of awarded badges (bit = index in BADGES). */
  badges: number;
  pubs: number;
  comments: number;
  /** Publications (serials) the user viewed, with how often (`seenViews`, same positions); at most PARAMS.seenMemory. */
  seenPubs: number[];
  seenViews: number[];
  /** language (0 ru, 1 en), theme (0..2), e-mail, push, autoplay. */
  settings: number[];
  /** visibility (0..2), who can message (0..2), show online, searchable. */
  privacy: number[];
}

/** A live publication. Removed from the world when it expires from the feeds (stories 24 h, others 72 h). */
export interface PubRec {
  s: number;
  id: string;
  author: number;
  /** 0 post, 1 story, 2 reel. */
  kind: number;
  topic: number;
  community: number;
  createdMs: number;
  createdIso: string;
  /** Stories: when they stop being visible; 0 otherwise. */
  expiresMs: number;
  isPublic: boolean;
  /** Intrinsic appeal: scales engagement and the chance to trend. */
  q: number;
  views: number;
  /** Exponentially decayed recent view count and when it was last updated. */
  vel: number;
  velMs: number;
  /** Most recent comments (ids, their thread roots and authors), at most 8. */
  commentIds: string[];
  commentRoots: string[];
  commentAuthors: number[];
  shares: number;
}

/** A share that can itself be re-shared (cascades). */
export interface ShareRec {
  s: number;
  id: string;
  pub: number;
  sharer: number;
  depth: number;
  ms: number;
}

/** A community or group. */
export interface CommunityRec {
  id: string;
  owner: number;
  name: string;
  topic: number;
  createdMs: number;
  members: number[];
  moderators: number[];
  /** Serials of recent publications inside the community, newest last, at most 12. */
  recent: number[];
  pinned: string | null;
  /** Base appeal and its trend per week: some communities grow fast, some shrink. */
  appeal: number;
  trend: number;
}

/** A complaint waiting for a moderator. */
export interface ComplaintRec {
  s: number;
  id: string;
  /** 0 publication, 1 comment, 2 user. */
  target: number;
  pub: number;
  community: number;
}

/** A paid subscription to a creator. */
export interface SubscriptionRec {
  s: number;
  id: string;
  subscriber: number;
  creator: number;
  amount: number;
  currency: string;
  active: boolean;
}

/** An advertiser, its campaigns and ads. */
export interface AdvertiserRec {
  id: string;
  currency: string;
  country: string;
}
/** An advertising campaign (active between its start and end). */
export interface CampaignRec {
  id: string;
  advertiser: number;
  startMs: number;
  endMs: number;
  currency: string;
  /** Cost per click, in the campaign currency. */
  cpc: number;
}
/** An ad with its intrinsic click-through rate. */
export interface AdRec {
  id: string;
  campaign: number;
  ctr: number;
}

/**
 * A future action, due at `ms` (epoch ms), kept in the world's schedule. Users are indexes into
 * `WorldState.users`; complaints and subscriptions are serials.
 */
export type ScheduledTask =
  | { kind: "session_end"; ms: number; user: number }
  | { kind: "friendship_accept"; ms: number; requester: number; addressee: number; requestId: string }
  | { kind: "complaint_resolve"; ms: number; complaint: number }
  | { kind: "subscription_charge"; ms: number; subscription: number };

/** One entry of a minute's agenda besides regular actions: a scheduled task, a signup or a back-office action. */
export type Task = ScheduledTask | {
  kind: "signup" | "advertiser_register" | "campaign_create" | "sponsorship";
  ms: number;
};

/** The whole world, as stored in the snapshot. */
export interface WorldState {
  format: typeof WORLD_FORMAT;
  seed: number;
  /** Minute (since the epoch) of the world's first generated minute; ids depend on it. */
  genesisMinute: number;
  /** The next minute to generate. */
  clockMinute: number;
  /** `--rate` / 1000 when the world was created: sizes the launch population. */
  scale: number;
  /** Running mean of events per regular action, to turn an event budget into a number of actions. */
  eventsPerAction: number;
  serials: { pub: number; share: number; complaint: number; subscription: number };
  users: UserRec[];
  online: number[];
  /** One entry per follow ever made (the followee): sampling it is preferential attachment. */
  followTargets: number[];
  blocks: number[];
  mutes: number[];
  /** Friendship ids by pair key (see {@link pairKey}). */
  friendships: [number, string][];
  /** When a user joined a community, by membership key. */
  memberSince: [number, number][];
  pubs: PubRec[];
  shares: ShareRec[];
  /** Publications created in the last hour (serials), oldest first. */
  fresh: number[];
  /** Publications that currently trend (serials). */
  trending: number[];
  communities: CommunityRec[];
  complaints: ComplaintRec[];
  subscriptions: SubscriptionRec[];
  advertisers: AdvertiserRec[];
  campaigns: CampaignRec[];
  ads: AdRec[];
  /** Scheduled actions by minute. */
  schedule: [number, ScheduledTask[]][];
  /** The entity ledger of the day being simulated. */
  entityDay: EntityDayState | null;
  /** Ledger aggregates of the days that can still receive events. */
  days: DayAggregateJson[];
  /** Late events waiting for their file, by the minute of that file. */
  late: [number, LateRecJson[]][];
}

/** A late event in the snapshot: its line and what the ledger needs beyond it. */
export interface LateRecJson {
  line: string;
  ms: number;
  topic?: string;
  reached1000?: { publication_id: string; kind: string; created_at: string };
}

const PAIR = 16_777_216;

/** A number identifying an ordered pair of indexes (a, b < 2^24). */
export function pairKey(a: number, b: number): number {
  return a * PAIR + b;
}

/** A number identifying an unordered pair of user indexes. */
export function undirectedKey(a: number, b: number): number {
  return a < b ? a * PAIR + b : b * PAIR + a;
}

/** An empty world. */
export function newWorld(seed: number, genesisMinute: number, scale: number): WorldState {
  return {
    format: WORLD_FORMAT,
    seed,
    genesisMinute,
    clockMinute: genesisMinute,
    scale,
    eventsPerAction: 1.3,
    serials: { pub: 0, share: 0, complaint: 0, subscription: 0 },
    users: [],
    online: [],
    followTargets: [],
    blocks: [],
    mutes: [],
    friendships: [],
    memberSince: [],
    pubs: [],
    shares: [],
    fresh: [],
    trending: [],
    communities: [],
    complaints: [],
    subscriptions: [],
    advertisers: [],
    campaigns: [],
    ads: [],
    schedule: [],
    entityDay: null,
    days: [],
    late: [],
  };
}

/** The snapshot could not be read. */
export class SnapshotError extends Error {
  override name = "SnapshotError";
}

/** Serialise and gzip a world. */
export async function encodeSnapshot(state: WorldState): Promise<Uint8Array> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Gunzip and parse a world; throws {@link SnapshotError} for a foreign or older format. */
export async function decodeSnapshot(bytes: Uint8Array, key: string): Promise<WorldState> {
  let state: WorldState;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
    state = JSON.parse(await new Response(stream).text());
  } catch (e) {
    throw new SnapshotError(`world snapshot ${key} is not a gzip JSON snapshot; delete it or use --fresh`, {
      cause: e,
    });
  }
  if (state.format !== WORLD_FORMAT) {
    throw new SnapshotError(
      `world snapshot ${key} has format ${state.format}, this generator reads ${WORLD_FORMAT}; use --fresh`,
    );
  }
  return state;
}
