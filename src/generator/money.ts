/**
 * Money between users: creator subscriptions (monthly charges) and donations.
 *
 * @module
 */
import { type SimContext } from "./context.ts";
import { DAY, money, removeValue, TIER_PRICES, TIERS } from "./params.ts";
import { actor, award } from "./users.ts";
import { pairKey, type SubscriptionRec } from "./world.ts";

// Money between users

/** A creator for `u`: one they follow if any, else one drawn by appeal. */
function creatorFor(ctx: SimContext, u: number): number {
  const s = ctx.state;
  const rng = ctx.rng;
  const following = s.users[u]!.following;
  for (let tries = 0; tries < 5 && following.length > 0; tries++) {
    const f = rng.pick(following);
    if (s.users[f]!.fitness > 0) return f;
  }
  return ctx.creators.length > 0 ? rng.pick(ctx.creators) : -1;
}

/** A regular action: a user subscribes to a creator and pays the first month. */
export function subscribe(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const c = creatorFor(ctx, u);
  if (c < 0 || c === u || ctx.subKeys.has(pairKey(u, c))) return false;
  const s = ctx.state;
  const rng = ctx.rng;
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
  ctx.subscriptions.set(sub.s, sub);
  ctx.subList.push(sub.s);
  ctx.subKeys.add(pairKey(u, c));
  s.users[u]!.subs.push(sub.s);
  ctx.emit("subscription.started", u, {
    subscription_id: sub.id,
    subscriber_user_id: s.users[u]!.id,
    creator_user_id: creator.id,
    tier: TIERS[tier]!,
    amount: sub.amount,
    currency: sub.currency,
  });
  chargeSubscription(ctx, sub.s);
  award(ctx, u, "supporter");
  return true;
}

/** Charge a month of a subscription and schedule the next charge (the billing system acts: no actor). */
export function chargeSubscription(ctx: SimContext, serial: number) {
  const sub = ctx.subscriptions.get(serial);
  if (!sub || !sub.active) return;
  const s = ctx.state;
  const now = ctx.now();
  const end = now + 30 * DAY;
  ctx.emit("subscription.charged", -1, {
    payment_id: ctx.rng.uuid(),
    subscription_id: sub.id,
    subscriber_user_id: s.users[sub.subscriber]!.id,
    creator_user_id: s.users[sub.creator]!.id,
    amount: sub.amount,
    currency: sub.currency,
    period_start: ctx.iso(now),
    period_end: ctx.iso(end),
  });
  ctx.at({ kind: "subscription_charge", ms: end, subscription: serial });
}

/** A subscriber cancels: about 1 in 1000 active subscriptions (per 1000 events/minute of scale) per action. */
export function unsubscribe(ctx: SimContext): boolean {
  const s = ctx.state;
  const rng = ctx.rng;
  const n = ctx.subList.length;
  if (n === 0 || !rng.chance(Math.min(1, n / (1000 * s.scale)))) return false;
  const serial = ctx.subList[rng.int(n)]!;
  const sub = ctx.subscriptions.get(serial)!;
  const user = s.users[sub.subscriber]!;
  ctx.emit("subscription.cancelled", sub.subscriber, {
    subscription_id: sub.id,
    subscriber_user_id: user.id,
    creator_user_id: s.users[sub.creator]!.id,
    reason: (["too_expensive", "lost_interest", "creator_inactive", "other"] as const)[
      rng.weighted([0.35, 0.75, 0.9, 1])
    ]!,
  });
  sub.active = false;
  ctx.subscriptions.delete(serial);
  ctx.subList.splice(ctx.subList.indexOf(serial), 1);
  ctx.subKeys.delete(pairKey(sub.subscriber, sub.creator));
  removeValue(user.subs, serial);
  return true;
}

/** User `u` donates to the author of `pubSerial` (or to a creator when -1). */
export function donate(ctx: SimContext, u: number, pubSerial: number): boolean {
  if (u < 0) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const pub = pubSerial >= 0 ? ctx.pubs.get(pubSerial) : undefined;
  const r = pub ? pub.author : creatorFor(ctx, u);
  if (r < 0 || r === u) return false;
  const donor = s.users[u]!;
  const step = donor.currency === "RUB" ? 10 : donor.currency === "KZT" ? 100 : rng.chance(0.7) ? 1 : 0.01;
  ctx.emit("donation.made", u, {
    donation_id: rng.uuid(),
    donor_user_id: donor.id,
    recipient_user_id: s.users[r]!.id,
    publication_id: pub ? pub.id : null,
    amount: money(Math.min(500, rng.lognormal(Math.log(4), 0.9)), donor.currency, step),
    currency: donor.currency,
    message: rng.chance(0.3) ? rng.pick(ctx.pools.donationMessages[donor.locale]) : null,
  });
  award(ctx, u, "supporter");
  return true;
}
