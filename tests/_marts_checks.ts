/**
 * The comparisons of the marts with the generator's ledgers, shared by the acceptance test (tests/marts_ledger_test.ts)
 * and the incremental test. Each check reads a mart from a private chDB folder and compares every figure with the
 * day ledger or the entity ledger: exactly for counts and distinct users, within 1e-9 for ratios. Windows, ranks and
 * percentiles are recomputed here from the ledgers. Only ids are looked up in the star schema (the hash keys of ads,
 * campaigns, users, communities), never figures.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Sql } from "../src/clients/postgres.ts";
import type { DayAggregateJson, EntityDayJson } from "../src/generator/ledger.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { readMartDocs } from "../src/export/metrics_doc.ts";
import { chRows, type MartsEnv } from "./_marts_env.ts";

/** What a check compares: the marts of `env`, the star of `env.prefix` (ids only), and the ledgers of `dates`. */
export interface LedgerContext {
  env: MartsEnv;
  sql: Sql;
  dates: string[];
  days: DayAggregateJson[];
  entities: EntityDayJson[];
}

/** Dense rank (1, 2, 2, 3) of each value, highest first. */
export function denseRanks(values: number[]): number[] {
  const distinct = [...new Set(values)].sort((a, b) => b - a);
  return values.map((v) => distinct.indexOf(v) + 1);
}

