/**
 * Communities and moderation: creation, joins, leaves, moderators, pinned posts and complaints.
 *
 * @module
 */
import { COMPLAINT_REASONS, TOPICS } from "../events/mod.ts";
import { type SimContext } from "./context.ts";
import { COMPLAINT_CUM, DAY, MINUTE, PARAMS, removeValue } from "./params.ts";
import { actor, award } from "./users.ts";
import { type CommunityRec, type ComplaintRec, pairKey, type PubRec } from "./world.ts";

// Communities and moderation

/** A regular action: a user creates a community and owns it. */
export function createCommunity(ctx: SimContext): boolean {
  const s = ctx.state;
  const rng = ctx.rng;
  if (s.communities.length > 8 + s.users.length / 150 && rng.chance(0.97)) return false;
  const u = actor(ctx);
  if (u < 0) return false;
  const user = s.users[u]!;
  const topic = rng.chance(0.7) ? rng.pick(user.interests) : rng.int(TOPICS.length);
  const names = ctx.pools.communityNames[user.locale];
  const name = names[(topic + TOPICS.length * rng.int(Math.floor(names.length / TOPICS.length))) % names.length]!;
  const c: CommunityRec = {
    id: rng.uuid(),
    owner: u,
    name,
    topic,
    createdMs: ctx.now(),
    members: [u],
    moderators: [],
    recent: [],
    pinned: null,
    appeal: rng.lognormal(0, 0.6),
    trend: rng.normal() * 0.8,
  };
  const ci = s.communities.length;
  s.communities.push(c);
  ctx.emit("community.created", u, {
    community_id: c.id,
    owner_user_id: user.id,
    name,
    kind: rng.chance(0.7) ? "community" : "group",
    topic: TOPICS[topic]!,
    visibility: rng.chance(0.85) ? "open" : "closed",
    description: rng.chance(0.6) ? rng.pick(ctx.pools.sentences[user.locale]) : null,
  });
  user.communities.push(ci);
  ctx.members.add(pairKey(ci, u));
  ctx.memberSince.set(pairKey(ci, u), ctx.now());
  award(ctx, u, "community_founder");
  return true;
}

/** User `u` joins `community` (or one drawn by appeal when -1). */
export function joinCommunity(ctx: SimContext, u: number, community: number): boolean {
  const s = ctx.state;
  if (u < 0 || s.communities.length === 0) return false;
  const rng = ctx.rng;
  let ci = community;
  if (ci < 0) {
    for (let tries = 0; tries < 3 && ci < 0; tries++) {
      const pick = rng.weighted(ctx.communityCum);
      if (!ctx.members.has(pairKey(pick, u))) ci = pick;
    }
    if (ci < 0) return false;
  }
  const c = s.communities[ci]!;
  ctx.emit("community.joined", u, {
    community_id: c.id,
    user_id: s.users[u]!.id,
    via: community >= 0 ? "publication" : (["recommendation", "search", "invite"] as const)[
      rng.weighted([0.5, 0.85, 1])
    ]!,
  });
  c.members.push(u);
  s.users[u]!.communities.push(ci);
  ctx.members.add(pairKey(ci, u));
  ctx.memberSince.set(pairKey(ci, u), ctx.now());
  return true;
}

/** A regular action: a member (not the owner) leaves a community drawn by 1 / appeal^2. */
export function leaveCommunity(ctx: SimContext): boolean {
  const s = ctx.state;
  const rng = ctx.rng;
  if (s.communities.length === 0 || !(ctx.leaveCum[ctx.leaveCum.length - 1]! > 0)) return false;
  const ci = rng.weighted(ctx.leaveCum);
  const c = s.communities[ci]!;
  const u = rng.pick(c.members);
  if (u === c.owner) return false;
  const user = s.users[u]!;
  const key = pairKey(ci, u);
  // A moderator's role ends explicitly, just before the membership.
  if (removeValue(c.moderators, u)) {
    ctx.emit("community.moderator_removed", u, {
      community_id: c.id,
      user_id: user.id,
      removed_by_user_id: null,
      reason: "left",
    });
  }
  ctx.emit("community.left", u, {
    community_id: c.id,
    user_id: user.id,
    membership_days: Math.floor((ctx.now() - (ctx.memberSince.get(key) ?? ctx.now())) / DAY),
  });
  removeValue(c.members, u);
  removeValue(user.communities, ci);
  ctx.members.delete(key);
  ctx.memberSince.delete(key);
  return true;
}

