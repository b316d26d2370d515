/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, author_user_key)
time_column: day
lookahead: unbounded
description: >
  Virality per user (metric M10): reposts and quotes by other users of publications the user wrote, per UTC day
  and all-time (since the first loaded event) as of the end of that day. The whole cascade is credited to the
  original author (a repost of a repost counts for the author of the publication); self-shares are excluded.
  From int_author_shares_day (local). Incremental by day: the all-time totals of a day include every earlier day,
  so a build recomputes every day from the first one the new batches touch to the last (the totals before it come
  from the base's earlier days), and replaces those partitions.
grain: one row per UTC day and author who received at least one repost or quote that day
columns:
  "(day, author_user_key)": { description: the row key, tests: [unique] }
  day: { description: the UTC day, tests: [not_null] }
  author_user_key: the author (dim_user's durable user_key)
  reposts: { description: "M10: reposts of the author's publications by other users on the day", tests: [{ expression: reposts >= 0 }] }
  quotes: { description: "M10: quotes of the author's publications by other users on the day", tests: [{ expression: quotes >= 0 }] }
  reposts_all_time: { description: "M10: reposts received from the first loaded day to this day", tests: [{ expression: reposts_all_time >= reposts }] }
  quotes_all_time: { description: "M10: quotes received from the first loaded day to this day", tests: [{ expression: quotes_all_time >= quotes }] }
  rank_day: { description: "dense rank of the author by reposts + quotes on the day (1 = most shared)", tests: [{ expression: rank_day >= 1 }] }
*/
with before as (
  -- all-time totals up to the day before the recomputed ones (nothing on a full build)
  select author_user_key, sum(reposts) as reposts, sum(quotes) as quotes
  from {{ ref('int_author_shares_day') }}
  where not {{ in_range('day') }}
  group by author_user_key
),

recomputed as (
  select day, author_user_key, reposts, quotes
  from {{ ref('int_author_shares_day') }}
  where {{ in_range('day') }}
)

select
  r.day as day,
  r.author_user_key as author_user_key,
  r.reposts as reposts,
  r.quotes as quotes,
  b.reposts + sum(r.reposts) over (partition by r.author_user_key order by r.day
    range between unbounded preceding and current row) as reposts_all_time,
  b.quotes + sum(r.quotes) over (partition by r.author_user_key order by r.day
    range between unbounded preceding and current row) as quotes_all_time,
  dense_rank() over (partition by r.day order by r.reposts + r.quotes desc) as rank_day
from recomputed as r
left join before as b on b.author_user_key = r.author_user_key