/** The quantile with linear interpolation between order statistics (R-7, Excel's PERCENTILE.INC). */
export function quantileInclusive(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

const near = (a: unknown, b: number | null, what: string, eps = 1e-9) => {
  if (b === null) return assertEquals(a, null, what);
  assert(typeof a === "number" && Math.abs(a - b) <= eps, `${what}: mart ${a}, ledger ${b}`);
};

/** Every check by name. */
export const LEDGER_CHECKS: Record<string, (c: LedgerContext) => Promise<void>> = {
  "mart_platform_daily: M1-M6 per day": async ({ env, dates, days }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, * except day from mart_platform_daily order by day",
    ]);
    assertEquals(rows!.map((r) => r.day), dates);
    for (const [i, r] of rows!.entries()) {
      const l = days[i]!;
      const pubs = l.publications_by_kind.post + l.publications_by_kind.story + l.publications_by_kind.reel;
      assertEquals({
        publications: r.publications,
        posts: r.posts,
        stories: r.stories,
        reels: r.reels,
        deletions: r.deletions,
        comments: r.comments,
        replies: r.replies,
        reactions: r.reactions,
        by_type: [
          r.reactions_like,
          r.reactions_love,
          r.reactions_wow,
          r.reactions_haha,
          r.reactions_sad,
          r.reactions_angry,
        ],
        reposts: r.reposts,
        quotes: r.quotes,
        views: r.views,
        dau: r.dau,
      }, {
        publications: pubs,
        posts: l.publications_by_kind.post,
        stories: l.publications_by_kind.story,
        reels: l.publications_by_kind.reel,
        deletions: l.events_by_type["publication.deleted"] ?? 0,
        comments: l.comments.total,
        replies: l.comments.replies,
        reactions: l.reactions,
        by_type: [
          l.reactions_by_type.like,
          l.reactions_by_type.love,
          l.reactions_by_type.wow,
          l.reactions_by_type.haha,
          l.reactions_by_type.sad,
          l.reactions_by_type.angry,
        ],
        reposts: l.shares_by_kind.repost,
        quotes: l.shares_by_kind.quote,
        views: l.views,
        dau: l.dau,
      }, `day ${l.date}`);
      // WAU: the union of the active sets of D-6..D (only the days there are: a partial window).
      const wau = new Set(days.slice(Math.max(0, i - 6), i + 1).flatMap((d) => d.active_user_ids)).size;
      assertEquals(r.wau, wau, `wau ${l.date}`);
      near(r.dau_wau_ratio, l.dau / wau, `dau/wau ${l.date}`);
      near(r.interactions_per_post, pubs === 0 ? null : (l.reactions + l.comments.total) / pubs, `ipp ${l.date}`);
      assertEquals(r.wau_window_complete, false, "three days never make a complete WAU window");
    }
    // The newest action is minutes before the end of the last day: every day but the last is final.
    assertEquals(rows!.map((r) => r.is_final), dates.map((_, i) => i < dates.length - 1));
  },

  "mart_ads_daily: M17 per ad and per campaign": async ({ env, sql, dates, entities }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, level, toString(ad_key) as ad, toString(campaign_key) as campaign, " +
      "impressions, clicks, ctr, currency, spend_minor, spend_usd from mart_ads_daily order by day, level, ad",
    ]);
    const adKeys = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select ad_id::text as id, ad_key::text as k from ${env.prefix}core.dim_ad`,
    )).map((r) => [r.k, r.id]));
    const campaignKeys = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select campaign_id::text as id, campaign_key::text as k from ${env.prefix}core.dim_campaign`,
    )).map((r) => [r.k, r.id]));
    const usd = new Map((await sql.unsafe<{ c: string; u: string }[]>(
      `select currency as c, units_per_usd::text as u from ${env.prefix}staging.fx_rates`,
    )).map((r) => [r.c, Number(r.u)]));
    let seen = 0;
    for (const [i, e] of entities.entries()) {
      const mine = rows!.filter((r) => r.day === dates[i]);
      const got = Object.fromEntries(mine.map((r) => [
        r.level === "ad" ? `ad:${adKeys.get(r.ad as string)}` : `campaign:${campaignKeys.get(r.campaign as string)}`,
        [r.impressions, r.clicks, Number(r.spend_minor) === 0 ? {} : { [r.currency as string]: r.spend_minor }],
      ]));
      const want = Object.fromEntries([
        ...Object.entries(e.ads).map(([id, a]) => [`ad:${id}`, [a.impressions, a.clicks, a.spend_cents]]),
        ...Object.entries(e.campaigns).map((
          [id, a],
        ) => [`campaign:${id}`, [a.impressions, a.clicks, a.spend_cents]]),
      ]);
      assertEquals(got, want, `ads on ${dates[i]}`);
      for (const r of mine) {
        near(r.ctr, r.impressions === 0 ? null : Number(r.clicks) / Number(r.impressions), "ctr");
        near(r.spend_usd, Number(r.spend_minor) / 100 / usd.get(r.currency as string)!, "spend_usd");
        seen += Number(r.clicks);
      }
    }
    assert(seen > 0, "some ads were clicked");
  },

  "mart_revenue_daily: M18 per creator, stream and currency": async ({ env, sql, dates, entities }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, stream, toString(payee_user_key) as payee, currency, amount_minor " +
      "from mart_revenue_daily",
    ]);
    const users = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select distinct user_id::text as id, user_key::text as k from ${env.prefix}core.dim_user where user_key <> -1`,
    )).map((r) => [r.k, r.id]));
    const stream = { sponsorship: "sponsorships", donation: "donations", subscription: "subscriptions" } as const;
    for (const [i, e] of entities.entries()) {
      const got: Record<string, number> = {};
      for (const r of rows!.filter((r) => r.day === dates[i])) {
        const s = stream[r.stream as keyof typeof stream];
        got[`${users.get(r.payee as string)}/${s}/${r.currency}`] = Number(r.amount_minor);
      }
      const want: Record<string, number> = {};
      for (const [id, c] of Object.entries(e.creators)) {
        for (const s of ["donations", "sponsorships", "subscriptions"] as const) {
          for (const [cur, cents] of Object.entries(c[s])) want[`${id}/${s}/${cur}`] = cents;
        }
      }
      assertEquals(got, want, `revenue on ${dates[i]}`);
      assert(Object.keys(want).length > 0);
    }
  },

  "mart_topic_daily: M15 per day and per 7 days, with dense ranks": async ({ env, dates, days }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, topic, comments, comments_7d, rank_day, rank_7d from mart_topic_daily " +
      "order by day, topic",
    ]);
    const topics = [...new Set(rows!.map((r) => r.topic as string))].sort();
    for (const [i, l] of days.entries()) {
      const mine = rows!.filter((r) => r.day === dates[i]);
      assertEquals(mine.map((r) => r.topic), topics);
      const counts = topics.map((tp) => l.comments_by_topic[tp] ?? 0);
      const sums = topics.map((tp) =>
        days.slice(Math.max(0, i - 6), i + 1).reduce((s, d) => s + (d.comments_by_topic[tp] ?? 0), 0)
      );
      assertEquals(mine.map((r) => r.comments), counts, `comments ${l.date}`);
      assertEquals(mine.map((r) => r.comments_7d), sums, `comments_7d ${l.date}`);
      assertEquals(mine.map((r) => r.rank_day), denseRanks(counts), `rank_day ${l.date}`);
      assertEquals(mine.map((r) => r.rank_7d), denseRanks(sums), `rank_7d ${l.date}`);
      const total = Object.values(l.comments_by_topic).reduce((a, b) => a + b, 0);
      assertEquals(counts.reduce((a, b) => a + b, 0), total, "no ledger topic is missing from the mart");
    }
  },

  "mart_publication_spread and mart_spread_distribution: M11": async ({ env, sql, days }) => {
    const [spread, dist] = await chRows(env, [
      "select publication_id, kind, toString(created_day) as day, seconds_to_1000 from mart_publication_spread " +
      "where seconds_to_1000 is not null order by toString(publication_id)",
      "select toString(created_day) as day, kind, publications, reached_1000, p10_seconds, p25_seconds, " +
      "p50_seconds, p75_seconds, p90_seconds, under_1h, h1_6, h6_24, d1_3, over_3d from mart_spread_distribution",
    ]);
    const reached = days.flatMap((d) => d.publications_reached_1000_views);
    assert(reached.length > 0, "some publications reached 1000 views");
    const want = reached.map((r) => [r.publication_id, r.seconds_to_1000] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    assertEquals(spread!.map((r) => r.publication_id), want.map((w) => w[0]));
    for (const [i, r] of spread!.entries()) {
      near(r.seconds_to_1000, want[i]![1], `seconds ${r.publication_id}`, 1e-6);
    }
    const pubs = await sql.unsafe<{ day: string; kind: string; n: number }[]>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, kind, count(*)::int as n
       from ${env.prefix}core.dim_publication where publication_key <> -1 group by 1, 2`,
    );
    for (const r of dist!) {
      const of = reached.filter((x) => x.created_at.slice(0, 10) === r.day && (r.kind === "all" || x.kind === r.kind));
      const secs = of.map((x) => x.seconds_to_1000).sort((a, b) => a - b);
      const created = pubs.filter((p) => p.day === r.day && (r.kind === "all" || p.kind === r.kind))
        .reduce((s, p) => s + p.n, 0);
      assertEquals([r.publications, r.reached_1000], [created, secs.length], `${r.day} ${r.kind}`);
      for (const [col, p] of [["p10", 0.1], ["p25", 0.25], ["p50", 0.5], ["p75", 0.75], ["p90", 0.9]] as const) {
        near(r[`${col}_seconds`], secs.length ? quantileInclusive(secs, p) : null, `${col} ${r.day}`, 1e-6);
      }
      const bucket = (lo: number, hi: number) => secs.filter((s) => s >= lo && s < hi).length;
      assertEquals([r.under_1h, r.h1_6, r.h6_24, r.d1_3, r.over_3d], [
        bucket(0, 3600),
        bucket(3600, 21600),
        bucket(21600, 86400),
        bucket(86400, 259200),
        bucket(259200, Infinity),
      ]);
    }
  },
  "mart_community_daily: M12-M14 and M16 per community and day": async ({ env, sql, dates, entities }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, toString(community_key) as community, joins, leaves, growth, growth_7d, " +
      "growth_30d, rank_growth_7d, rank_growth_30d, publications, comments, replies, reactions, actors, moderators, " +
      "complaints_filed, complaints_resolved, mapApply((k, v) -> (toString(k), v), resolved_by) as resolved_by, " +
      "complaints_per_moderator, members, active_members, engagement, active_members_7d, engagement_7d " +
      "from mart_community_daily order by day, community",
    ]);
    const communities = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select community_id::text as id, community_key::text as k from ${env.prefix}core.dim_community`,
    )).map((r) => [r.k, r.id]));
    const users = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select distinct user_id::text as id, user_key::text as k from ${env.prefix}core.dim_user where user_key <> -1`,
    )).map((r) => [r.k, r.id]));
    const byId = (resolved: Record<string, number>) =>
      Object.fromEntries(Object.entries(resolved ?? {}).map(([k, v]) => [users.get(k) ?? k, Number(v)]).sort());
    let moderated = 0;
    for (const [i, e] of entities.entries()) {
      const mine = rows!.filter((r) => r.day === dates[i]);
      const platform = mine.find((r) => r.community === "-1")!;
      assertEquals(
        [platform.complaints_filed, platform.complaints_resolved, byId(platform.resolved_by as Record<string, number>)],
        [e.platform_complaints.filed, e.platform_complaints.resolved, byId(e.platform_complaints.resolved_by)],
        `platform complaints ${dates[i]}`,
      );
      const got = Object.fromEntries(
        mine.filter((r) => r.community !== "-1").map((r) => [
          communities.get(r.community as string)!,
          {
            joins: r.joins,
            leaves: r.leaves,
            publications: r.publications,
            comments: r.comments,
            replies: r.replies,
            reactions: r.reactions,
            complaints_filed: r.complaints_filed,
            complaints_resolved: r.complaints_resolved,
            resolved_by: byId(r.resolved_by as Record<string, number>),
            moderators: r.moderators,
            members: r.members,
            active_members: r.active_members,
            actors: r.actors,
          },
        ]),
      );
      const want = Object.fromEntries(
        Object.entries(e.communities).map(([id, c]) => [id, { ...c, resolved_by: byId(c.resolved_by) }]),
      );
      assertEquals(got, want, `communities on ${dates[i]}`);
      const ids = Object.keys(want).sort();
      const window = (n: number, id: string) =>
        entities.slice(Math.max(0, i - n + 1), i + 1).reduce((s, d) => {
          const c = d.communities[id];
          return s + (c ? c.joins - c.leaves : 0);
        }, 0);
      const g7 = ids.map((id) => window(7, id)), g30 = ids.map((id) => window(30, id));
      const ordered = ids.map((id) => mine.find((r) => communities.get(r.community as string) === id)!);
      assertEquals(ordered.map((r) => r.growth_7d), g7, `growth_7d ${dates[i]}`);
      assertEquals(ordered.map((r) => r.growth_30d), g30, `growth_30d ${dates[i]}`);
      assertEquals(ordered.map((r) => r.rank_growth_7d), denseRanks(g7), `rank_growth_7d ${dates[i]}`);
      assertEquals(ordered.map((r) => r.rank_growth_30d), denseRanks(g30), `rank_growth_30d ${dates[i]}`);
      for (const r of ordered) {
        const c = e.communities[communities.get(r.community as string)!]!;
        near(r.engagement, c.members === 0 ? null : c.active_members / c.members, "engagement");
        near(
          r.complaints_per_moderator,
          c.moderators === 0 ? null : c.complaints_filed / c.moderators,
          "per moderator",
        );
        assert(Number(r.active_members_7d) >= c.active_members && Number(r.active_members_7d) <= c.members);
        moderated += c.complaints_resolved;
      }
    }
    assert(moderated > 0, "some community complaints were resolved");
  },
  "mart_platform_all_time: totals since the first loaded event": async ({ env, days }) => {
    const [rows] = await chRows(env, [
      "select toString(first_day) as first_day, * except first_day from mart_platform_all_time",
    ]);
    assertEquals(rows!.length, 1);
    const r = rows![0]!;
    const sum = (f: (d: DayAggregateJson) => number) => days.reduce((s, d) => s + f(d), 0);
    const pubs = sum((d) => d.publications_by_kind.post + d.publications_by_kind.story + d.publications_by_kind.reel);
    const comments = sum((d) => d.comments.total), reactions = sum((d) => d.reactions);
    assertEquals([
      r.first_day,
      r.days,
      r.publications,
      r.comments,
      r.replies,
      r.reactions,
      r.views,
      r.users_ever_active,
    ], [
      days[0]!.date,
      days.length,
      pubs,
      comments,
      sum((d) => d.comments.replies),
      reactions,
      sum((d) => d.views),
      new Set(days.flatMap((d) => d.active_user_ids)).size,
    ]);
    near(r.interactions_per_post, (reactions + comments) / pubs, "all-time interactions per post");
  },
  "mart_user_reposts_daily: M10 per author, per day and all-time": async ({ env, sql, dates, entities }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, toString(author_user_key) as author, reposts, quotes, reposts_all_time, " +
      "quotes_all_time, rank_day from mart_user_reposts_daily order by day, author",
    ]);
    const users = new Map((await sql.unsafe<{ id: string; k: string }[]>(
      `select distinct user_id::text as id, user_key::text as k from ${env.prefix}core.dim_user where user_key <> -1`,
    )).map((r) => [r.k, r.id]));
    const allTime = new Map<string, [number, number]>();
    for (const [i, e] of entities.entries()) {
      const mine = rows!.filter((r) => r.day === dates[i]);
      const got = Object.fromEntries(mine.map((r) => [users.get(r.author as string), [r.reposts, r.quotes]]));
      const want = Object.fromEntries(Object.entries(e.authors).map(([id, a]) => [id, [a.reposts, a.quotes]]));
      assertEquals(got, want, `reposts and quotes on ${dates[i]}`);
      for (const [id, a] of Object.entries(e.authors)) {
        const [r, q] = allTime.get(id) ?? [0, 0];
        allTime.set(id, [r + a.reposts, q + a.quotes]);
      }
      for (const r of mine) {
        assertEquals([r.reposts_all_time, r.quotes_all_time], allTime.get(users.get(r.author as string)!), "all-time");
      }
      const totals = mine.map((r) => Number(r.reposts) + Number(r.quotes));
      assertEquals(mine.map((r) => r.rank_day), denseRanks(totals), `rank_day ${dates[i]}`);
    }
    assert(allTime.size > 0, "some authors were shared");
  },
  "mart_network_daily: M8 per day at day end equals the ledger's per-user degrees": async (
    { env, dates, entities },
  ) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, users, friendships, follows, users_with_friends, users_with_followers, " +
      "users_with_following, avg_friends, avg_friends_nonzero, avg_followers, avg_followers_nonzero, avg_following, " +
      "avg_following_nonzero, is_final from mart_network_daily order by day",
    ]);
    assertEquals(rows!.map((r) => r.day), dates);
    for (const [i, e] of entities.entries()) {
      const r = rows![i]!;
      const degrees = Object.values(e.degrees);
      const sum = (k: 0 | 1 | 2) => degrees.reduce((s, d) => s + d[k], 0);
      const some = (k: 0 | 1 | 2) => degrees.filter((d) => d[k] > 0).length;
      assert(sum(0) % 2 === 0 && sum(1) === sum(2), `the ledger's degrees of ${e.date} are consistent`);
      assertEquals(
        [
          r.users,
          r.friendships,
          r.follows,
          r.users_with_friends,
          r.users_with_followers,
          r.users_with_following,
        ],
        [e.users, sum(0) / 2, sum(1), some(0), some(1), some(2)],
        `network on ${e.date}`,
      );
      const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
      near(r.avg_friends, ratio(sum(0), e.users), `avg_friends ${e.date}`);
      near(r.avg_friends_nonzero, ratio(sum(0), some(0)), `avg_friends_nonzero ${e.date}`);
      near(r.avg_followers, ratio(sum(1), e.users), `avg_followers ${e.date}`);
      near(r.avg_followers_nonzero, ratio(sum(1), some(1)), `avg_followers_nonzero ${e.date}`);
      near(r.avg_following, ratio(sum(2), e.users), `avg_following ${e.date}`);
      near(r.avg_following_nonzero, ratio(sum(2), some(2)), `avg_following_nonzero ${e.date}`);
      assert(some(0) > 0 && some(1) > 0, `${e.date} has friendships and follows`);
    }
    assertEquals(rows!.map((r) => r.is_final), dates.map((_, i) => i < dates.length - 1));
  },
  "every mart's columns are exactly the ones its header documents": async ({ env }) => {
    const marts = await readMartDocs(PROJECT_ROOT);
    const got = await chRows(
      env,
      marts.map((m) =>
        `select name from system.columns where database = '${env.database}' and table = '${m.name}' order by position`
      ),
    );
    for (const [i, m] of marts.entries()) {
      assertEquals(got[i]!.map((r) => r.name), m.columns.map((c) => c.name), `${m.name}: built vs documented`);
    }
  },
};

