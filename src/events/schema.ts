/**
 * The event contract of socialpulse: one zod schema shared by the generator (which produces it) and the pipeline
 * (which validates its input against it at its own boundary).
 *
 * Every line of a minute drop is one JSON object: an envelope (`event_id`, `event_type`, `schema_version`,
 * `occurred_at`, `actor_user_id`) and a typed `payload` per `event_type`. The union is discriminated on
 * `event_type`. Every id is a UUID string; money is `amount` (>= 0, at most 2 decimals) with an ISO 4217
 * `currency`; every free text has a maximum length ({@link STRING_MAX}); every payload key is required (a value
 * that does not apply is `null`, never absent), so a missing key always fails validation. Unknown keys are
 * stripped, not rejected. `docs/events.md` documents every type with an example.
 *
 * "Not in the future" depends on the clock of whoever validates, so it is not a static rule: call
 * {@link checkOccurredAt} beside {@link eventSchema}.
 *
 * @module
 */
import { z } from "zod";

/** Version of this contract, written in every envelope. Bump on a breaking change. */
export const SCHEMA_VERSION = 1 as const;

/** Every event type, grouped by entity family (users, social links, content, media, communities, monetization). */
export const EVENT_TYPES = [
  "user.signed_up",
  "user.profile_updated",
  "user.settings_changed",
  "user.privacy_changed",
  "user.status_changed",
  "user.badge_awarded",
  "friendship.requested",
  "friendship.accepted",
  "friendship.ended",
  "follow.created",
  "follow.removed",
  "close_friend.added",
  "close_friend.removed",
  "block.created",
  "mute.created",
  "subscription.started",
  "subscription.charged",
  "subscription.cancelled",
  "album.created",
  "media.uploaded",
  "publication.created",
  "publication.viewed",
  "publication.deleted",
  "comment.created",
  "reply.created",
  "reaction.added",
  "share.created",
  "community.created",
  "community.joined",
  "community.left",
  "community.moderator_added",
  "community.moderator_removed",
  "community.post_pinned",
  "complaint.filed",
  "complaint.resolved",
  "advertiser.registered",
  "campaign.created",
  "ad.created",
  "ad.impression",
  "ad.clicked",
  "sponsorship.created",
  "donation.made",
] as const;

/** One event type. */
export type EventType = typeof EVENT_TYPES[number];

/**
 * Event types that no user performs (badges awarded by rules, subscription charges made by the billing system,
 * back-office and advertiser actions): their `actor_user_id` is null, and they do not make anyone an active user.
 */
export const SYSTEM_EVENT_TYPES = [
  "user.badge_awarded",
  "subscription.charged",
  "advertiser.registered",
  "campaign.created",
  "ad.created",
  "sponsorship.created",
] as const satisfies readonly EventType[];

/** Topics of publications and communities (the `community_topics` reference data). */
export const TOPICS = [
  "news",
  "sports",
  "music",
  "movies",
  "gaming",
  "tech",
  "science",
  "travel",
  "food",
  "fashion",
  "beauty",
  "fitness",
  "health",
  "finance",
  "education",
  "art",
  "photography",
  "pets",
  "humor",
  "politics",
  "auto",
  "books",
  "parenting",
  "diy",
] as const;

/** Reaction types; a like is the reaction `like`. */
export const REACTION_TYPES = ["like", "love", "wow", "haha", "sad", "angry"] as const;
/** Kinds of publication. A story expires 24 h after it is created. */
export const PUBLICATION_KINDS = ["post", "story", "reel"] as const;
/** Kinds of share: a repost re-publishes as is, a quote adds the sharer's text. */
export const SHARE_KINDS = ["repost", "quote"] as const;
/** Badges and the rules that award them (each at most once per user). */
export const BADGES = {
  early_adopter: "one of the first 1000 users of the network",
  first_post: "created a first publication",
  rising_star: "reached 100 followers",
  influencer: "reached 1000 followers",
  viral: "a publication reached 1000 views",
  conversationalist: "wrote 50 comments or replies",
  supporter: "made a first donation or paid subscription",
  community_founder: "created a community",
} as const;
/** One badge name. */
export type Badge = keyof typeof BADGES;
const BADGE_NAMES = Object.keys(BADGES) as [Badge, ...Badge[]];

