/**
 * The social graph: follows, friendships (requests, acceptance, ends), close friends, blocks and mutes.
 *
 * @module
 */
import { type PayloadOf } from "../events/mod.ts";
import { type SimContext } from "./context.ts";
import { MINUTE, PARAMS, removeValue } from "./params.ts";
import { actor, award } from "./users.ts";
import { pairKey, undirectedKey } from "./world.ts";

// Social graph

/** A user to follow: preferential attachment, creators, friends-of-followees, or anyone. */
function followTarget(ctx: SimContext, u: number): [number, PayloadOf<"follow.created">["source"]] {
  const rng = ctx.rng;
  const s = ctx.state;
  const user = s.users[u]!;
  for (let tries = 0; tries < 4; tries++) {
    const r = rng.float();
    let t: number;
    let source: PayloadOf<"follow.created">["source"] = "suggestion";
    if (r < 0.45 && s.followTargets.length > 0) t = rng.pick(s.followTargets);
    else if (r < 0.7 && ctx.creators.length > 0) t = rng.pick(ctx.creators);
    else if (r < 0.9 && user.following.length > 0) {
      const via = s.users[rng.pick(user.following)]!.following;
      if (via.length === 0) continue;
      t = rng.pick(via);
      source = "profile";
    } else {
      t = rng.int(s.users.length);
      source = "search";
    }
    if (t === u || ctx.follows.has(pairKey(u, t)) || ctx.blocks.has(pairKey(t, u))) continue;
    return [t, source];
  }
  return [-1, "search"];
}

/** `u` follows `target` (or a drawn target); false when there is none or the edge exists. */
export function follow(
  ctx: SimContext,
  u: number,
  source?: PayloadOf<"follow.created">["source"],
  target = -1,
): boolean {
  let t = target;
  let src = source ?? "suggestion";
  if (t < 0) {
    const [picked, how] = followTarget(ctx, u);
    t = picked;
    src = source ?? how;
  }
  if (t < 0 || t === u || ctx.follows.has(pairKey(u, t))) return false;
  const s = ctx.state;
  const follower = s.users[u]!, followee = s.users[t]!;
  ctx.emit("follow.created", u, { follower_user_id: follower.id, followee_user_id: followee.id, source: src });
  follower.following.push(t);
  followee.followers++;
  s.followTargets.push(t);
  ctx.follows.add(pairKey(u, t));
  if (followee.followers === 100) award(ctx, t, "rising_star");
  if (followee.followers === 1000) award(ctx, t, "influencer");
  return true;
}

/** A regular action: an online user follows someone. */
export function followAction(ctx: SimContext): boolean {
  const u = actor(ctx);
  return u >= 0 && follow(ctx, u);
}

function removeFollow(ctx: SimContext, u: number, t: number) {
  const s = ctx.state;
  const follower = s.users[u]!, followee = s.users[t]!;
  removeValue(follower.following, t);
  followee.followers--;
  ctx.follows.delete(pairKey(u, t));
  ctx.emit("follow.removed", u, { follower_user_id: follower.id, followee_user_id: followee.id });
}

/** A regular action: an online user unfollows someone. */
export function unfollow(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const following = ctx.state.users[u]!.following;
  if (following.length === 0) return false;
  removeFollow(ctx, u, ctx.rng.pick(following));
  return true;
}

/** `u` asks `t` for friendship; accepted later with chance `acceptP`. */
export function requestFriendship(ctx: SimContext, u: number, t: number, acceptP: number): boolean {
  if (t === u || ctx.friends.has(undirectedKey(u, t))) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const user = s.users[u]!;
  let mutual = 0;
  for (let i = 0; i < user.friends.length && i < 300; i++) {
    if (ctx.friends.has(undirectedKey(user.friends[i]!, t))) mutual++;
  }
  const requestId = rng.uuid();
  ctx.emit("friendship.requested", u, {
    request_id: requestId,
    requester_user_id: user.id,
    addressee_user_id: s.users[t]!.id,
    mutual_friends: mutual,
  });
  if (rng.chance(acceptP)) {
    const at = ctx.now() + MINUTE + Math.round(rng.exp(PARAMS.acceptMeanMinutes * MINUTE));
    ctx.at({ kind: "friendship_accept", ms: at, requester: u, addressee: t, requestId });
  }
  return true;
}

