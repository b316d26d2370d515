/**
 * The simulation's parameters: rates, chances, the action mix, distributions, currencies and prices, with the
 * small numeric helpers they need. docs/generator.md describes every number here.
 *
 * @module
 */
import { type Badge, BADGES } from "../events/mod.ts";

/** Milliseconds in a minute. */
export const MINUTE = 60_000;
/** Milliseconds in an hour. */
export const HOUR = 3_600_000;
/** Milliseconds in a day. */
export const DAY = 86_400_000;

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
  /**
   * Where a view's pick comes from: a followee's recent items, the viewer's communities, the trending list, or what
   * was published in the last hour (the rest). A source that has nothing falls through to the next.
   */
  viewSources: { following: 0.5, community: 0.12, trending: 0.17 },
  /** Feed picks per view: a pick the user has seen is passed over (see {@link REPEAT_VIEW_ACCEPT}), then another. */
  viewPicks: 6,
  /** Publications a user remembers having seen (with their view counts). */
  seenMemory: 128,
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
  moderatorRemove: 0.00002,
  pin: 0.0001,
  deletePublication: 0.0002,
  profileUpdate: 0.0012,
  settingsChange: 0.0007,
  privacyChange: 0.0004,
} as const;
/** A regular action of the mix. */
/**
 * Chance that a user views again a publication they viewed `k` times (index k; 0 = a first view): repeats are a
 * minority and decay, so 1000 views mean reach.
 */
export const REPEAT_VIEW_ACCEPT = [1, 0.22, 0.08, 0.03, 0];

/** A regular action of the mix. */
export type Action = keyof typeof ACTION_WEIGHTS;
/** The regular actions, in the order of their cumulative weights. */
export const ACTIONS = Object.keys(ACTION_WEIGHTS) as Action[];

/** Currency by country code (users pay in their country's currency). */
export const COUNTRY_CURRENCY: Record<string, string> = {
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
/** Monthly subscription prices by currency (basic, plus, vip). */
export const TIER_PRICES: Record<string, [number, number, number]> = {
  USD: [4.99, 9.99, 19.99],
  RUB: [199, 499, 999],
  BYN: [14.9, 29.9, 59.9],
  KZT: [2490, 4990, 9990],
  GBP: [3.99, 7.99, 15.99],
  CAD: [6.99, 12.99, 24.99],
  EUR: [4.49, 8.99, 17.99],
};
/** Subscription tiers. */
export const TIERS = ["basic", "plus", "vip"] as const;
/** Devices, by index. */
export const DEVICES = ["ios", "android", "web", "desktop"] as const;
/** Cumulative weights of the preferred device. */
export const DEVICE_CUM = [0.35, 0.8, 0.92, 1];
/** Cumulative weights of the reaction types (in `REACTION_TYPES` order). */
export const REACTION_CUM = [0.62, 0.79, 0.85, 0.94, 0.98, 1];
/** Cumulative weights of the publication kinds (post, story, reel). */
export const KIND_CUM = [0.6, 0.88, 1];
/** Age brackets [from, to, share]. */
export const AGE_BUCKETS: [number, number, number][] = [
  [13, 17, 0.08],
  [18, 24, 0.25],
  [25, 34, 0.3],
  [35, 44, 0.18],
  [45, 54, 0.1],
  [55, 64, 0.06],
  [65, 90, 0.03],
];
/** Cumulative weights of {@link AGE_BUCKETS}. */
export const AGE_CUM = cumulative(AGE_BUCKETS.map((b) => b[2]));
/** Cumulative weights of the complaint reasons (in `COMPLAINT_REASONS` order). */
export const COMPLAINT_CUM = cumulative([0.3, 0.15, 0.08, 0.07, 0.06, 0.12, 0.1, 0.05, 0.07]);
/** Badge names, by bit index. */
export const BADGE_NAMES = Object.keys(BADGES) as Badge[];
/** Photo sizes (width, height) uploads draw from. */
export const PHOTO_SIZES: [number, number][] = [[1080, 1350], [1080, 1080], [1920, 1080], [1440, 1920], [1280, 960]];
/** Base URL of media files. */
export const MEDIA_HOST = "https://media.socialpulse.example";

/** Running sums of weights, for `Rng.weighted`. */
export function cumulative(ws: number[]): Float64Array<ArrayBuffer> {
  const out = new Float64Array(ws.length);
  let sum = 0;
  ws.forEach((w, i) => (out[i] = sum += w));
  return out;
}
/** Cumulative weights of {@link ACTIONS}. */
export const ACTION_CUM = cumulative(ACTIONS.map((a) => ACTION_WEIGHTS[a]));

/** Round to cents. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** An amount worth about `usd` dollars in `currency`, rounded to `step` units of that currency. */
export function money(usd: number, currency: string, step = 0.01): number {
  const units = usd * (FX_PER_USD[currency] ?? 1);
  return round2(Math.max(step, Math.round(units / step) * step));
}

/** Remove one occurrence of `v` from `xs` (swap with the last; order is not kept). False when absent. */
export function removeValue(xs: number[], v: number): boolean {
  const i = xs.indexOf(v);
  if (i < 0) return false;
  xs[i] = xs[xs.length - 1]!;
  xs.pop();
  return true;
}
