/**
 * Acceptance of the star schema: three simulated days with injected faults (a reduced rate, as in
 * src/generator/ledger_acceptance_test.ts) are generated into a private bucket, ingested by the real pipeline into a
 * private database, and built by the real models (a first build after a day and a half, an incremental one after
 * the rest). Then one ad-hoc SQL per metric of ../shared/spec/metrics.md is run against the star schema and compared
 * with the generator's ledgers (`ledger/days/...` and the per-entity `ledger/entities/...`): exact for counts,
 * distinct users and money in cents, within 1e-9 for ratios. M7 and M9 (graph metrics) are proven by the graph
 * tests; M8's day-end degrees are folded from the edge facts here.
 * Needs PostgreSQL and the S3 server (`deno task stack:up --only postgres,s3`).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { generate, S3Store } from "../src/generator/mod.ts";
import type { DayAggregateJson, EntityDayJson } from "../src/generator/ledger.ts";
import { dayLedgerKey, entityLedgerKey } from "../src/generator/record.ts";
import { logger } from "../src/log.ts";
import { run } from "../src/runner/mod.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import type { Sql } from "../src/clients/postgres.ts";
import { ingestEnv } from "./_ingest_env.ts";

const MIN = 60_000;
const DAYS = ["2024-05-06", "2024-05-07", "2024-05-08"];
const FROM = Date.parse(`${DAYS[0]}T00:00:00Z`) / MIN;
const SPLIT = FROM + 1440 + 700;
const TO = FROM + 3 * 1440;

const dateKey = (d: string) => Number(d.replaceAll("-", ""));
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();
const dayStart = (d: string) => `${d}T00:00:00.000Z`;
const n = (v: unknown) => Number(v);
const close = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null) return assertEquals(a, b, what);
  assert(Math.abs(a - b) <= 1e-9, `${what}: ${a} vs ${b}`);
};
const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort());

async function gunzipJson<T>(bytes: Uint8Array): Promise<T> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

/** `users`: the natural id of every durable user key, to name users as the ledger does. */
const USERS = `users as (select distinct user_key, user_id from core.dim_user where user_key <> -1)`;

