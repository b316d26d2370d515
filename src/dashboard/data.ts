/**
 * What the dashboard reads: the ClickHouse marts (through the one ClickHouse client) and the pipeline's accounting
 * in PostgreSQL schema `etl`. Every query takes the page's filters as query parameters, never spliced text.
 *
 * @module
 */
import type { ClickHouseClient } from "../clients/clickhouse.ts";
import { chQuery } from "../clients/clickhouse.ts";
import type { Sql } from "../clients/postgres.ts";
import type { SnapshotReader } from "./snapshot.ts";

/**
 * The clients a page needs. `etlSchema` is `etl` except in tests (a private prefix). `snapshot` is set when `ch` is
 * the dashboard's private chDB session holding the newest export snapshot (see snapshot.ts), null when `ch` reads
 * the marts live (a ClickHouse server).
 */
export interface DashboardDeps {
  ch: ClickHouseClient;
  sql: Sql | null;
  etlSchema: string;
  now: () => Date;
  snapshot: SnapshotReader | null;
}

/** The filters of a page, all in its URL: a day range (inclusive) and optional kind and community. */
export interface Filters {
  from: string;
  to: string;
  kind: string;
  community: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === "" ? null : Number(v));

/** Marts the database holds (a page whose mart is missing says so instead of failing). */
export async function martTables(ch: ClickHouseClient): Promise<Set<string>> {
  const rows = await chQuery<{ name: string }>(
    ch,
    "select name from system.tables where database = currentDatabase() and name like 'mart\\_%'",
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * A fingerprint of the marts' data: it changes whenever a model build replaces or appends parts. Pages rendered
 * from the marts are cached under it, so a page is rendered once per build and filter set.
 */
export async function martsVersion(ch: ClickHouseClient): Promise<string> {
  const [r] = await chQuery<{ v: string }>(
    ch,
    "select concat(toString(count()), '/', toString(sum(rows)), '/', toString(max(modification_time))) as v " +
      "from system.parts where database = currentDatabase() and active and table like 'mart\\_%'",
  );
  return r?.v ?? "";
}

/** First and last day of the platform mart (null when empty). */
export async function dayBounds(ch: ClickHouseClient): Promise<{ first: string; last: string } | null> {
  const [r] = await chQuery<{ first: string; last: string; n: string }>(
    ch,
    "select toString(min(day)) as first, toString(max(day)) as last, count() as n from mart_platform_daily",
  );
  return r && Number(r.n) > 0 ? { first: r.first, last: r.last } : null;
}

/** One day of the platform mart. */
export interface PlatformDay {
  day: string;
  publications: number;
  posts: number;
  stories: number;
  reels: number;
  comments: number;
  reactions: number;
  interactions_per_post: number | null;
  dau: number;
  wau: number;
  dau_wau_ratio: number | null;
  is_final: boolean;
}

export async function platformDays(ch: ClickHouseClient, f: Filters): Promise<PlatformDay[]> {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(day) as day_s, publications, posts, stories, reels, comments, reactions, interactions_per_post,
            dau, wau, dau_wau_ratio, is_final
     from mart_platform_daily where day between {from:Date} and {to:Date} order by day`,
    { from: f.from, to: f.to },
  );
  return rows.map((r) => ({
    day: String(r.day_s),
    publications: num(r.publications)!,
    posts: num(r.posts)!,
    stories: num(r.stories)!,
    reels: num(r.reels)!,
    comments: num(r.comments)!,
    reactions: num(r.reactions)!,
    interactions_per_post: num(r.interactions_per_post),
    dau: num(r.dau)!,
    wau: num(r.wau)!,
    dau_wau_ratio: num(r.dau_wau_ratio),
    is_final: r.is_final === true || r.is_final === 1 || r.is_final === "true",
  }));
}

/** Topics by comments over the range. */
export async function topTopics(ch: ClickHouseClient, f: Filters, limit = 10) {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select topic, any(topic_label) as label, sum(comments) as comments, sum(replies) as replies
     from mart_topic_daily where day between {from:Date} and {to:Date}
     group by topic order by comments desc, label limit {limit:UInt32}`,
    { from: f.from, to: f.to, limit },
  );
  return rows.map((r) => ({
    topic: String(r.topic),
    label: String(r.label),
    comments: num(r.comments)!,
    replies: num(r.replies)!,
  }));
}

/** Reposts and quotes received per day over all authors (M10), empty when the mart is not built. */
export async function repostDays(ch: ClickHouseClient, f: Filters) {
  if (!(await martTables(ch)).has("mart_user_reposts_daily")) return [];
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(day) as day_s, sum(reposts) as reposts, sum(quotes) as quotes, count() as authors
     from mart_user_reposts_daily where day between {from:Date} and {to:Date} group by day order by day`,
    { from: f.from, to: f.to },
  );
  return rows.map((r) => ({
    day: String(r.day_s),
    reposts: num(r.reposts)!,
    quotes: num(r.quotes)!,
    authors: num(r.authors)!,
  }));
}

/** Spread speed per creation day for one kind (`all` unless filtered). */
export async function spreadDays(ch: ClickHouseClient, f: Filters) {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(created_day) as day_s, publications, reached_1000, p10_seconds, p50_seconds, p90_seconds,
            under_1h, h1_6, h6_24, d1_3, over_3d
     from mart_spread_distribution
     where created_day between {from:Date} and {to:Date} and kind = {kind:String} order by created_day`,
    { from: f.from, to: f.to, kind: f.kind || "all" },
  );
  return rows.map((r) => ({
    day: String(r.day_s),
    publications: num(r.publications)!,
    reached_1000: num(r.reached_1000)!,
    p10: num(r.p10_seconds),
    p50: num(r.p50_seconds),
    p90: num(r.p90_seconds),
    buckets: [num(r.under_1h)!, num(r.h1_6)!, num(r.h6_24)!, num(r.d1_3)!, num(r.over_3d)!],
  }));
}

