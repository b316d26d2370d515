/*
materialized: table
order_by: (day, author_user_key)
partition_by: toYYYYMM(day)
description: >
  Virality per user (metric M10): reposts and quotes by other users of publications the user wrote, per UTC day
  and all-time (since the first loaded event) as of the end of that day. The whole cascade is credited to the
  original author (a repost of a repost counts for the author of the publication); self-shares are excluded.
  Rebuilt whole from int_author_shares_day (local), so the all-time totals always include late shares.
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
select
  day,
  author_user_key,
  reposts,
  quotes,
  sum(reposts) over (partition by author_user_key order by day range between unbounded preceding and current row)
    as reposts_all_time,
  sum(quotes) over (partition by author_user_key order by day range between unbounded preceding and current row)
    as quotes_all_time,
  dense_rank() over (partition by day order by reposts + quotes desc) as rank_day
from {{ ref('int_author_shares_day') }}
