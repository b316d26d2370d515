/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, author_user_key)
time_column: occurred_at
description: >
  Reposts and quotes received per author per UTC day: shares by other users of publications the author wrote (a
  share of a share is credited to the original author; self-shares are left out). The base of
  mart_user_reposts_daily.
grain: one row per UTC day and author with at least one share received
columns:
  "(day, author_user_key)": { description: the row key, tests: [unique] }
  reposts: { description: reposts received on the day, tests: [{ expression: reposts >= 0 }] }
  quotes: { description: quotes received on the day, tests: [{ expression: quotes >= 0 }] }
*/
with shares as (
  select toDate(assumeNotNull(occurred_at)) as day, publication_author_user_key, sharer_user_key, share_kind
  from {{ ref('fact_share') }}
  where {{ in_range('occurred_at') }}
)

select
  day,
  assumeNotNull(publication_author_user_key) as author_user_key,
  countIf(share_kind = 'repost') as reposts,
  countIf(share_kind = 'quote') as quotes
from shares
where sharer_user_key <> publication_author_user_key
group by day, publication_author_user_key