/** Reasons of a complaint (report). */
export const COMPLAINT_REASONS = [
  "spam",
  "harassment",
  "hate_speech",
  "nudity",
  "violence",
  "misinformation",
  "scam",
  "copyright",
  "other",
] as const;

/** Maximum length, in characters (Unicode code points, as zod counts), of every free-text field, by field name. */
export const STRING_MAX = {
  username: 30,
  display_name: 100,
  email: 254,
  city: 100,
  timezone: 64,
  bio: 500,
  website: 200,
  rule: 200,
  title: 100,
  url: 2048,
  text: 5000,
  hashtag: 100,
  name: 100,
  description: 1000,
  details: 1000,
  headline: 100,
  body: 500,
  landing_url: 2048,
  message: 500,
} as const;

/** Ages a user may have (years, at the time of the event). */
export const AGE_RANGE = { min: 13, max: 120 } as const;

// ---------------------------------------------------------------------------------------------------------------
// Field builders

const id = z.uuid();
const timestamp = z.iso.datetime();
const topic = z.enum(TOPICS);
const locale = z.enum(["ru", "en"]);
const country = z.string().regex(/^[A-Z]{2}$/, { message: "an ISO 3166-1 alpha-2 country code" });
const currency = z.string().regex(/^[A-Z]{3}$/, { message: "an ISO 4217 currency code" });
/** Money: non-negative, whole cents. */
const amount = z.number().min(0).max(1e9).refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, {
  message: "at most 2 decimals",
});
const count = z.number().int().min(0);
const str = (field: keyof typeof STRING_MAX) => z.string().min(1).max(STRING_MAX[field]);
const optStr = (field: keyof typeof STRING_MAX) => z.string().max(STRING_MAX[field]).nullable();

const settings = z.object({
  language: locale,
  theme: z.enum(["light", "dark", "system"]),
  notifications_email: z.boolean(),
  notifications_push: z.boolean(),
  autoplay_videos: z.boolean(),
});

const privacy = z.object({
  profile_visibility: z.enum(["public", "friends", "private"]),
  who_can_message: z.enum(["everyone", "friends", "nobody"]),
  show_online_status: z.boolean(),
  searchable: z.boolean(),
});

