/**
 * Content: media, publications, feeds, views and their follow-ups (reactions, comments, replies, shares).
 *
 * @module
 */
import { type PayloadOf, PUBLICATION_KINDS, REACTION_TYPES, TOPICS } from "../events/mod.ts";
import { showAd } from "./ads.ts";
import { complain, joinCommunity } from "./communities.ts";
import { type SimContext } from "./context.ts";
import { follow } from "./graph.ts";
import { donate } from "./money.ts";
import {
  HOUR,
  KIND_CUM,
  MEDIA_HOST,
  MINUTE,
  PARAMS,
  PHOTO_SIZES,
  REACTION_CUM,
  REPEAT_VIEW_ACCEPT,
  round2,
} from "./params.ts";
import { LOCALES } from "./pools.ts";
import { type Rec } from "./record.ts";
import { actor, award } from "./users.ts";
import { pairKey, type PubRec, type ShareRec, type UserRec } from "./world.ts";

// Content

/** A user uploads a photo or video (with its thumbnail). */
export function uploadMedia(
  ctx: SimContext,
  u: number,
  type: "photo" | "video",
  albumId: string | null,
  durationS: number,
): PayloadOf<"media.uploaded"> {
  const rng = ctx.rng;
  const id = rng.uuid();
  const [w, h] = type === "photo" ? rng.pick(PHOTO_SIZES) : rng.chance(0.7) ? [1080, 1920] : [1920, 1080];
  const payload: PayloadOf<"media.uploaded"> = {
    media_id: id,
    owner_user_id: ctx.state.users[u]!.id,
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
  ctx.emit("media.uploaded", u, payload);
  return payload;
}

/** A regular action: an online user publishes a post, story or reel. */
export function publish(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const P = ctx.pools;
  const now = ctx.now();
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
    if (roll < 0.45) attach(uploadMedia(ctx, u, "photo", null, 0));
    else if (roll < 0.55) {
      const n = 2 + rng.int(5);
      if (n >= 3) {
        albumId = rng.uuid();
        ctx.emit("album.created", u, {
          album_id: albumId,
          owner_user_id: user.id,
          title: rng.pick(P.albumTitles[user.locale]),
        });
      }
      for (let i = 0; i < n; i++) attach(uploadMedia(ctx, u, "photo", albumId, 0));
    } else if (roll < 0.65) {
      attach(uploadMedia(ctx, u, "video", null, round2(Math.min(1800, Math.max(5, rng.lognormal(4.1, 0.8))))));
    }
  } else if (kind === 1) {
    if (rng.chance(0.7)) attach(uploadMedia(ctx, u, "photo", null, 0));
    else attach(uploadMedia(ctx, u, "video", null, round2(3 + rng.float() * 12)));
  } else {
    attach(uploadMedia(ctx, u, "video", null, round2(Math.min(90, Math.max(3, rng.lognormal(3.1, 0.6))))));
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
  const iso = ctx.nowIso();
  const expiresMs = kind === 1 ? ctx.t0 + ctx.cursor + PARAMS.storyHours * HOUR : 0;
  ctx.emit("publication.created", u, {
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
    expires_at: kind === 1 ? ctx.iso(expiresMs) : null,
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
  ctx.pubs.set(pub.s, pub);
  pushFeed(user, pub.s);
  if (pub.isPublic) s.fresh.push(pub.s);
  if (community >= 0) {
    const recent = s.communities[community]!.recent;
    recent.push(pub.s);
    if (recent.length > 12) recent.shift();
  }
  user.pubs++;
  if (user.pubs === 1) award(ctx, u, "first_post");
  return true;
}

function pushFeed(user: UserRec, item: number) {
  user.feed.push(item);
  if (user.feed.length > 6) user.feed.shift();
}

/** A live publication from the feed of someone `user` follows (own post or a share), or undefined. */
function fromFollowing(ctx: SimContext, user: UserRec): [PubRec, ShareRec | undefined] | undefined {
  const rng = ctx.rng;
  const now = ctx.now();
  for (let tries = 0; tries < 3; tries++) {
    const feed = ctx.state.users[rng.pick(user.following)]!.feed;
    if (feed.length === 0) continue;
    const i = Math.max(0, feed.length - 1 - Math.floor(rng.exp(1.2)));
    const item = feed[i]!;
    const share = item < 0 ? ctx.shares.get(-item - 1) : undefined;
    const pub = ctx.pubs.get(item < 0 ? (share ? share.pub : -1) : item);
    if (!pub || (pub.expiresMs > 0 && pub.expiresMs <= now)) {
      feed.splice(i, 1);
      continue;
    }
    return [pub, share];
  }
  return undefined;
}

/** A regular action: an online user views a publication from their feed, and maybe follows up. */
/** One pick of the feed: a followee's item (or share of it), a community's, a trending one, or a fresh one. */
function pickToView(
  ctx: SimContext,
  user: UserRec,
): [PubRec | undefined, ShareRec | undefined, PayloadOf<"publication.viewed">["source"]] {
  const s = ctx.state;
  const rng = ctx.rng;
  const r = rng.float();
  const share = PARAMS.viewSources;
  if (r < share.following && user.following.length > 0) {
    const found = fromFollowing(ctx, user);
    if (found) return [found[0], found[1], found[1] ? "share" : "following"];
  }
  if (r < share.following + share.community && user.communities.length > 0) {
    const recent = s.communities[rng.pick(user.communities)]!.recent;
    if (recent.length > 0) return [ctx.pubs.get(rng.pick(recent)), undefined, "community"];
  }
  if (r < share.following + share.community + share.trending && s.trending.length > 0) {
    return [ctx.pubs.get(s.trending[rng.weighted(ctx.trendingCum)]!), undefined, "explore"];
  }
  if (s.fresh.length > 0) return [ctx.pubs.get(rng.pick(s.fresh)), undefined, "explore"];
  return [undefined, undefined, "explore"];
}

/**
 * The user's memory of seen publications is ordered by when each was last offered (newest last): an offer, taken
 * or passed over, moves it to the end, and a full memory forgets its first entry. So what the feeds keep offering
 * (a trending publication) is remembered, and what they stopped offering is forgotten. Returns the view count.
 */
function offered(user: UserRec, serial: number): number {
  const pubs = user.seenPubs, views = user.seenViews;
  const at = pubs.lastIndexOf(serial);
  if (at < 0) return 0;
  const n = views[at]!;
  if (at < pubs.length - 1) {
    pubs.splice(at, 1);
    views.splice(at, 1);
    pubs.push(serial);
    views.push(n);
  }
  return n;
}

/** Count a view of `serial` (just {@link offered}, so last in the memory when it was seen before). */
function remember(user: UserRec, serial: number, seenBefore: number) {
  const pubs = user.seenPubs, views = user.seenViews;
  if (seenBefore > 0) {
    views[views.length - 1] = seenBefore + 1;
    return;
  }
  if (pubs.length >= PARAMS.seenMemory) {
    pubs.shift();
    views.shift();
  }
  pubs.push(serial);
  views.push(1);
}

export function view(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const s = ctx.state;
  const rng = ctx.rng;
  const user = s.users[u]!;
  const now = ctx.now();
  let pub: PubRec | undefined;
  let share: ShareRec | undefined;
  let source: PayloadOf<"publication.viewed">["source"] = "explore";
  let seen = 0;
  // A pick the user has seen before is taken again only with a chance that falls with each view (REPEAT_VIEW_ACCEPT);
  // otherwise the feed offers something else, a few times at most.
  for (let tries = 0; tries < PARAMS.viewPicks; tries++) {
    [pub, share, source] = pickToView(ctx, user);
    if (!pub || pub.author === u || (pub.expiresMs > 0 && pub.expiresMs <= now)) {
      pub = undefined;
      continue;
    }
    seen = offered(user, pub.s);
    if (seen === 0 || rng.float() < REPEAT_VIEW_ACCEPT[Math.min(seen, REPEAT_VIEW_ACCEPT.length - 1)]!) break;
    pub = undefined;
  }
  if (!pub) return false;
  remember(user, pub.s, seen);

  const dwell = Math.min(3_600_000, Math.round(rng.lognormal(pub.kind === 2 ? 9.4 : 8.3, 0.8)));
  const rec = ctx.emit("publication.viewed", u, {
    publication_id: pub.id,
    source,
    share_id: share ? share.id : null,
    dwell_ms: dwell,
  });
  pub.views++;
  pub.vel = pub.vel * Math.exp((pub.velMs - now) / (PARAMS.trendingTauMinutes * MINUTE)) + 1;
  pub.velMs = now;
  ctx.touched.add(pub.s);
  if (pub.views === 1000) {
    rec.reached1000 = { publication_id: pub.id, kind: PUBLICATION_KINDS[pub.kind]!, created_at: pub.createdIso };
    award(ctx, pub.author, "viral");
  }

  const q = pub.q;
  if (rng.float() < Math.min(0.6, PARAMS.reactPerView * q)) reactTo(ctx, u, pub);
  if (rng.float() < Math.min(0.25, PARAMS.commentPerView * q)) commentOn(ctx, u, pub);
  if (pub.kind !== 1 && rng.float() < Math.min(0.1, PARAMS.sharePerView * q * (pub.kind === 2 ? 1.6 : 1))) {
    sharePublication(ctx, u, pub, share);
  }
  if (ctx.activeAds.length > 0 && rng.float() < PARAMS.adPerView) showAd(ctx, u, pub.kind);
  const author = s.users[pub.author]!;
  if (
    rng.float() < PARAMS.followAuthorPerView * (1 + Math.log1p(author.fitness)) &&
    !ctx.follows.has(pairKey(u, pub.author))
  ) follow(ctx, u, "feed", pub.author);
  if (
    pub.community >= 0 && rng.float() < PARAMS.joinFromPublication && !ctx.members.has(pairKey(pub.community, u))
  ) joinCommunity(ctx, u, pub.community);
  if (rng.float() < PARAMS.complaintPerView * (q < 0.5 ? 6 : 1)) complain(ctx, u, pub);
  if (rng.float() < PARAMS.donationPerView * (author.fitness > 0 ? 4 : 1)) donate(ctx, u, pub.s);
  return true;
}

function reactTo(ctx: SimContext, u: number, pub: PubRec) {
  const rng = ctx.rng;
  const onComment = pub.commentIds.length > 0 && rng.chance(0.15);
  const rec = ctx.emit("reaction.added", u, {
    reaction_id: rng.uuid(),
    target: onComment ? "comment" : "publication",
    publication_id: pub.id,
    comment_id: onComment ? rng.pick(pub.commentIds) : null,
    reaction: REACTION_TYPES[rng.weighted(REACTION_CUM)]!,
  });
  if (pub.community >= 0) rec.community = ctx.state.communities[pub.community]!.id;
}

function commentOn(ctx: SimContext, u: number, pub: PubRec) {
  const rng = ctx.rng;
  const user = ctx.state.users[u]!;
  const pool = ctx.pools.comments[user.locale];
  const text = rng.chance(0.2) ? `${rng.pick(pool)} ${rng.pick(ctx.pools.sentences[user.locale])}` : rng.pick(pool);
  const id = rng.uuid();
  let root = id;
  let rec: Rec;
  if (pub.commentIds.length > 0 && rng.chance(PARAMS.replyShareOfComments)) {
    const i = rng.int(pub.commentIds.length);
    root = pub.commentRoots[i]!;
    rec = ctx.emit("reply.created", u, {
      comment_id: id,
      publication_id: pub.id,
      parent_comment_id: pub.commentIds[i]!,
      root_comment_id: root,
      author_user_id: user.id,
      text,
    });
  } else {
    rec = ctx.emit("comment.created", u, { comment_id: id, publication_id: pub.id, author_user_id: user.id, text });
  }
  rec.topic = TOPICS[pub.topic];
  if (pub.community >= 0) rec.community = ctx.state.communities[pub.community]!.id;
  pub.commentIds.push(id);
  pub.commentRoots.push(root);
  pub.commentAuthors.push(u);
  if (pub.commentIds.length > 8) {
    pub.commentIds.shift();
    pub.commentRoots.shift();
    pub.commentAuthors.shift();
  }
  user.comments++;
  if (user.comments === 50) award(ctx, u, "conversationalist");
}

function sharePublication(ctx: SimContext, u: number, pub: PubRec, via: ShareRec | undefined) {
  const s = ctx.state;
  const rng = ctx.rng;
  const user = s.users[u]!;
  const quote = rng.chance(0.25);
  const sh: ShareRec = {
    s: s.serials.share++,
    id: rng.uuid(),
    pub: pub.s,
    sharer: u,
    depth: via ? via.depth + 1 : 1,
    ms: ctx.now(),
  };
  const rec = ctx.emit("share.created", u, {
    share_id: sh.id,
    publication_id: pub.id,
    publication_author_user_id: s.users[pub.author]!.id,
    sharer_user_id: user.id,
    kind: quote ? "quote" : "repost",
    text: quote ? rng.pick(ctx.pools.comments[user.locale]) : null,
    parent_share_id: via ? via.id : null,
    cascade_depth: sh.depth,
  });
  if (pub.community >= 0) rec.community = s.communities[pub.community]!.id;
  ctx.shares.set(sh.s, sh);
  pushFeed(user, -sh.s - 1);
  pub.shares++;
}

/** A regular action: a user deletes one of their recent publications. */
export function deleteOwnPublication(ctx: SimContext): boolean {
  const u = actor(ctx);
  if (u < 0) return false;
  const user = ctx.state.users[u]!;
  const own = user.feed.filter((item) => item >= 0 && ctx.pubs.has(item));
  if (own.length === 0) return false;
  const pub = ctx.pubs.get(ctx.rng.pick(own))!;
  ctx.emit("publication.deleted", u, {
    publication_id: pub.id,
    author_user_id: user.id,
    reason: "author",
    complaint_id: null,
  });
  ctx.pubs.delete(pub.s);
  return true;
}
