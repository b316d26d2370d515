/**
 * Users: signups, sessions (online/offline), badges, profile, settings and privacy changes.
 *
 * @module
 */
import { type Badge, BADGES, type PayloadOf, TOPICS } from "../events/mod.ts";
import { uploadMedia } from "./content.ts";
import { type SimContext } from "./context.ts";
import { LOCALE_SHARE } from "./cycle.ts";
import { follow, requestFriendship } from "./graph.ts";
import {
  AGE_BUCKETS,
  AGE_CUM,
  BADGE_NAMES,
  COUNTRY_CURRENCY,
  DAY,
  DEVICE_CUM,
  DEVICES,
  MINUTE,
  PARAMS,
} from "./params.ts";
import { type LocaleIndex, LOCALES } from "./pools.ts";
import { type UserRec } from "./world.ts";

// Users and sessions

/** A user who acts now: a random online user, or a new session when nobody is online. */
export function actor(ctx: SimContext): number {
  const online = ctx.state.online;
  if (online.length > 0) return online[ctx.rng.int(online.length)]!;
  return sessionStart(ctx);
}

/** A regular action: start a session. */
export function sessionAction(ctx: SimContext): boolean {
  return sessionStart(ctx) >= 0;
}

/** Start a session for a user drawn by activity level (and by locale, by local time of day). */
function sessionStart(ctx: SimContext): number {
  const rng = ctx.rng;
  const now = ctx.now();
  let locale: LocaleIndex = rng.float() < ctx.localeWeight0 ? 0 : 1;
  if (ctx.tickets[locale].length === 0) locale = locale === 0 ? 1 : 0;
  const tickets = ctx.tickets[locale];
  if (tickets.length === 0) return -1;
  for (let tries = 0; tries < 8; tries++) {
    const u = tickets[rng.int(tickets.length)]!;
    const user = ctx.state.users[u]!;
    if (user.onlinePos >= 0 || user.dormantMs < now) continue;
    goOnline(ctx, u);
    return u;
  }
  return -1;
}