/** Per community over the range (platform row left out), filtered by kind and name. */
export async function communities(ch: ClickHouseClient, f: Filters) {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(community_key) as key, any(community_name) as name, any(community_kind) as kind, any(topic) as topic,
            sum(growth) as growth, sum(joins) as joins, sum(leaves) as leaves, sum(publications) as publications,
            sum(comments) as comments, sum(reactions) as reactions, sum(complaints_filed) as complaints,
            argMax(members, day) as members, argMax(moderators, day) as moderators, avg(engagement) as engagement
     from mart_community_daily
     where day between {from:Date} and {to:Date} and community_key != -1
       and ({kind:String} = '' or community_kind = {kind:String})
       and ({community:String} = '' or community_name = {community:String})
     group by community_key order by growth desc, name, key`,
    { from: f.from, to: f.to, kind: f.kind, community: f.community },
  );
  return rows.map((r) => ({
    key: String(r.key),
    name: String(r.name),
    kind: String(r.kind),
    topic: String(r.topic),
    growth: num(r.growth)!,
    joins: num(r.joins)!,
    leaves: num(r.leaves)!,
    publications: num(r.publications)!,
    comments: num(r.comments)!,
    reactions: num(r.reactions)!,
    complaints: num(r.complaints)!,
    members: num(r.members)!,
    moderators: num(r.moderators)!,
    engagement: num(r.engagement),
  }));
}

/** Community totals per day (growth, complaints), same filters. */
export async function communityDays(ch: ClickHouseClient, f: Filters) {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(day) as day_s, sum(growth) as growth, sum(complaints_filed) as complaints,
            sum(complaints_resolved) as resolved, avg(engagement) as engagement
     from mart_community_daily
     where day between {from:Date} and {to:Date} and community_key != -1
       and ({kind:String} = '' or community_kind = {kind:String})
       and ({community:String} = '' or community_name = {community:String})
     group by day order by day`,
    { from: f.from, to: f.to, kind: f.kind, community: f.community },
  );
  return rows.map((r) => ({
    day: String(r.day_s),
    growth: num(r.growth)!,
    complaints: num(r.complaints)!,
    resolved: num(r.resolved)!,
    engagement: num(r.engagement),
  }));
}

/** The values a filter can take: community kinds and names. */
export async function communityChoices(ch: ClickHouseClient) {
  const rows = await chQuery<{ kind: string; name: string }>(
    ch,
    "select distinct community_kind as kind, community_name as name from mart_community_daily " +
      "where community_key != -1 order by name",
  );
  return { kinds: [...new Set(rows.map((r) => r.kind))].sort(), names: rows.map((r) => r.name) };
}