Deno.test({
  name: "the star schema answers M1-M18 for three generated days exactly as the generator's ledgers",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const env = await ingestEnv("star_metrics");
    const sql: Sql = env.sql;
    const q = <T = Record<string, unknown>>(text: string) => sql.unsafe(text) as unknown as Promise<T[]>;
    const build = async () => {
      const s = await run({
        root: PROJECT_ROOT,
        sql,
        clickhouse: () => Promise.reject(new Error("this test builds no ClickHouse model")),
        log: logger("models"),
        print: () => {},
        targets: { schemaPrefix: "", clickhouseDatabase: env.cfg.clickhouse.database, pg: { collection: "sp_pg" } },
      }, {
        command: "build",
        selectors: [],
        exclude: ["engine:clickhouse"],
        fullRefresh: false,
        vars: {},
        targetDir: target,
        docsDir: `${target}/docs`,
      });
      assertEquals([s.errors, s.failed, s.skipped, s.tests_failed], [0, 0, 0, 0], JSON.stringify(s));
    };
    const ingest = async () => {
      const files = (await env.store.list("events/")).length;
      for (let i = 0; i < Math.ceil(files / env.cfg.pipeline.maxFilesPerBatch) + 1; i++) await env.runAll();
      const [left] = await q<{ n: string }>(`select count(*) as n from etl.batches where status <> 'loaded'`);
      assertEquals(n(left!.n), 0);
    };
    const target = await Deno.makeTempDir({ prefix: "star_metrics_" });
    try {
      for (const s of ["staging", "core", "runner"]) await sql.unsafe(`drop schema if exists ${s} cascade`);
      const store = new S3Store(env.store);
      const gen = (from: number, to: number) =>
        generate(
          { mode: { kind: "range", from, to }, rate: 120, faults: 0.03, seed: 7, fresh: from === FROM },
          { store, log: logger("generate"), signal: new AbortController().signal, progress: false },
        );
      // A day and a half, ingested and built; then the rest, ingested and built incrementally (late events of the
      // first part arrive in the second).
      await gen(FROM, SPLIT);
      await ingest();
      await build();
      await gen(SPLIT, TO);
      await ingest();
      await build();
      const [late] = await q<{ n: string }>(`select count(*) as n from landing.events where is_late`);
      assert(n(late!.n) > 0, "no late event was loaded");

      const entity = new Map<string, EntityDayJson>();
      const days = new Map<string, DayAggregateJson>();
      for (const d of DAYS) {
        entity.set(d, await gunzipJson(await env.store.get(entityLedgerKey(d))));
        days.set(d, JSON.parse(new TextDecoder().decode(await env.store.get(dayLedgerKey(d)))));
      }

      await t.step("M1 posts by kind and deletions; M2 comments, replies and reactions by type", async () => {
        for (const d of DAYS) {
          const day = days.get(d)!, dk = dateKey(d);
          const kinds = await q<{ kind: string; n: string }>(
            `select kind, count(*) as n from core.fact_publication where date_key = ${dk} group by kind`,
          );
          const byKind = { ...Object.fromEntries(Object.keys(day.publications_by_kind).map((k) => [k, 0])) };
          for (const r of kinds) byKind[r.kind] = n(r.n);
          assertEquals(byKind, day.publications_by_kind, `${d} publications by kind`);
          const [del] = await q<{ n: string }>(
            `select count(*) as n from core.fact_publication_deletion where date_key = ${dk}`,
          );
          assertEquals(n(del!.n), day.events_by_type["publication.deleted"] ?? 0, `${d} deletions`);
          const [c] = await q<{ total: string; replies: string }>(
            `select count(*) as total, count(*) filter (where is_reply) as replies
             from core.fact_comment where date_key = ${dk}`,
          );
          assertEquals([n(c!.total), n(c!.replies)], [day.comments.total, day.comments.replies], `${d} comments`);
          const reactions = await q<{ reaction: string; n: string }>(
            `select r.reaction, count(*) as n from core.fact_reaction as f
             join core.dim_reaction_type as r on r.reaction_type_key = f.reaction_type_key
             where f.date_key = ${dk} group by r.reaction`,
          );
          const byType = Object.fromEntries(Object.keys(day.reactions_by_type).map((k) => [k, 0]));
          for (const r of reactions) byType[r.reaction] = n(r.n);
          assertEquals(byType, day.reactions_by_type, `${d} reactions by type`);
          assert(day.comments.replies > 0 && day.publications_by_kind.reel > 0, `${d}: trivial day`);
        }
      });

      await t.step("M3 interactions per post, daily and all-time", async () => {
        let reacted = 0, commented = 0, published = 0;
        for (const d of DAYS) {
          const day = days.get(d)!, dk = dateKey(d);
          const pubs = Object.values(day.publications_by_kind).reduce((a, b) => a + b, 0);
          reacted += day.reactions, commented += day.comments.total, published += pubs;
          const [r] = await q<{ daily: string | null; all_time: string | null }>(
            `with per_day as (
               select date_key, count(*) as n, 0 as p from core.fact_reaction group by 1
               union all select date_key, count(*), 0 from core.fact_comment group by 1
               union all select date_key, 0, count(*) from core.fact_publication group by 1)
             select sum(n) filter (where date_key = ${dk})::float8
                 / nullif(sum(p) filter (where date_key = ${dk}), 0)::float8 as daily,
               sum(n) filter (where date_key <= ${dk})::float8
                 / nullif(sum(p) filter (where date_key <= ${dk}), 0)::float8 as all_time
             from per_day`,
          );
          close(r!.daily === null ? null : n(r!.daily), (day.reactions + day.comments.total) / pubs, `${d} daily`);
          close(r!.all_time === null ? null : n(r!.all_time), (reacted + commented) / published, `${d} all-time`);
        }
      });

      await t.step("M4 DAU (the set of actors), M5 WAU over the days there are, M6 DAU/WAU", async () => {
        const seen: string[][] = [];
        for (const [i, d] of DAYS.entries()) {
          const truth = entity.get(d)!.active_user_ids;
          const dk = dateKey(d);
          const actors = await q<{ user_id: string }>(
            `with ${USERS}
             select u.user_id::text as user_id from core.fact_user_activity as a
             join users as u on u.user_key = a.actor_user_key
             where a.date_key = ${dk} group by u.user_id order by 1`,
          );
          assertEquals(actors.map((r) => r.user_id).sort(), truth, `${d} DAU set`);
          assertEquals(truth.length, days.get(d)!.dau);
          seen.push(truth);
          const from = dateKey(DAYS[Math.max(0, i - 6)]!);
          const [w] = await q<{ dau: string; wau: string; ratio: string }>(
            `select count(distinct actor_user_key) filter (where date_key = ${dk}) as dau,
               count(distinct actor_user_key) as wau,
               (count(distinct actor_user_key) filter (where date_key = ${dk}))::float8
                 / nullif(count(distinct actor_user_key), 0)::float8 as ratio
             from core.fact_user_activity where date_key between ${from} and ${dk}`,
          );
          const wau = new Set(seen.slice(Math.max(0, i - 6)).flat()).size;
          assertEquals([n(w!.dau), n(w!.wau)], [truth.length, wau], `${d} DAU, WAU`);
          close(n(w!.ratio), truth.length / wau, `${d} DAU/WAU`);
          assert(truth.length > 100 && (wau > truth.length) === (i > 0), `${d}: DAU ${truth.length}, WAU ${wau}`);
        }
      });

      await t.step("M8 friends, followers and following of every user at day end, and their averages", async () => {
        for (const d of DAYS) {
          const truth = entity.get(d)!;
          const end = nextDay(d);
          const rows = await q<{ user_id: string; friends: string; followers: string; following: string }>(
            `with ${USERS},
             friend_last as (
               select distinct on (least(user_key, other_user_key), greatest(user_key, other_user_key))
                 least(user_key, other_user_key) as a, greatest(user_key, other_user_key) as b, action
               from core.fact_social_edge_event
               where edge_type = 'friend' and action in ('added', 'removed') and occurred_at < '${end}'
               order by least(user_key, other_user_key), greatest(user_key, other_user_key), occurred_at desc,
                 event_id desc),
             follow_last as (
               select distinct on (user_key, other_user_key) user_key, other_user_key, action
               from core.fact_social_edge_event
               where edge_type = 'follow' and occurred_at < '${end}'
               order by user_key, other_user_key, occurred_at desc, event_id desc),
             degrees as (
               select a as user_key, 1 as friends, 0 as followers, 0 as following from friend_last
               where action = 'added'
               union all select b, 1, 0, 0 from friend_last where action = 'added'
               union all select other_user_key, 0, 1, 0 from follow_last where action = 'added'
               union all select user_key, 0, 0, 1 from follow_last where action = 'added')
             select u.user_id::text as user_id, sum(friends) as friends, sum(followers) as followers,
               sum(following) as following
             from degrees as g join users as u on u.user_key = g.user_key group by u.user_id`,
          );
          const star = Object.fromEntries(
            rows.map((r) => [r.user_id, [n(r.friends), n(r.followers), n(r.following)] as [number, number, number]]),
          );
          assertEquals(sorted(star), truth.degrees, `${d} degrees at day end`);
          const [u] = await q<{ users: string }>(
            `select count(distinct user_key) as users from core.dim_user
             where user_key <> -1 and signed_up_at < '${end}'`,
          );
          assertEquals(n(u!.users), truth.users, `${d} signed-up users`);
          const sum = (i: 0 | 1 | 2, over: Record<string, [number, number, number]>) =>
            Object.values(over).reduce((a, x) => a + x[i], 0);
          const withSome = (i: 0 | 1) => Object.values(truth.degrees).filter((x) => x[i] > 0).length;
          close(sum(0, star) / n(u!.users), sum(0, truth.degrees) / truth.users, `${d} average friends`);
          close(sum(1, star) / n(u!.users), sum(1, truth.degrees) / truth.users, `${d} average followers`);
          close(
            sum(0, star) / Object.values(star).filter((x) => x[0] > 0).length,
            sum(0, truth.degrees) / withSome(0),
            `${d} average friends of users with one`,
          );
        }
      });

      await t.step("M10 reposts and quotes received by each author from others", async () => {
        for (const d of DAYS) {
          const rows = await q<{ user_id: string; reposts: string; quotes: string }>(
            `with ${USERS}
             select u.user_id::text as user_id, count(*) filter (where s.share_kind = 'repost') as reposts,
               count(*) filter (where s.share_kind = 'quote') as quotes
             from core.fact_share as s join users as u on u.user_key = s.publication_author_user_key
             where s.date_key = ${dateKey(d)} and s.sharer_user_key <> s.publication_author_user_key
             group by u.user_id`,
          );
          const star = Object.fromEntries(rows.map((r) => [r.user_id, { reposts: n(r.reposts), quotes: n(r.quotes) }]));
          assertEquals(sorted(star), entity.get(d)!.authors, `${d} reposts and quotes per author`);
          assert(rows.length > 0);
        }
      });

      await t.step("M11 seconds from creation to the 1000th view", async () => {
        let reached = 0;
        for (const d of DAYS) {
          const rows = await q<{ publication_id: string; created_at: Date; reached_at: Date; seconds: string }>(
            `with ranked as (
               select publication_key, occurred_at,
                 row_number() over (partition by publication_key order by occurred_at, event_id) as n
               from core.fact_view)
             select p.publication_id::text as publication_id, p.created_at, r.occurred_at as reached_at,
               extract(epoch from r.occurred_at - p.created_at) as seconds
             from ranked as r join core.dim_publication as p on p.publication_key = r.publication_key
             where r.n = 1000 and r.occurred_at >= '${dayStart(d)}' and r.occurred_at < '${nextDay(d)}'
             order by r.occurred_at, p.publication_id`,
          );
          const truth = [...entity.get(d)!.reached_1000_views].sort((a, b) =>
            a.reached_at < b.reached_at
              ? -1
              : a.reached_at > b.reached_at
              ? 1
              : a.publication_id < b.publication_id
              ? -1
              : 1
          );
          assertEquals(
            rows.map((r) => [r.publication_id, r.created_at.toISOString(), r.reached_at.toISOString()]),
            truth.map((r) => [r.publication_id, r.created_at, r.reached_at]),
            `${d} publications reaching 1000 views`,
          );
          rows.forEach((r, i) => close(n(r.seconds), truth[i]!.seconds_to_1000, `${d} seconds to 1000`));
          reached += rows.length;
        }
        assert(reached > 0, "no publication reached 1000 views");
      });

      await t.step("M12 growth, M13 activity, M14 moderation and M16 engagement of every community", async () => {
        for (const d of DAYS) {
          const truth = entity.get(d)!, dk = dateKey(d), end = nextDay(d);
          const rows = await q<Record<string, string>>(
            `with ${USERS},
             communities as (select community_key, community_id::text as community_id from core.dim_community
               where community_key <> -1),
             growth as (
               select community_key, count(*) filter (where date_key = ${dk}) as joins,
                 count(*) filter (where left_at >= '${dayStart(d)}' and left_at < '${end}') as leaves
               from core.fact_membership_interval group by 1),
             activity as (
               select community_key,
                 count(*) filter (where event_type = 'publication.created') as publications,
                 count(*) filter (where event_type in ('comment.created', 'reply.created')) as comments,
                 count(*) filter (where event_type = 'reply.created') as replies,
                 count(*) filter (where event_type = 'reaction.added') as reactions,
                 count(distinct actor_user_key) filter (
                   where event_type in ('publication.created', 'comment.created', 'reply.created', 'reaction.added')
                 ) as actors
               from core.fact_user_activity where date_key = ${dk} and community_key <> -1 group by 1),
             moderators as (
               select community_key, count(*) as moderators from core.fact_moderator_interval
               where started_at < '${end}' and (ended_at is null or ended_at >= '${end}') group by 1),
             complaints as (
               select community_key, count(*) filter (where date_key = ${dk}) as complaints_filed,
                 count(*) filter (where resolved_date_key = ${dk}) as complaints_resolved
               from core.fact_complaint group by 1),
             members as (
               select community_key, member_user_key from core.fact_membership_interval
               where joined_at < '${end}' and (left_at is null or left_at >= '${end}')),
             engaged as (
               select distinct community_key, actor_user_key from core.fact_user_activity
               where date_key = ${dk} and community_key <> -1 and event_type in
                 ('publication.created', 'comment.created', 'reply.created', 'reaction.added', 'share.created')),
             engagement as (
               select m.community_key, count(*) as members, count(e.actor_user_key) as active_members
               from members as m left join engaged as e
                 on e.community_key = m.community_key and e.actor_user_key = m.member_user_key
               group by 1)
             select c.community_id, coalesce(g.joins, 0) as joins, coalesce(g.leaves, 0) as leaves,
               coalesce(a.publications, 0) as publications, coalesce(a.comments, 0) as comments,
               coalesce(a.replies, 0) as replies, coalesce(a.reactions, 0) as reactions,
               coalesce(x.complaints_filed, 0) as complaints_filed,
               coalesce(x.complaints_resolved, 0) as complaints_resolved,
               coalesce(m.moderators, 0) as moderators, coalesce(e.members, 0) as members,
               coalesce(e.active_members, 0) as active_members, coalesce(a.actors, 0) as actors,
               coalesce(x.complaints_filed, 0)::float8 / nullif(m.moderators, 0)::float8 as per_moderator,
               coalesce(e.active_members, 0)::float8 / nullif(e.members, 0)::float8 as engagement
             from communities as c
             left join growth as g using (community_key) left join activity as a using (community_key)
             left join moderators as m using (community_key) left join complaints as x using (community_key)
             left join engagement as e using (community_key)
             where c.community_key in (select community_key from core.dim_community
               where created_at < '${end}')`,
          );
          const resolvedBy = await q<{ community_id: string | null; user_id: string; n: string }>(
            `with ${USERS}
             select c.community_id::text as community_id, u.user_id::text as user_id, count(*) as n
             from core.fact_complaint as f join users as u on u.user_key = f.resolver_user_key
             left join core.dim_community as c on c.community_key = f.community_key and c.community_key <> -1
             where f.resolved_date_key = ${dk} group by 1, 2`,
          );
          const byCommunity = new Map<string | null, Record<string, number>>();
          for (const r of resolvedBy) {
            const m = byCommunity.get(r.community_id) ?? {};
            m[r.user_id] = n(r.n);
            byCommunity.set(r.community_id, m);
          }
          const FIELDS = [
            "joins",
            "leaves",
            "publications",
            "comments",
            "replies",
            "reactions",
            "complaints_filed",
            "complaints_resolved",
            "moderators",
            "members",
            "active_members",
            "actors",
          ] as const;
          const star = Object.fromEntries(rows.map((r) => [r.community_id!, {
            ...Object.fromEntries(FIELDS.map((f) => [f, n(r[f])])),
            resolved_by: sorted(byCommunity.get(r.community_id!) ?? {}),
          }]));
          const ledger = Object.fromEntries(
            Object.entries(truth.communities).map(([id, c]) => [id, {
              ...Object.fromEntries(FIELDS.map((f) => [f, c[f]])),
              resolved_by: c.resolved_by,
            }]),
          );
          for (const id of Object.keys(ledger)) assertEquals(star[id], ledger[id], `${d} community ${id}`);
          assertEquals(Object.keys(star).sort(), Object.keys(ledger).sort(), `${d} communities`);
          for (const r of rows) {
            const c = truth.communities[r.community_id!]!;
            close(
              r.per_moderator === null ? null : n(r.per_moderator),
              c.moderators ? c.complaints_filed / c.moderators : null,
              `${d} ${r.community_id} complaints per moderator`,
            );
            close(
              r.engagement === null ? null : n(r.engagement),
              c.members ? c.active_members / c.members : null,
              `${d} ${r.community_id} engagement`,
            );
          }
          const [platform] = await q<{ filed: string; resolved: string }>(
            `select count(*) filter (where date_key = ${dk}) as filed,
               count(*) filter (where resolved_date_key = ${dk}) as resolved
             from core.fact_complaint where community_key = -1`,
          );
          assertEquals(
            {
              filed: n(platform!.filed),
              resolved: n(platform!.resolved),
              resolved_by: sorted(byCommunity.get(null) ?? {}),
            },
            truth.platform_complaints,
            `${d} platform complaints`,
          );
          const all = Object.values(truth.communities);
          assert(all.some((c) => c.moderators > 1) && all.some((c) => c.active_members > 0 && c.leaves > 0));
        }
      });

      await t.step("M15 comments by the topic of their publication", async () => {
        for (const d of DAYS) {
          const rows = await q<{ topic: string; n: string }>(
            `select t.topic, count(*) as n from core.fact_comment as c
             join core.dim_publication as p on p.publication_key = c.publication_key
             join core.dim_topic as t on t.topic_key = p.topic_key
             where c.date_key = ${dateKey(d)} group by t.topic`,
          );
          assertEquals(
            sorted(Object.fromEntries(rows.map((r) => [r.topic, n(r.n)]))),
            sorted(days.get(d)!.comments_by_topic),
            `${d} comments by topic`,
          );
        }
      });

      await t.step("M17 impressions, clicks, CTR and spend per ad and per campaign", async () => {
        for (const d of DAYS) {
          const dk = dateKey(d);
          const rows = await q<{ level: string; id: string; campaign_id: string; impressions: string; clicks: string }>(
            `with imp as (select ad_key, campaign_key, count(*) as impressions, 0 as clicks
                from core.fact_ad_impression where date_key = ${dk} group by 1, 2
              union all select ad_key, campaign_key, 0, count(*) from core.fact_ad_click where date_key = ${dk}
                group by 1, 2)
             select 'ad' as level, a.ad_id::text as id, c.campaign_id::text as campaign_id,
               sum(impressions) as impressions, sum(clicks) as clicks
             from imp join core.dim_ad as a using (ad_key) join core.dim_campaign as c on c.campaign_key = a.campaign_key
             group by 1, 2, 3
             union all
             select 'campaign', c.campaign_id::text, c.campaign_id::text, sum(impressions), sum(clicks)
             from imp join core.dim_campaign as c using (campaign_key) group by 1, 2, 3`,
          );
          const spend = await q<{ level: string; id: string; currency: string; cents: string }>(
            `select 'ad' as level, a.ad_id::text as id, f.currency, sum(round(f.cost * 100)) as cents
             from core.fact_ad_click as f join core.dim_ad as a using (ad_key) where f.date_key = ${dk} group by 1, 2, 3
             union all
             select 'campaign', c.campaign_id::text, f.currency, sum(round(f.cost * 100))
             from core.fact_ad_click as f join core.dim_campaign as c using (campaign_key) where f.date_key = ${dk}
             group by 1, 2, 3`,
          );
          const cents = (level: string, id: string) =>
            sorted(Object.fromEntries(
              spend.filter((s) => s.level === level && s.id === id).map((s) => [s.currency, n(s.cents)]),
            ));
          const ads = Object.fromEntries(
            rows.filter((r) => r.level === "ad").map((r) => [r.id, {
              campaign_id: r.campaign_id,
              impressions: n(r.impressions),
              clicks: n(r.clicks),
              spend_cents: cents("ad", r.id),
            }]),
          );
          const campaigns = Object.fromEntries(
            rows.filter((r) => r.level === "campaign").map((r) => [r.id, {
              impressions: n(r.impressions),
              clicks: n(r.clicks),
              spend_cents: cents("campaign", r.id),
            }]),
          );
          const truth = entity.get(d)!;
          const norm = <T extends { spend_cents: Record<string, number> }>(o: Record<string, T>) =>
            sorted(
              Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...v, spend_cents: sorted(v.spend_cents) }])),
            );
          assertEquals(norm(ads), norm(truth.ads), `${d} ads`);
          assertEquals(norm(campaigns), norm(truth.campaigns), `${d} campaigns`);
          for (const [id, a] of Object.entries(truth.ads)) {
            const ctr = (x: { clicks: number; impressions: number }) => x.impressions ? x.clicks / x.impressions : null;
            close(ctr(ads[id]!), ctr(a), `${d} CTR ${id}`);
          }
          assert(Object.keys(ads).length > 0 && Object.values(ads).some((a) => a.clicks > 0));
        }
      });

      await t.step("M18 revenue per creator, stream and currency; per stream in USD", async () => {
        const stream: Record<string, "donations" | "sponsorships" | "subscriptions"> = {
          donation: "donations",
          sponsorship: "sponsorships",
          subscription: "subscriptions",
        };
        const fx = Object.fromEntries(
          (await Deno.readTextFile(`${PROJECT_ROOT}/seeds/fx_rates.csv`)).trim().split("\n").slice(1)
            .map((l) => l.split(",")).map(([c, r]) => [c!, Number(r)]),
        );
        for (const d of DAYS) {
          const dk = dateKey(d);
          const rows = await q<{ user_id: string; payment_type: string; currency: string; cents: string }>(
            `with ${USERS}
             select u.user_id::text as user_id, f.payment_type, f.currency, sum(round(f.amount * 100)) as cents
             from core.fact_payment as f join users as u on u.user_key = f.payee_user_key
             where f.date_key = ${dk} group by 1, 2, 3`,
          );
          const star: Record<string, Record<string, Record<string, number>>> = {};
          for (const r of rows) {
            const c = star[r.user_id] ??= { donations: {}, sponsorships: {}, subscriptions: {} };
            c[stream[r.payment_type]!]![r.currency] = n(r.cents);
          }
          const norm = (o: Record<string, Record<string, Record<string, number>>>) =>
            sorted(Object.fromEntries(
              Object.entries(o).map((
                [k, v],
              ) => [k, Object.fromEntries(Object.entries(v).map(([s, m]) => [s, sorted(m)]))]),
            ));
          assertEquals(norm(star), norm(entity.get(d)!.creators as never), `${d} revenue per creator`);
          const usd = await q<{ payment_type: string; usd: string }>(
            `select f.payment_type, sum(f.amount / r.units_per_usd)::float8 as usd
             from core.fact_payment as f join staging.fx_rates as r on r.currency = f.currency
             where f.date_key = ${dk} group by 1`,
          );
          const day = days.get(d)!;
          for (const r of usd) {
            const truth = Object.entries(day.revenue_cents[stream[r.payment_type]!])
              .reduce((a, [c, cents]) => a + cents / 100 / fx[c]!, 0);
            assert(Math.abs(n(r.usd) - truth) <= 1e-9 * Math.max(1, truth), `${d} ${r.payment_type} USD`);
          }
          assert(rows.length > 0 && usd.length === 3, `${d}: ${usd.length} revenue streams`);
        }
      });
    } finally {
      await env.close();
      await Deno.remove(target, { recursive: true });
    }
  },
});
