/**
 * A minute's agenda: scheduled tasks, signups, back-office actions and regular actions, run in time order; and the
 * bookkeeping around a minute (trending list, pruning).
 *
 * @module
 */
import { createCampaign, registerAdvertiser, sponsor } from "./ads.ts";
import {
  addModerator,
  createCommunity,
  joinCommunity,
  leaveCommunity,
  pin,
  removeModerator,
  resolveComplaint,
} from "./communities.ts";
import { deleteOwnPublication, publish, view } from "./content.ts";
import { type SimContext } from "./context.ts";
import { activity, LOCALE_SHARE, localeActivity } from "./cycle.ts";
import {
  acceptFriendship,
  addCloseFriend,
  block,
  endFriendship,
  followAction,
  friendRequest,
  mute,
  removeCloseFriend,
  unfollow,
} from "./graph.ts";
import { chargeSubscription, donate, subscribe, unsubscribe } from "./money.ts";
import { Action, ACTION_CUM, ACTIONS, cumulative, DAY, HOUR, MINUTE, PARAMS } from "./params.ts";
import { Rng } from "./prng.ts";
import { type Rec } from "./record.ts";
import { actor, changePrivacy, changeSettings, endSession, sessionAction, signup, updateProfile } from "./users.ts";
import { EntityDay } from "./ledger.ts";
import type { Task } from "./world.ts";

/** Bits of the agenda entry that hold the index (the rest is the millisecond within the minute). */
const AGENDA_SHIFT = 2_097_152;

/**
 * Generate the events of one minute (epoch minute index), in time order, at `rate` mean events per minute.
 * Actions scheduled in skipped minutes (after a gap) happen at the start of this one.
 */
export function runMinute(ctx: SimContext, minute: number, rate: number): Rec[] {
  const s = ctx.state;
  if (minute < s.clockMinute) {
    throw new Error(`minute ${minute} is before the world clock ${s.clockMinute}: the world only moves forward`);
  }
  beginMinute(ctx, minute);
  const rng = ctx.rng;
  const t0 = ctx.t0;

  const tasks: Task[] = [];
  // After a gap, actions scheduled in the skipped minutes happen now; otherwise only this minute's are due.
  const dueMinutes = minute === ctx.lastRun + 1
    ? [minute]
    : [...ctx.schedule.keys()].filter((k) => k <= minute).sort((a, b) => a - b);
  for (const m of dueMinutes) {
    const due = ctx.schedule.get(m);
    if (!due) continue;
    tasks.push(...due);
    ctx.schedule.delete(m);
  }
  ctx.lastRun = minute;
  const scheduled = tasks.length;

  const nUsers = s.users.length;
  const launchUsers = PARAMS.launchUsersPerKiloRate * s.scale;
  const age = minute - s.genesisMinute;
  const tau = PARAMS.launchTauMinutes;
  const launchRate = (launchUsers / tau) * Math.exp(-age / tau);
  const organicRate = (nUsers * PARAMS.organicGrowthPerDay / 1440) * activity(t0);
  const signups = rng.poisson(launchRate + organicRate);
  for (let i = 0; i < signups; i++) tasks.push({ kind: "signup", ms: t0 + rng.int(MINUTE) });

  const perMinute = s.scale / 1440;
  const lowAdvertisers = s.advertisers.length < 4 + 6 * s.scale;
  const advertisers = rng.poisson(PARAMS.advertisersPerDay * perMinute + (lowAdvertisers ? 0.2 : 0));
  for (let i = 0; i < advertisers; i++) tasks.push({ kind: "advertiser_register", ms: t0 + rng.int(MINUTE) });
  const lowAds = ctx.activeAds.length < 10 + 20 * s.scale;
  const campaigns = rng.poisson(PARAMS.campaignsPerDay * perMinute + (lowAds ? 0.3 : 0));
  for (let i = 0; i < campaigns; i++) tasks.push({ kind: "campaign_create", ms: t0 + rng.int(MINUTE) });
  const sponsorships = rng.poisson(PARAMS.sponsorshipsPerDay * perMinute);
  for (let i = 0; i < sponsorships; i++) tasks.push({ kind: "sponsorship", ms: t0 + rng.int(MINUTE) });

  const budget = rng.poisson(rate * activity(t0 + MINUTE / 2));
  const fixed = scheduled + signups * 9 + advertisers * 4 + campaigns * 3 + sponsorships;
  const regular = Math.max(0, Math.round((budget - fixed) / s.eventsPerAction));

  const agenda = new Float64Array(tasks.length + regular);
  for (let i = 0; i < tasks.length; i++) {
    agenda[i] = Math.max(0, tasks[i]!.ms - t0) * AGENDA_SHIFT + i;
  }
  for (let j = 0; j < regular; j++) agenda[tasks.length + j] = rng.int(MINUTE) * AGENDA_SHIFT + tasks.length + j;
  agenda.sort();

  let regularEvents = 0;
  for (const a of agenda) {
    const t = Math.floor(a / AGENDA_SHIFT);
    const idx = a - t * AGENDA_SHIFT;
    if (t > ctx.cursor) ctx.cursor = t;
    if (idx < tasks.length) {
      runTask(ctx, tasks[idx]!);
    } else {
      const before = ctx.out.length;
      regularAction(ctx);
      regularEvents += ctx.out.length - before;
    }
  }
  if (regular > 0) s.eventsPerAction = 0.95 * s.eventsPerAction + 0.05 * Math.max(1, regularEvents / regular);

  endMinute(ctx, minute);
  return ctx.out;
}