/** Campaigns over the range. */
export async function campaigns(ch: ClickHouseClient, f: Filters) {
  const rows = await chQuery<Record<string, unknown>>(
    ch,
    `select toString(campaign_key) as key, any(campaign_name) as name, any(advertiser_name) as advertiser,
            sum(impressions) as impressions, sum(clicks) as clicks, sum(spend_usd) as spend_usd
     from mart_ads_daily where level = 'campaign' and day between {from:Date} and {to:Date}
     group by campaign_key order by spend_usd desc, name, key`,
    { from: f.from, to: f.to },
  );
  return rows.map((r) => {
    const impressions = num(r.impressions)!;
    const clicks = num(r.clicks)!;
    return {
      key: String(r.key),
      name: String(r.name),
      advertiser: String(r.advertiser),
      impressions,
      clicks,
      ctr: impressions > 0 ? clicks / impressions : null,
      spend_usd: num(r.spend_usd)!,
    };
  });
}

/** Ad spend and revenue per day and stream, in USD. */
export async function moneyDays(ch: ClickHouseClient, f: Filters) {
  const [spend, revenue] = await Promise.all([
    chQuery<Record<string, unknown>>(
      ch,
      `select toString(day) as day_s, sum(spend_usd) as spend_usd, sum(clicks) as clicks, sum(impressions) as impressions
     from mart_ads_daily where level = 'campaign' and day between {from:Date} and {to:Date} group by day order by day`,
      { from: f.from, to: f.to },
    ),
    chQuery<Record<string, unknown>>(
      ch,
      `select toString(day) as day_s, stream, sum(amount_usd) as usd, sum(payments) as payments
     from mart_revenue_daily where day between {from:Date} and {to:Date} group by day, stream order by day, stream`,
      { from: f.from, to: f.to },
    ),
  ]);
  return {
    spend: spend.map((r) => ({
      day: String(r.day_s),
      spend_usd: num(r.spend_usd)!,
      clicks: num(r.clicks)!,
      impressions: num(r.impressions)!,
    })),
    revenue: revenue.map((r) => ({
      day: String(r.day_s),
      stream: String(r.stream),
      usd: num(r.usd)!,
      payments: num(r.payments)!,
    })),
  };
}

/** The pipeline's health from `etl`: batches, throughput, quarantine by reason, freshness, last failures. */
export async function pipelineHealth(sql: Sql, schema: string, limit = 15) {
  const s = sql(schema);
  const batches = await sql<Record<string, unknown>[]>`
    select batch_id, status, files, lines_in, loaded, quarantined, duplicates, late, created_at, loaded_at,
           failed_step, left(error, 160) as error
    from ${s}.batches order by batch_id desc limit ${limit}`;
  const [totals] = await sql<Record<string, string>[]>`
    select count(*) as batches, count(*) filter (where status = 'loaded') as loaded_batches,
           coalesce(sum(lines_in), 0) as lines_in, coalesce(sum(loaded), 0) as loaded,
           coalesce(sum(quarantined), 0) as quarantined, coalesce(sum(duplicates), 0) as duplicates,
           max(loaded_at) as last_loaded_at
    from ${s}.batches`;
  const throughput = await sql<Record<string, unknown>[]>`
    select to_char(date_trunc('minute', loaded_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as minute,
           sum(loaded) as loaded, count(*) as batches
    from ${s}.batches where loaded_at is not null group by 1 order by 1 desc limit 60`;
  const reasons = await sql<Record<string, unknown>[]>`
    select reason, count(*) as lines from ${s}.rejected group by reason order by count(*) desc, reason`;
  const [fresh] = await sql<Record<string, unknown>[]>`
    select max(day)::text as newest_day, sum(events) as events from ${s}.batch_days`;
  const failures = await sql<Record<string, unknown>[]>`
    select batch_id, status, failed_step, left(error, 200) as error, updated_at
    from ${s}.batches where failed_step is not null order by updated_at desc limit 10`;
  return {
    batches,
    totals: {
      batches: Number(totals?.batches ?? 0),
      loaded_batches: Number(totals?.loaded_batches ?? 0),
      lines_in: Number(totals?.lines_in ?? 0),
      loaded: Number(totals?.loaded ?? 0),
      quarantined: Number(totals?.quarantined ?? 0),
      duplicates: Number(totals?.duplicates ?? 0),
      last_loaded_at: totals?.last_loaded_at ? new Date(totals.last_loaded_at) : null,
    },
    throughput: throughput.reverse().map((r) => ({
      minute: String(r.minute),
      loaded: Number(r.loaded),
      batches: Number(r.batches),
    })),
    reasons: reasons.map((r) => ({ reason: String(r.reason), lines: Number(r.lines) })),
    newestDay: (fresh?.newest_day as string | null) ?? null,
    failures,
  };
}