/** Whole years between a `YYYY-MM-DD` birth date and an ISO timestamp. */
export function ageAt(birthDate: string, at: string): number {
  const by = Number(birthDate.slice(0, 4)), bm = Number(birthDate.slice(5, 7)), bd = Number(birthDate.slice(8, 10));
  const ay = Number(at.slice(0, 4)), am = Number(at.slice(5, 7)), ad = Number(at.slice(8, 10));
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Payloads, one per event type

/** The payload schema of every event type. */
export const PAYLOADS = {
  "user.signed_up": z.object({
    user_id: id,
    username: str("username").regex(/^[a-z0-9_.]{3,30}$/),
    display_name: str("display_name"),
    email: z.email().max(STRING_MAX.email),
    birth_date: z.iso.date(),
    gender: z.enum(["female", "male", "undisclosed"]),
    locale,
    country,
    city: str("city"),
    timezone: str("timezone"),
    signup_source: z.enum(["organic", "invite", "ad", "search"]),
    referrer_user_id: id.nullable(),
    interests: z.array(topic).max(10),
    settings,
    privacy,
  }),
  "user.profile_updated": z.object({
    user_id: id,
    display_name: str("display_name"),
    bio: optStr("bio"),
    city: str("city"),
    country,
    website: optStr("website"),
    avatar_media_id: id.nullable(),
  }),
  "user.settings_changed": z.object({ user_id: id, settings }),
  "user.privacy_changed": z.object({ user_id: id, privacy }),
  "user.status_changed": z.object({
    user_id: id,
    session_id: id,
    status: z.enum(["online", "offline"]),
    device: z.enum(["ios", "android", "web", "desktop"]),
    /** Length of the session that ends; null when going online. */
    session_duration_s: count.max(7 * 86400).nullable(),
  }),
  "user.badge_awarded": z.object({ user_id: id, award_id: id, badge: z.enum(BADGE_NAMES), rule: str("rule") }),

  "friendship.requested": z.object({
    request_id: id,
    requester_user_id: id,
    addressee_user_id: id,
    mutual_friends: count.max(100_000),
  }),
  "friendship.accepted": z.object({
    request_id: id,
    friendship_id: id,
    requester_user_id: id,
    addressee_user_id: id,
  }),
  "friendship.ended": z.object({ friendship_id: id, user_id: id, friend_user_id: id }),
  "follow.created": z.object({
    follower_user_id: id,
    followee_user_id: id,
    source: z.enum(["onboarding", "suggestion", "search", "profile", "feed"]),
  }),
  "follow.removed": z.object({ follower_user_id: id, followee_user_id: id }),
  "close_friend.added": z.object({ user_id: id, friend_user_id: id }),
  "close_friend.removed": z.object({ user_id: id, friend_user_id: id }),
  "block.created": z.object({ user_id: id, blocked_user_id: id }),
  "mute.created": z.object({
    user_id: id,
    muted_user_id: id,
    duration_days: z.number().int().min(1).max(365).nullable(),
  }),
  "subscription.started": z.object({
    subscription_id: id,
    subscriber_user_id: id,
    creator_user_id: id,
    tier: z.enum(["basic", "plus", "vip"]),
    amount,
    currency,
  }),
  "subscription.charged": z.object({
    payment_id: id,
    subscription_id: id,
    subscriber_user_id: id,
    creator_user_id: id,
    amount,
    currency,
    period_start: timestamp,
    period_end: timestamp,
  }),
  "subscription.cancelled": z.object({
    subscription_id: id,
    subscriber_user_id: id,
    creator_user_id: id,
    reason: z.enum(["too_expensive", "lost_interest", "creator_inactive", "other"]),
  }),

  "album.created": z.object({ album_id: id, owner_user_id: id, title: str("title") }),
  "media.uploaded": z.object({
    media_id: id,
    owner_user_id: id,
    media_type: z.enum(["photo", "video"]),
    mime_type: z.enum(["image/jpeg", "image/png", "image/webp", "video/mp4", "video/webm"]),
    width: z.number().int().min(1).max(10_000),
    height: z.number().int().min(1).max(10_000),
    size_bytes: z.number().int().min(1).max(4_000_000_000),
    /** Seconds, videos only (null for photos). */
    duration_s: z.number().min(0.1).max(3600).nullable(),
    album_id: id.nullable(),
    url: str("url"),
    thumbnail: z.object({
      thumbnail_id: id,
      width: z.number().int().min(1).max(1000),
      height: z.number().int().min(1).max(1000),
      url: str("url"),
    }),
  }),
  "publication.created": z.object({
    publication_id: id,
    author_user_id: id,
    kind: z.enum(PUBLICATION_KINDS),
    topic,
    community_id: id.nullable(),
    text: optStr("text"),
    language: locale,
    visibility: z.enum(["public", "followers", "friends", "close_friends"]),
    hashtags: z.array(str("hashtag")).max(30),
    attachments: z.array(z.object({
      attachment_id: id,
      media_id: id,
      media_type: z.enum(["photo", "video"]),
      position: z.number().int().min(0).max(9),
    })).max(10),
    album_id: id.nullable(),
    /** Stories only: created + 24 h. */
    expires_at: timestamp.nullable(),
  }),
  "publication.viewed": z.object({
    publication_id: id,
    source: z.enum(["following", "explore", "community", "share", "profile"]),
    /** The share through which the viewer reached the publication, if any. */
    share_id: id.nullable(),
    dwell_ms: z.number().int().min(0).max(3_600_000),
  }),
  "publication.deleted": z.object({
    publication_id: id,
    author_user_id: id,
    reason: z.enum(["author", "moderation"]),
    complaint_id: id.nullable(),
  }),
  "comment.created": z.object({ comment_id: id, publication_id: id, author_user_id: id, text: str("text") }),
  "reply.created": z.object({
    comment_id: id,
    publication_id: id,
    parent_comment_id: id,
    root_comment_id: id,
    author_user_id: id,
    text: str("text"),
  }),
  "reaction.added": z.object({
    reaction_id: id,
    target: z.enum(["publication", "comment"]),
    publication_id: id,
    comment_id: id.nullable(),
    reaction: z.enum(REACTION_TYPES),
  }),
  "share.created": z.object({
    share_id: id,
    publication_id: id,
    publication_author_user_id: id,
    sharer_user_id: id,
    kind: z.enum(SHARE_KINDS),
    /** Quotes only. */
    text: optStr("text"),
    /** The share this one was made from (a cascade), or null when shared from the publication itself. */
    parent_share_id: id.nullable(),
    cascade_depth: z.number().int().min(1).max(10_000),
  }),

  "community.created": z.object({
    community_id: id,
    owner_user_id: id,
    name: str("name"),
    kind: z.enum(["community", "group"]),
    topic,
    visibility: z.enum(["open", "closed"]),
    description: optStr("description"),
  }),
  "community.joined": z.object({
    community_id: id,
    user_id: id,
    via: z.enum(["search", "invite", "recommendation", "publication"]),
  }),
  "community.left": z.object({ community_id: id, user_id: id, membership_days: count.max(100_000) }),
  "community.moderator_added": z.object({ community_id: id, user_id: id, appointed_by_user_id: id }),
  "community.moderator_removed": z.object({
    community_id: id,
    user_id: id,
    removed_by_user_id: id.nullable(),
    reason: z.enum(["left", "removed_by_owner"]),
  }),
  "community.post_pinned": z.object({
    community_id: id,
    publication_id: id,
    replaced_publication_id: id.nullable(),
    pinned_by_user_id: id,
  }),
  "complaint.filed": z.object({
    complaint_id: id,
    reporter_user_id: id,
    target: z.enum(["publication", "comment", "user"]),
    publication_id: id.nullable(),
    comment_id: id.nullable(),
    reported_user_id: id,
    community_id: id.nullable(),
    reason: z.enum(COMPLAINT_REASONS),
    details: optStr("details"),
  }),
  "complaint.resolved": z.object({
    complaint_id: id,
    moderator_user_id: id,
    community_id: id.nullable(),
    resolution: z.enum(["dismissed", "content_removed", "user_warned"]),
  }),

  "advertiser.registered": z.object({
    advertiser_id: id,
    name: str("name"),
    industry: z.enum(["retail", "tech", "finance", "food", "travel", "entertainment", "education", "health", "auto"]),
    country,
  }),
  "campaign.created": z.object({
    campaign_id: id,
    advertiser_id: id,
    name: str("name"),
    objective: z.enum(["awareness", "traffic", "conversions"]),
    budget: amount,
    currency,
    starts_at: timestamp,
    ends_at: timestamp,
    target_topics: z.array(topic).max(5),
  }),
  "ad.created": z.object({
    ad_id: id,
    campaign_id: id,
    advertiser_id: id,
    format: z.enum(["feed", "story", "reel"]),
    headline: str("headline"),
    body: optStr("body"),
    landing_url: str("landing_url"),
  }),
  "ad.impression": z.object({
    impression_id: id,
    ad_id: id,
    campaign_id: id,
    placement: z.enum(["feed", "stories", "reels"]),
  }),
  "ad.clicked": z.object({ click_id: id, impression_id: id, ad_id: id, campaign_id: id, cost: amount, currency }),
  "sponsorship.created": z.object({
    sponsorship_id: id,
    advertiser_id: id,
    creator_user_id: id,
    publication_id: id.nullable(),
    amount,
    currency,
  }),
  "donation.made": z.object({
    donation_id: id,
    donor_user_id: id,
    recipient_user_id: id,
    publication_id: id.nullable(),
    amount: amount.refine((v) => v >= 0.01, { message: "at least 0.01" }),
    currency,
    message: optStr("message"),
  }),
} as const satisfies Record<EventType, z.ZodObject>;

/** The payload type of one event type. */
export type PayloadOf<T extends EventType> = z.infer<typeof PAYLOADS[T]>;

/** Rules that involve more than one field, per event type. Each returns null or [path, message]. */
const CROSS_FIELD: { [T in EventType]?: (e: { occurred_at: string; payload: PayloadOf<T> }) => string | null } = {
  "user.signed_up": (e) => {
    const age = ageAt(e.payload.birth_date, e.occurred_at);
    return age < AGE_RANGE.min || age > AGE_RANGE.max
      ? `age ${age} is outside ${AGE_RANGE.min}..${AGE_RANGE.max}`
      : null;
  },
  "user.status_changed": (e) =>
    (e.payload.status === "offline") !== (e.payload.session_duration_s !== null)
      ? "session_duration_s is set exactly when status is offline"
      : null,
  "media.uploaded": (e) =>
    (e.payload.media_type === "video") !== (e.payload.duration_s !== null)
      ? "duration_s is set exactly for videos"
      : null,
  "publication.created": (e) =>
    (e.payload.kind === "story") !== (e.payload.expires_at !== null) ? "expires_at is set exactly for stories" : null,
  "share.created": (e) =>
    (e.payload.kind === "quote") !== (e.payload.text !== null) ? "text is set exactly for quotes" : null,
  "reaction.added": (e) =>
    (e.payload.target === "comment") !== (e.payload.comment_id !== null)
      ? "comment_id is set exactly when the target is a comment"
      : null,
  "complaint.filed": (e) => {
    const p = e.payload;
    const ok = p.target === "user"
      ? p.publication_id === null && p.comment_id === null
      : p.target === "publication"
      ? p.publication_id !== null && p.comment_id === null
      : p.publication_id !== null && p.comment_id !== null;
    return ok ? null : `publication_id/comment_id do not fit target ${p.target}`;
  },
  "community.moderator_removed": (e) =>
    (e.payload.reason === "removed_by_owner") !== (e.payload.removed_by_user_id !== null)
      ? "removed_by_user_id is set exactly when the owner removed the moderator"
      : null,
  "campaign.created": (e) => (e.payload.ends_at <= e.payload.starts_at ? "ends_at is not after starts_at" : null),
  "subscription.charged": (e) =>
    e.payload.period_end <= e.payload.period_start ? "period_end is not after period_start" : null,
};

function eventOf<T extends EventType>(type: T) {
  const actor = (SYSTEM_EVENT_TYPES as readonly string[]).includes(type) ? z.null() : id;
  const base = z.object({
    event_id: id,
    event_type: z.literal(type),
    schema_version: z.literal(SCHEMA_VERSION),
    occurred_at: timestamp,
    actor_user_id: actor,
    payload: PAYLOADS[type],
  });
  const rule = CROSS_FIELD[type] as ((e: { occurred_at: string; payload: unknown }) => string | null) | undefined;
  if (!rule) return base;
  return base.superRefine((e, ctx) => {
    const problem = rule(e as { occurred_at: string; payload: unknown });
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem, path: ["payload"] });
  });
}