function beginMinute(ctx: SimContext, minute: number) {
  const s = ctx.state;
  const date = new Date(minute * MINUTE).toISOString().slice(0, 10);
  // After a gap over midnight, the day in progress ended with the world as it is now.
  if (ctx.day && ctx.day.date !== date) closeDay(ctx);
  ctx.day ??= new EntityDay(date);
  ctx.rng = new Rng(s.seed, s.genesisMinute, minute);
  ctx.minute = minute;
  ctx.t0 = minute * MINUTE;
  ctx.prefix = new Date(ctx.t0).toISOString().slice(0, 17);
  ctx.cursor = 0;
  ctx.out = [];
  ctx.touched = new Set();
  const w0 = LOCALE_SHARE[0] * localeActivity(ctx.t0, 0);
  const w1 = LOCALE_SHARE[1] * localeActivity(ctx.t0, 1);
  ctx.localeWeight0 = w0 / (w0 + w1);
  ctx.activeAds = s.ads.filter((ad) => {
    const c = s.campaigns[ad.campaign]!;
    return c.startMs <= ctx.t0 && ctx.t0 < c.endMs;
  });
  ctx.appealNow = s.communities.map((c) =>
    c.appeal * Math.exp(c.trend * Math.min(60, (ctx.t0 - c.createdMs) / DAY) / 14)
  );
  ctx.communityCum = cumulative(
    s.communities.map((c, i) => ctx.appealNow[i]! * Math.sqrt(c.members.length + 3)),
  );
  // Members leave communities that lost their appeal: per member, the chance goes with 1 / appeal^2.
  ctx.leaveCum = cumulative(s.communities.map((c, i) => (c.members.length - 1) / ctx.appealNow[i]! ** 2));
}

function endMinute(ctx: SimContext, minute: number) {
  const s = ctx.state;
  const tEnd = ctx.t0 + MINUTE;
  while (s.fresh.length > 0) {
    const p = ctx.pubs.get(s.fresh[0]!);
    if (p && p.createdMs >= tEnd - HOUR) break;
    s.fresh.shift();
  }
  const candidates = new Set([...s.trending, ...ctx.touched]);
  const tau = PARAMS.trendingTauMinutes * MINUTE;
  const scored: [number, number][] = [];
  for (const serial of candidates) {
    const p = ctx.pubs.get(serial);
    if (!p || !p.isPublic || (p.expiresMs > 0 && p.expiresMs <= tEnd)) continue;
    const score = p.vel * Math.exp((p.velMs - tEnd) / tau) * p.q;
    if (score >= 0.2) scored.push([serial, score]);
  }
  scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  s.trending = scored.slice(0, PARAMS.trendingSize).map((x) => x[0]);
  computeTrendingWeights(ctx, tEnd);
  if (minute % 60 === 0) prune(ctx, tEnd);
  s.clockMinute = minute + 1;
  ctx.day!.addAll(ctx.out);
  if ((minute + 1) % 1440 === 0) closeDay(ctx);
}