/** One user of the influence leaderboard (M7-M10, mart_user_influence). */
export interface InfluenceUser {
  user_key: string;
  username: string;
  friends: number;
  followers: number;
  following: number;
  pagerank: number;
  pagerank_rank: number;
  reach_1: number;
  reach_2: number;
  reach_3: number;
  reach_within_3: number;
  eccentricity: number | null;
  reposts_received: number;
  quotes_received: number;
}

/**
 * The influence leaderboard: the top users by PageRank (rank, then user key), with the number of users in the
 * graph snapshot and its time. Null when mart_user_influence is not built.
 */
export async function influence(ch: ClickHouseClient, limit = 25) {
  if (!(await martTables(ch)).has("mart_user_influence")) return null;
  const [top, [totals]] = await Promise.all([
    chQuery<Record<string, unknown>>(
      ch,
      `select toString(user_key) as key, coalesce(username, toString(user_id)) as name, friends, followers, following,
              pagerank, pagerank_rank, reach_1, reach_2, reach_3, reach_within_3, eccentricity, reposts_received,
              quotes_received
       from mart_user_influence order by pagerank_rank, user_key limit {limit:UInt32}`,
      { limit },
    ),
    chQuery<Record<string, unknown>>(
      ch,
      `select count() as users, toString(max(graph_snapshot_at)) as snapshot_at, avg(reach_within_3) as avg_reach_3
       from mart_user_influence`,
    ),
  ]);
  return {
    users: num(totals?.users) ?? 0,
    snapshotAt: totals && Number(totals.users) > 0 ? String(totals.snapshot_at) : null,
    avgReach3: num(totals?.avg_reach_3),
    top: top.map((r): InfluenceUser => ({
      user_key: String(r.key),
      username: String(r.name),
      friends: num(r.friends)!,
      followers: num(r.followers)!,
      following: num(r.following)!,
      pagerank: num(r.pagerank)!,
      pagerank_rank: num(r.pagerank_rank)!,
      reach_1: num(r.reach_1)!,
      reach_2: num(r.reach_2)!,
      reach_3: num(r.reach_3)!,
      reach_within_3: num(r.reach_within_3)!,
      eccentricity: num(r.eccentricity),
      reposts_received: num(r.reposts_received)!,
      quotes_received: num(r.quotes_received)!,
    })),
  };
}

/**
 * The network per day (M8 averages at day end) in the range, and the friendship graph's figures (M7) of the newest
 * graph snapshot (on its day's row, whatever the range). Null when mart_network_daily is not built.
 */
export async function network(ch: ClickHouseClient, f: Filters) {
  if (!(await martTables(ch)).has("mart_network_daily")) return null;
  const [rows, [g]] = await Promise.all([
    chQuery<Record<string, unknown>>(
      ch,
      `select toString(day) as day_s, users, friendships, follows, avg_friends, avg_friends_nonzero, avg_followers,
              avg_followers_nonzero, is_final
       from mart_network_daily where day between {from:Date} and {to:Date} order by day`,
      { from: f.from, to: f.to },
    ),
    chQuery<Record<string, unknown>>(
      ch,
      `select toString(graph_snapshot_at) as at, components, largest_component, diameter, diameter_lower,
              diameter_upper, diameter_is_estimate, average_path, average_path_is_estimate, average_path_sample
       from mart_network_daily where components is not null order by day desc limit 1`,
    ),
  ]);
  const bool = (v: unknown) => v === true || v === 1 || v === "true";
  return {
    days: rows.map((r) => ({
      day: String(r.day_s),
      users: num(r.users)!,
      friendships: num(r.friendships)!,
      follows: num(r.follows)!,
      avg_friends: num(r.avg_friends),
      avg_friends_nonzero: num(r.avg_friends_nonzero),
      avg_followers: num(r.avg_followers),
      avg_followers_nonzero: num(r.avg_followers_nonzero),
      is_final: bool(r.is_final),
    })),
    graph: g
      ? {
        at: String(g.at),
        components: num(g.components)!,
        largest_component: num(g.largest_component)!,
        diameter: num(g.diameter),
        diameter_lower: num(g.diameter_lower),
        diameter_upper: num(g.diameter_upper),
        diameter_is_estimate: bool(g.diameter_is_estimate),
        average_path: num(g.average_path),
        average_path_is_estimate: bool(g.average_path_is_estimate),
        average_path_sample: num(g.average_path_sample),
      }
      : null,
  };
}