/** Triadic closure: most requests go to friends of friends. */
export function friendRequest(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const rng = ctx.rng;
  const s = ctx.state;
  const user = s.users[u]!;
  let t = -1;
  if (user.friends.length > 0 && rng.chance(0.7)) {
    const fof = s.users[rng.pick(user.friends)]!.friends;
    if (fof.length > 0) t = rng.pick(fof);
  }
  if (t < 0 || t === u) {
    t = user.following.length > 0 && rng.chance(0.6) ? rng.pick(user.following) : rng.pick(s.online);
  }
  return requestFriendship(ctx, u, t, PARAMS.acceptProbability);
}

/** A friend request is accepted (scheduled): the addressee acts. */
export function acceptFriendship(ctx: SimContext, requester: number, addressee: number, requestId: string) {
  const key = undirectedKey(requester, addressee);
  if (ctx.friends.has(key)) return;
  const s = ctx.state;
  const friendshipId = ctx.rng.uuid();
  ctx.emit("friendship.accepted", addressee, {
    request_id: requestId,
    friendship_id: friendshipId,
    requester_user_id: s.users[requester]!.id,
    addressee_user_id: s.users[addressee]!.id,
  });
  ctx.friends.add(key);
  ctx.friendships.set(key, friendshipId);
  s.users[requester]!.friends.push(addressee);
  s.users[addressee]!.friends.push(requester);
}

/** A regular action: a user ends a friendship (and the close-friend marks on both sides). */
export function endFriendship(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const user = s.users[u]!;
  if (user.friends.length === 0) return false;
  const f = ctx.rng.pick(user.friends);
  const friend = s.users[f]!;
  if (ctx.close.has(pairKey(u, f))) dropCloseFriend(ctx, u, f);
  if (ctx.close.has(pairKey(f, u))) dropCloseFriend(ctx, f, u);
  const key = undirectedKey(u, f);
  ctx.emit("friendship.ended", u, {
    friendship_id: ctx.friendships.get(key) ?? ctx.rng.uuid(),
    user_id: user.id,
    friend_user_id: friend.id,
  });
  ctx.friends.delete(key);
  ctx.friendships.delete(key);
  removeValue(user.friends, f);
  removeValue(friend.friends, u);
  return true;
}

/** A regular action: a user marks a friend as close friend. */
export function addCloseFriend(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const user = s.users[u]!;
  if (user.friends.length === 0) return false;
  for (let tries = 0; tries < 4; tries++) {
    const f = ctx.rng.pick(user.friends);
    if (ctx.close.has(pairKey(u, f))) continue;
    ctx.emit("close_friend.added", u, { user_id: user.id, friend_user_id: s.users[f]!.id });
    user.closeFriends.push(f);
    ctx.close.add(pairKey(u, f));
    return true;
  }
  return false;
}

function dropCloseFriend(ctx: SimContext, u: number, f: number) {
  const s = ctx.state;
  ctx.emit("close_friend.removed", u, { user_id: s.users[u]!.id, friend_user_id: s.users[f]!.id });
  removeValue(s.users[u]!.closeFriends, f);
  ctx.close.delete(pairKey(u, f));
}

/** A regular action: a user removes a close friend. */
export function removeCloseFriend(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const close = ctx.state.users[u]!.closeFriends;
  if (close.length === 0) return false;
  dropCloseFriend(ctx, u, ctx.rng.pick(close));
  return true;
}

/** A regular action: a user blocks someone (and stops following them). */
export function block(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const user = s.users[u]!;
  const fromFollowing = user.following.length > 0 && rng.chance(0.5);
  const t = fromFollowing ? rng.pick(user.following) : rng.int(s.users.length);
  if (t === u || ctx.blocks.has(pairKey(u, t))) return false;
  if (ctx.follows.has(pairKey(u, t))) removeFollow(ctx, u, t);
  ctx.emit("block.created", u, { user_id: user.id, blocked_user_id: s.users[t]!.id });
  ctx.blocks.add(pairKey(u, t));
  return true;
}

/** A regular action: a user mutes someone. */
export function mute(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const user = s.users[u]!;
  const t = user.following.length > 0 && rng.chance(0.8) ? rng.pick(user.following) : rng.int(s.users.length);
  if (t === u || ctx.mutes.has(pairKey(u, t))) return false;
  ctx.emit("mute.created", u, {
    user_id: user.id,
    muted_user_id: s.users[t]!.id,
    duration_days: rng.chance(0.5) ? null : rng.pick([1, 7, 30, 90]),
  });
  ctx.mutes.add(pairKey(u, t));
  return true;
}
