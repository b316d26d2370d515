/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, community_key, actor_user_key)
time_column: occurred_at
description: >
  What each user did inside each community per UTC day: publications posted in it, comments and replies on its
  publications, reactions on them and on their comments, shares of them. From the star's facts (replayed entities
  already resolved) and dim_publication's community. The base of mart_community_daily (activity M13, engagement
  M16). A comment whose publication has not been loaded yet has no community until its day is rebuilt.
grain: one row per UTC day, community and acting user
columns:
  "(day, community_key, actor_user_key)": { description: the row key, tests: [unique] }
  publications: { description: publications the user posted in the community, tests: [{ expression: publications >= 0 }] }
  comments: "comments and replies by the user on the community's publications"
  replies: "the replies among them"
  reactions: "reactions by the user on the community's publications and their comments"
  shares: "reposts and quotes by the user of the community's publications"
*/
with community_publications as (
  -- read once: the community of every publication posted in one
  select publication_key, community_key
  from {{ ref('dim_publication') }}
  where community_key <> -1
),

on_publications as (
  select toDate(assumeNotNull(occurred_at)) as day, publication_key, author_user_key as actor_user_key,
    toUInt8(1) as comments, toUInt8(is_reply) as replies, toUInt8(0) as reactions, toUInt8(0) as shares
  from {{ ref('fact_comment') }}
  where {{ in_range('occurred_at') }}
  union all
  select toDate(assumeNotNull(occurred_at)), publication_key, reactor_user_key, 0, 0, 1, 0
  from {{ ref('fact_reaction') }}
  where {{ in_range('occurred_at') }}
  union all
  select toDate(assumeNotNull(occurred_at)), publication_key, sharer_user_key, 0, 0, 0, 1
  from {{ ref('fact_share') }}
  where {{ in_range('occurred_at') }}
),

actions as (
  select toDate(assumeNotNull(occurred_at)) as day, community_key, author_user_key as actor_user_key,
    toUInt8(1) as publications, toUInt8(0) as comments, toUInt8(0) as replies, toUInt8(0) as reactions,
    toUInt8(0) as shares
  from {{ ref('fact_publication') }}
  where community_key <> -1 and {{ in_range('occurred_at') }}
  union all
  select o.day, p.community_key, o.actor_user_key, 0, o.comments, o.replies, o.reactions, o.shares
  from on_publications as o
  inner join community_publications as p on p.publication_key = o.publication_key
)

select
  day,
  assumeNotNull(community_key) as community_key,
  assumeNotNull(actor_user_key) as actor_user_key,
  toUInt64(sum(publications)) as publications,
  toUInt64(sum(comments)) as comments,
  toUInt64(sum(replies)) as replies,
  toUInt64(sum(reactions)) as reactions,
  toUInt64(sum(shares)) as shares
from actions
group by day, community_key, actor_user_key