/**
 * The checks of the marts that copy the graph's results (schema `<prefix>graph`, written by `graph metrics`): equal
 * to those tables exactly, and their degrees equal to the ledger of the last day (the graph snapshot is the newest
 * event, minutes before that day's end). Only for a warehouse whose graph was synced and computed.
 */
export const GRAPH_CHECKS: Record<string, (c: LedgerContext) => Promise<void>> = {
  "mart_user_influence: the graph's figures exactly, degrees and reposts equal the ledger": async (c) => {
    const { env, sql, entities } = c;
    const columns = "user_key, user_id, friends, followers, following, pagerank, pagerank_rank, reach_1, reach_2, " +
      "reach_3, reach_within_3, component, component_size, eccentricity, eccentricity_lower, eccentricity_upper";
    const [mart] = await chRows(env, [
      `select toString(user_key) as user_key, toString(user_id) as user_id, username, display_name, ` +
      `${columns.split(", ").slice(2).join(", ")}, reposts_received, quotes_received, ` +
      `toString(graph_snapshot_at) as graph_snapshot_at from mart_user_influence`,
    ]);
    const g = `${env.prefix}graph`;
    const graph = await sql.unsafe<Record<string, unknown>[]>(
      `select d.user_key::text as user_key, d.user_id::text as user_id, d.friends, d.followers, d.following,
         p.score as pagerank, p.rank as pagerank_rank, f.reach_1, f.reach_2, f.reach_3, f.reach_within_3, f.component,
         f.component_size, f.eccentricity, f.eccentricity_lower, f.eccentricity_upper,
         to_char(d.snapshot_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as graph_snapshot_at
       from ${g}.user_degree as d join ${g}.user_pagerank as p using (user_key)
       join ${g}.user_friendship as f using (user_key)`,
    );
    const last = entities.at(-1)!;
    assertEquals(mart!.length, graph.length, "one row per user of the graph");
    assertEquals(mart!.length, last.users, "every user signed up by the snapshot");
    const names = new Map((await sql.unsafe<{ k: string; username: string; display_name: string }[]>(
      `select user_key::text as k, username, display_name from ${env.prefix}core.dim_user where is_current`,
    )).map((r) => [r.k, [r.username, r.display_name]]));
    const received = new Map<string, [number, number]>();
    for (const e of entities) {
      for (const [id, a] of Object.entries(e.authors)) {
        const [r, q] = received.get(id) ?? [0, 0];
        received.set(id, [r + a.reposts, q + a.quotes]);
      }
    }
    const keys = columns.split(", ");
    let shared = 0;
    const byKey = new Map(graph.map((r) => [r.user_key as string, r]));
    for (const m of mart!) {
      const want = byKey.get(m.user_key as string)!;
      assertEquals(Object.fromEntries(keys.map((k) => [k, m[k]])), Object.fromEntries(keys.map((k) => [k, want[k]])));
      assertEquals(m.graph_snapshot_at, want.graph_snapshot_at);
      assertEquals([m.username, m.display_name], names.get(m.user_key as string), `names of ${m.user_key}`);
      const id = m.user_id as string;
      assertEquals([m.friends, m.followers, m.following], last.degrees[id] ?? [0, 0, 0], `degrees of ${id}`);
      const [reposts, quotes] = received.get(id) ?? [0, 0];
      assertEquals([m.reposts_received, m.quotes_received], [reposts, quotes], `reposts and quotes of ${id}`);
      if (reposts + quotes > 0) shared++;
    }
    assertEquals(shared, received.size, "every shared author is a user of the graph");
    assert(mart!.some((m) => Number(m.pagerank_rank) > 1) && mart!.some((m) => Number(m.reach_3) > 0));
  },
  "mart_network_daily: the graph snapshot's figures on its day": async ({ env, sql }) => {
    const [rows] = await chRows(env, [
      "select toString(day) as day, toString(graph_snapshot_at) as graph_snapshot_at, components, " +
      "largest_component, diameter, diameter_lower, diameter_upper, diameter_is_estimate, average_path, " +
      "average_path_is_estimate, average_path_sample, avg_friends, avg_followers, avg_friends_nonzero " +
      "from mart_network_daily where graph_snapshot_at is not null",
    ]);
    const [net] = await sql.unsafe<Record<string, unknown>[]>(
      `select to_char(snapshot_at at time zone 'UTC', 'YYYY-MM-DD') as day,
         to_char(snapshot_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as graph_snapshot_at, components,
         largest_component, diameter, diameter_lower, diameter_upper, diameter_is_estimate, average_path,
         average_path_is_estimate, average_path_sample, avg_friends_all, avg_followers_all, avg_friends_nonzero
       from ${env.prefix}graph.network`,
    );
    assertEquals(rows!.length, 1, "the snapshot's figures are on one day's row");
    const r = rows![0]!;
    const { avg_friends_all: friends, avg_followers_all: followers, avg_friends_nonzero: nonzero, ...same } = net!;
    assertEquals(
      Object.fromEntries(Object.keys(same).map((k) => [k, r[k]])),
      same,
      "the graph's network figures, copied",
    );
    assert(Number(r.components) > 1 && Number(r.diameter) >= 3, "a non-trivial friendship graph");
    // The day-end fold of the edge events and Neo4j's own count agree at the snapshot (the day's last event).
    near(r.avg_friends, friends as number, "avg_friends at the snapshot");
    near(r.avg_followers, followers as number, "avg_followers at the snapshot");
    near(r.avg_friends_nonzero, nonzero as number, "avg_friends_nonzero at the snapshot");
  },
};