/** Close the entity ledger of the day being simulated with the world's state now (its end). */
function closeDay(ctx: SimContext) {
  const s = ctx.state;
  const users = s.users;
  const communities = s.communities.map((c) => ({
    id: c.id,
    memberIds: c.members.map((u) => users[u]!.id),
    // The owner is a moderator without an appointment.
    moderators: 1 + c.moderators.length,
  }));
  const degrees: [string, number, number, number][] = [];
  for (const u of users) {
    if (u.friends.length + u.followers + u.following.length > 0) {
      degrees.push([u.id, u.friends.length, u.followers, u.following.length]);
    }
  }
  ctx.closedDays.push(ctx.day!.close(communities, users.length, degrees));
  ctx.day = null;
}

/** Recompute the weights of the trending list at instant `at` (epoch ms). */
export function computeTrendingWeights(ctx: SimContext, at: number) {
  const tau = PARAMS.trendingTauMinutes * MINUTE;
  const ws = ctx.state.trending.map((serial) => {
    const p = ctx.pubs.get(serial);
    return p ? Math.max(1e-9, p.vel * Math.exp((p.velMs - at) / tau) * p.q) : 1e-9;
  });
  ctx.trendingCum = cumulative(ws);
}

/** Drop publications and shares that left the feeds, and ads of ended campaigns. */
function prune(ctx: SimContext, now: number) {
  const s = ctx.state;
  const cutoff = now - PARAMS.feedHours * HOUR;
  for (const [serial, p] of ctx.pubs) {
    if (p.createdMs >= cutoff) break;
    ctx.pubs.delete(serial);
  }
  for (const [serial, sh] of ctx.shares) {
    if (sh.ms >= cutoff) break;
    ctx.shares.delete(serial);
  }
  s.ads = s.ads.filter((ad) => s.campaigns[ad.campaign]!.endMs > now);
}

function runTask(ctx: SimContext, task: Task) {
  switch (task.kind) {
    case "session_end":
      return endSession(ctx, task.user);
    case "friendship_accept":
      return acceptFriendship(ctx, task.requester, task.addressee, task.requestId);
    case "complaint_resolve":
      return resolveComplaint(ctx, task.complaint);
    case "subscription_charge":
      return chargeSubscription(ctx, task.subscription);
    case "signup":
      return void signup(ctx);
    case "advertiser_register":
      return registerAdvertiser(ctx);
    case "campaign_create":
      return createCampaign(ctx, ctx.rng.int(ctx.state.advertisers.length));
    case "sponsorship":
      return sponsor(ctx);
  }
}

function regularAction(ctx: SimContext) {
  const action = ACTIONS[ctx.rng.weighted(ACTION_CUM)]!;
  if (act(ctx, action)) return;
  if (!view(ctx)) publish(ctx);
}

function act(ctx: SimContext, action: Action): boolean {
  switch (action) {
    case "view":
      return view(ctx);
    case "session":
      return sessionAction(ctx);
    case "publish":
      return publish(ctx);
    case "follow":
      return followAction(ctx);
    case "unfollow":
      return unfollow(ctx);
    case "friendRequest":
      return friendRequest(ctx);
    case "friendshipEnd":
      return endFriendship(ctx);
    case "closeFriendAdd":
      return addCloseFriend(ctx);
    case "closeFriendRemove":
      return removeCloseFriend(ctx);
    case "block":
      return block(ctx);
    case "mute":
      return mute(ctx);
    case "subscribe":
      return subscribe(ctx);
    case "unsubscribe":
      return unsubscribe(ctx);
    case "donate":
      return donate(ctx, actor(ctx), -1);
    case "communityCreate":
      return createCommunity(ctx);
    case "communityJoin":
      return joinCommunity(ctx, actor(ctx), -1);
    case "communityLeave":
      return leaveCommunity(ctx);
    case "moderatorAdd":
      return addModerator(ctx);
    case "moderatorRemove":
      return removeModerator(ctx);
    case "pin":
      return pin(ctx);
    case "deletePublication":
      return deleteOwnPublication(ctx);
    case "profileUpdate":
      return updateProfile(ctx);
    case "settingsChange":
      return changeSettings(ctx);
    case "privacyChange":
      return changePrivacy(ctx);
  }
}