type EventSchemas = { [T in EventType]: ReturnType<typeof eventOf<T>> };
const EVENT_SCHEMAS = Object.fromEntries(EVENT_TYPES.map((t) => [t, eventOf(t)])) as EventSchemas;

/**
 * One event: the envelope and its typed payload, discriminated on `event_type`. Validates types, required
 * fields, enums, ranges, string lengths and cross-field rules; not the clock (see {@link checkOccurredAt}).
 */
export const eventSchema = z.discriminatedUnion(
  "event_type",
  EVENT_TYPES.map((t) => EVENT_SCHEMAS[t]) as unknown as [
    EventSchemas[EventType],
    ...EventSchemas[EventType][],
  ],
);

/** One event of a given type. */
export type EventOf<T extends EventType> = {
  event_id: string;
  event_type: T;
  schema_version: typeof SCHEMA_VERSION;
  occurred_at: string;
  actor_user_id: T extends typeof SYSTEM_EVENT_TYPES[number] ? null : string;
  payload: PayloadOf<T>;
};

/** Any valid event. */
export type Event = { [T in EventType]: EventOf<T> }[EventType];

/**
 * The clock rule that a static schema cannot express: `occurred_at` must not lie more than `futureToleranceMs`
 * after `now`. Returns a reason (`occurred_at:invalid`, `occurred_at:in_future`) or null when the time is fine.
 */
export function checkOccurredAt(occurredAt: string, now: Date, futureToleranceMs: number): string | null {
  const t = Date.parse(occurredAt);
  if (Number.isNaN(t)) return "occurred_at:invalid";
  if (t > now.getTime() + futureToleranceMs) return "occurred_at:in_future";
  return null;
}