/** A regular action: a community's owner appoints a member as moderator. */
export function addModerator(ctx: SimContext): boolean {
  const s = ctx.state;
  if (s.communities.length === 0) return false;
  const rng = ctx.rng;
  const ci = rng.int(s.communities.length);
  const c = s.communities[ci]!;
  if (c.members.length < 4 || c.moderators.length >= 1 + c.members.length / 40) return false;
  const m = rng.pick(c.members);
  if (m === c.owner || c.moderators.includes(m)) return false;
  ctx.emit("community.moderator_added", c.owner, {
    community_id: c.id,
    user_id: s.users[m]!.id,
    appointed_by_user_id: s.users[c.owner]!.id,
  });
  c.moderators.push(m);
  return true;
}

/** A regular action: a community's owner removes one of its moderators (who stays a member). */
export function removeModerator(ctx: SimContext): boolean {
  const s = ctx.state;
  if (s.communities.length === 0) return false;
  const rng = ctx.rng;
  const c = s.communities[rng.int(s.communities.length)]!;
  if (c.moderators.length === 0) return false;
  const m = rng.pick(c.moderators);
  ctx.emit("community.moderator_removed", c.owner, {
    community_id: c.id,
    user_id: s.users[m]!.id,
    removed_by_user_id: s.users[c.owner]!.id,
    reason: "removed_by_owner",
  });
  removeValue(c.moderators, m);
  return true;
}

/** A regular action: an owner or moderator pins a recent post of the community. */
export function pin(ctx: SimContext): boolean {
  const s = ctx.state;
  if (s.communities.length === 0) return false;
  const rng = ctx.rng;
  const c = s.communities[rng.int(s.communities.length)]!;
  if (c.recent.length === 0) return false;
  const pub = ctx.pubs.get(rng.pick(c.recent));
  if (!pub || pub.id === c.pinned) return false;
  const by = c.moderators.length > 0 && rng.chance(0.5) ? rng.pick(c.moderators) : c.owner;
  ctx.emit("community.post_pinned", by, {
    community_id: c.id,
    publication_id: pub.id,
    replaced_publication_id: c.pinned,
    pinned_by_user_id: s.users[by]!.id,
  });
  c.pinned = pub.id;
  return true;
}

/** User `u` files a complaint about a publication, one of its comments, or its author. */
export function complain(ctx: SimContext, u: number, pub: PubRec) {
  const s = ctx.state;
  const rng = ctx.rng;
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
  ctx.emit("complaint.filed", u, {
    complaint_id: complaint.id,
    reporter_user_id: user.id,
    target: (["publication", "comment", "user"] as const)[target]!,
    publication_id: target === 2 ? null : pub.id,
    comment_id: onComment ? pub.commentIds[i]! : null,
    reported_user_id: s.users[reported]!.id,
    community_id: pub.community >= 0 ? s.communities[pub.community]!.id : null,
    reason: COMPLAINT_REASONS[rng.weighted(COMPLAINT_CUM)]!,
    details: rng.chance(0.4) ? rng.pick(ctx.pools.complaintDetails[user.locale]) : null,
  });
  ctx.complaints.set(complaint.s, complaint);
  const at = ctx.now() + MINUTE + Math.round(rng.exp(PARAMS.resolveMeanMinutes * MINUTE));
  ctx.at({ kind: "complaint_resolve", ms: at, complaint: complaint.s });
}

/** A community moderator (or its owner) resolves a community complaint; platform staff resolve the others. */
export function resolveComplaint(ctx: SimContext, serial: number) {
  const complaint = ctx.complaints.get(serial);
  if (!complaint) return;
  const s = ctx.state;
  const rng = ctx.rng;
  const c = complaint.community >= 0 ? s.communities[complaint.community] : undefined;
  let moderator: number;
  if (c) moderator = c.moderators.length > 0 && rng.chance(0.8) ? rng.pick(c.moderators) : c.owner;
  else if (ctx.staff.length > 0) moderator = rng.pick(ctx.staff);
  else return;
  ctx.complaints.delete(serial);
  const roll = rng.float();
  const resolution = roll < 0.55 ? "dismissed" : roll < 0.85 ? "content_removed" : "user_warned";
  ctx.emit("complaint.resolved", moderator, {
    complaint_id: complaint.id,
    moderator_user_id: s.users[moderator]!.id,
    community_id: c ? c.id : null,
    resolution,
  });
  const pub = ctx.pubs.get(complaint.pub);
  if (resolution === "content_removed" && complaint.target === 0 && pub) {
    ctx.emit("publication.deleted", moderator, {
      publication_id: pub.id,
      author_user_id: s.users[pub.author]!.id,
      reason: "moderation",
      complaint_id: complaint.id,
    });
    ctx.pubs.delete(pub.s);
  }
}
