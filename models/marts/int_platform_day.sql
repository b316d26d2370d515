/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: day
time_column: occurred_at
description: >
  Per UTC day, the counts of metrics 1-3 from the star schema (publications by kind, deletions, comments and
  replies, reactions by type and target, shares by kind, views). Incremental: a late event recomputes its day.
  The base of mart_platform_daily and mart_platform_all_time.
grain: one row per UTC day with at least one publication, deletion, comment, reaction, share or view
columns:
  day: { description: the UTC day (partition), tests: [unique, not_null] }
*/
with publications as (
  select toDate(assumeNotNull(occurred_at)) as day, kind
  from {{ ref('fact_publication') }}
  where {{ in_range('occurred_at') }}
),

deletions as (
  select toDate(assumeNotNull(occurred_at)) as day
  from {{ ref('fact_publication_deletion') }}
  where {{ in_range('occurred_at') }}
),

comments as (
  select toDate(assumeNotNull(occurred_at)) as day, is_reply
  from {{ ref('fact_comment') }}
  where {{ in_range('occurred_at') }}
),

reactions as (
  select toDate(assumeNotNull(r.occurred_at)) as day, r.target as target, t.reaction as reaction
  from {{ ref('fact_reaction') }} as r
  left join {{ ref('dim_reaction_type') }} as t on t.reaction_type_key = r.reaction_type_key
  where {{ in_range('r.occurred_at') }}
),

shares as (
  select toDate(assumeNotNull(occurred_at)) as day, share_kind
  from {{ ref('fact_share') }}
  where {{ in_range('occurred_at') }}
),

views as (
  select day from {{ ref('int_view_events') }} where {{ in_range('occurred_at') }}
),

per_day as (
  select day, count() as publications, countIf(kind = 'post') as posts, countIf(kind = 'story') as stories,
    countIf(kind = 'reel') as reels, 0 as deletions, 0 as comments, 0 as replies, 0 as reactions,
    0 as reactions_on_publications, 0 as reactions_on_comments, 0 as reactions_like, 0 as reactions_love,
    0 as reactions_wow, 0 as reactions_haha, 0 as reactions_sad, 0 as reactions_angry, 0 as reposts, 0 as quotes,
    0 as views
  from publications group by day
  union all
  select day, 0, 0, 0, 0, count(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 from deletions group by day
  union all
  select day, 0, 0, 0, 0, 0, count(), countIf(is_reply), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  from comments group by day
  union all
  select day, 0, 0, 0, 0, 0, 0, 0, count(), countIf(target = 'publication'), countIf(target = 'comment'),
    countIf(reaction = 'like'), countIf(reaction = 'love'), countIf(reaction = 'wow'), countIf(reaction = 'haha'),
    countIf(reaction = 'sad'), countIf(reaction = 'angry'), 0, 0, 0
  from reactions group by day
  union all
  select day, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, countIf(share_kind = 'repost'),
    countIf(share_kind = 'quote'), 0
  from shares group by day
  union all
  select day, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, count() from views group by day
)

select
  day,
  toUInt64(sum(publications)) as publications,
  toUInt64(sum(posts)) as posts,
  toUInt64(sum(stories)) as stories,
  toUInt64(sum(reels)) as reels,
  toUInt64(sum(deletions)) as deletions,
  toUInt64(sum(comments)) as comments,
  toUInt64(sum(replies)) as replies,
  toUInt64(sum(reactions)) as reactions,
  toUInt64(sum(reactions_on_publications)) as reactions_on_publications,
  toUInt64(sum(reactions_on_comments)) as reactions_on_comments,
  toUInt64(sum(reactions_like)) as reactions_like,
  toUInt64(sum(reactions_love)) as reactions_love,
  toUInt64(sum(reactions_wow)) as reactions_wow,
  toUInt64(sum(reactions_haha)) as reactions_haha,
  toUInt64(sum(reactions_sad)) as reactions_sad,
  toUInt64(sum(reactions_angry)) as reactions_angry,
  toUInt64(sum(reposts)) as reposts,
  toUInt64(sum(quotes)) as quotes,
  toUInt64(sum(views)) as views
from per_day
group by day