function goOnline(ctx: SimContext, u: number) {
  const rng = ctx.rng;
  const user = ctx.state.users[u]!;
  const now = ctx.now();
  user.session = rng.uuid();
  user.sessionMs = now;
  user.sessionDevice = rng.chance(0.8) ? user.device : rng.weighted(DEVICE_CUM);
  user.onlinePos = ctx.state.online.length;
  ctx.state.online.push(u);
  ctx.emit("user.status_changed", u, {
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
  ctx.at({ kind: "session_end", ms: now + Math.round(minutes * MINUTE), user: u });
}

/** A session ends (scheduled): the user goes offline. */
export function endSession(ctx: SimContext, u: number) {
  const s = ctx.state;
  const user = s.users[u]!;
  if (user.onlinePos < 0 || user.session === null) return;
  ctx.emit("user.status_changed", u, {
    user_id: user.id,
    session_id: user.session,
    status: "offline",
    device: DEVICES[user.sessionDevice]!,
    session_duration_s: Math.round((ctx.now() - user.sessionMs) / 1000),
  });
  const last = s.online.pop()!;
  if (last !== u) {
    s.online[user.onlinePos] = last;
    s.users[last]!.onlinePos = user.onlinePos;
  }
  user.onlinePos = -1;
  user.session = null;
}

/** Award a badge once (a system event: no actor). */
export function award(ctx: SimContext, u: number, badge: Badge) {
  const bit = 1 << BADGE_NAMES.indexOf(badge);
  const user = ctx.state.users[u]!;
  if (user.badges & bit) return;
  user.badges |= bit;
  ctx.emit("user.badge_awarded", -1, {
    user_id: user.id,
    award_id: ctx.rng.uuid(),
    badge,
    rule: BADGES[badge],
  });
}

/** A new user signs up, goes online and follows a few accounts; returns the user index. */
export function signup(ctx: SimContext): number {
  const s = ctx.state;
  const rng = ctx.rng;
  const P = ctx.pools;
  const now = ctx.now();
  const u = s.users.length;
  const locale: LocaleIndex = rng.float() < LOCALE_SHARE[0] ? 0 : 1;
  const person = rng.pick(P.people[locale]);
  const cityIdx = rng.weighted(P.cityCumulative[locale]);
  const city = P.cities[locale][cityIdx]!;
  const bucket = AGE_BUCKETS[rng.weighted(AGE_CUM)]!;
  const years = rng.range(bucket[0], bucket[1]) + 0.02 + rng.float() * 0.96;
  const birthDate = ctx.iso(now - years * 365.2425 * DAY).slice(0, 10);
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
    seenPubs: [],
    seenViews: [],
    settings: [locale, rng.int(3), rng.chance(0.6) ? 1 : 0, rng.chance(0.85) ? 1 : 0, rng.chance(0.7) ? 1 : 0],
    privacy: [rng.weighted([0.7, 0.9, 1]), rng.weighted([0.6, 0.95, 1]), rng.chance(0.8) ? 1 : 0, 1],
  };
  s.users.push(user);
  ctx.index(user, u);
  const handle = person.handle;
  ctx.emit("user.signed_up", u, {
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
    settings: settingsOf(user),
    privacy: privacyOf(user),
  });
  goOnline(ctx, u);
  if (u < 1000) award(ctx, u, "early_adopter");
  const follows = 2 + rng.poisson(5);
  for (let i = 0; i < follows; i++) follow(ctx, u, "onboarding");
  if (referrer >= 0) requestFriendship(ctx, u, referrer, 0.9);
  return u;
}

function settingsOf(user: UserRec): PayloadOf<"user.settings_changed">["settings"] {
  const st = user.settings;
  return {
    language: LOCALES[st[0]! as LocaleIndex],
    theme: (["light", "dark", "system"] as const)[st[1]!]!,
    notifications_email: st[2] === 1,
    notifications_push: st[3] === 1,
    autoplay_videos: st[4] === 1,
  };
}

function privacyOf(user: UserRec): PayloadOf<"user.privacy_changed">["privacy"] {
  const pr = user.privacy;
  return {
    profile_visibility: (["public", "friends", "private"] as const)[pr[0]!]!,
    who_can_message: (["everyone", "friends", "nobody"] as const)[pr[1]!]!,
    show_online_status: pr[2] === 1,
    searchable: pr[3] === 1,
  };
}

/** A user edits a profile field. */
export function updateProfile(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const rng = ctx.rng;
  const user = ctx.state.users[u]!;
  const P = ctx.pools;
  const roll = rng.float();
  if (roll < 0.5) user.bio = rng.pick(P.bios[user.locale]);
  else if (roll < 0.65) {
    user.city = rng.weighted(P.cityCumulative[user.locale]);
    user.country = P.cities[user.locale][user.city]!.country;
  } else if (roll < 0.8) user.website = `https://${rng.pick(["blog", "site", "me"])}.example.com/${u.toString(36)}`;
  else if (roll < 0.9) user.displayName = `${user.displayName.split(" ")[0]} ${rng.pick(P.people[user.locale]).last}`;
  else user.avatar = uploadMedia(ctx, u, "photo", null, 0).media_id;
  ctx.emit("user.profile_updated", u, {
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

/** A user flips one setting. */
export function changeSettings(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const user = ctx.state.users[u]!;
  const k = ctx.rng.int(5);
  const st = user.settings;
  st[k] = k === 1 ? (st[1]! + 1) % 3 : 1 - st[k]!;
  ctx.emit("user.settings_changed", u, { user_id: user.id, settings: settingsOf(user) });
  return true;
}

/** A user changes one privacy option. */
export function changePrivacy(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const user = ctx.state.users[u]!;
  const k = ctx.rng.int(4);
  const pr = user.privacy;
  pr[k] = k < 2 ? (pr[k]! + 1) % 3 : 1 - pr[k]!;
  ctx.emit("user.privacy_changed", u, { user_id: user.id, privacy: privacyOf(user) });
  return true;
}
