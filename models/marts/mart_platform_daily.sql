/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: day
time_column: day
lookahead: unbounded
provisional: not is_final
description: >
  The platform's day (metrics M1-M6): publications by kind and deletions, comments and replies, reactions by type
  and target, interactions per post, DAU, WAU and DAU/WAU. Day = UTC day of `occurred_at`. An action is an event
  with a non-null `actor_user_id` (going online or offline counts; system events do not). Deleted publications
  stay counted on their creation day. Built from its two incremental bases (int_platform_day, int_daily_actors),
  local ClickHouse tables. Incremental by day: a build recomputes every day from the first day the new batches
  touch to the last loaded day (the WAU windows of the days after a touched day contain it, and `first_day` is on
  every row), plus every day not yet final (`provisional`: its finality moves with the newest action), and replaces
  those partitions; final days before the touched ones are left as they are.
grain: one row per UTC day since the first loaded event
unique_key: day
columns:
  day: { description: the UTC calendar day, tests: [unique, not_null] }
  publications: { description: "M1: publications created on the day (post + story + reel), deleted ones included", tests: [{ expression: publications >= 0 }] }
  posts: "M1: posts created on the day"
  stories: "M1: stories created on the day"
  reels: "M1: reels created on the day"
  deletions: "M1: publications deleted on the day (whenever created)"
  comments: { description: "M2: comments created on the day, replies included", tests: [{ expression: comments >= replies }] }
  replies: "M2: replies (comments on a comment) created on the day"
  reactions: { description: "M2: reactions of every type added on the day, on publications and on comments", tests: [{ expression: reactions = reactions_on_publications + reactions_on_comments }] }
  reactions_on_publications: "M2: reactions on publications"
  reactions_on_comments: "M2: reactions on comments"
  reactions_like: "M2: reactions of type like"
  reactions_love: "M2: reactions of type love"
  reactions_wow: "M2: reactions of type wow"
  reactions_haha: "M2: reactions of type haha"
  reactions_sad: "M2: reactions of type sad"
  reactions_angry: "M2: reactions of type angry"
  reposts: "shares of kind repost on the day (not interactions)"
  quotes: "shares of kind quote on the day (not interactions)"
  views: "publication view events on the day (repeat views count)"
  interactions_per_post: { description: "M3: (reactions + comments, replies included) / publications created on the day; NULL when none", tests: [{ expression: interactions_per_post is null or interactions_per_post >= 0 }] }
  dau: { description: "M4: distinct users with at least one action on the day", tests: [{ expression: dau <= wau }] }
  wau: "M5: distinct users with at least one action on D-6..D (fewer days while wau_window_complete is false)"
  dau_wau_ratio: { description: "M6: dau / wau, in [0, 1]; NULL when wau is 0", tests: [{ expression: "dau_wau_ratio is null or (dau_wau_ratio >= 0 and dau_wau_ratio <= 1)" }] }
  wau_window_complete: { description: "false for the first six days after the first loaded day (partial WAU window)", tests: [{ expression: "wau_window_complete = (day >= first_day + 6)" }] }
  is_final: { description: "true once the day ended more than the late window (var late_window_hours: the pipeline's PIPELINE_LATE_WINDOW_HOURS unless --vars sets it, default 3) before the newest loaded action; false while late events may still change it", tests: [{ expression: "not is_final or day < toDate(snapshot_at)" }] }
  first_day: "the first UTC day with a loaded action (start of all-time)"
  snapshot_at: "the clock finality is measured against (UTC): the newest loaded action while the day is provisional; once it is final, the moment it became so (its end plus the late window), which later actions no longer move"
*/
with days_actors as (
  -- the days a recomputed day's WAU window reads (itself and the six before it)
  select day, count() as dau, uniqExactState(actor_user_key) as actors
  from {{ ref('int_daily_actors') }}
  where {{ in_range('day', '6 days') }}
  group by day
),

windows as (
  select day, dau, uniqExactMerge(actors) over (order by day range between 6 preceding and current row) as wau
  from days_actors
),

bounds as (
  select min(day) as first_day, max(last_occurred_at) as newest_action from {{ ref('int_daily_actors') }}
),

calendar as (
  select day from windows where {{ in_range('day') }}
  union distinct
  select day from {{ ref('int_platform_day') }} where {{ in_range('day') }}
),

finality as (
  select c.day as day, toDateTime64(c.day, 6, 'UTC') + toIntervalHour(24 + {{ var('late_window_hours', 'number', '3') }})
    as final_at
  from calendar as c
)

select
  c.day as day,
  -- M1
  coalesce(p.publications, 0) as publications,
  coalesce(p.posts, 0) as posts,
  coalesce(p.stories, 0) as stories,
  coalesce(p.reels, 0) as reels,
  coalesce(p.deletions, 0) as deletions,
  -- M2
  coalesce(p.comments, 0) as comments,
  coalesce(p.replies, 0) as replies,
  coalesce(p.reactions, 0) as reactions,
  coalesce(p.reactions_on_publications, 0) as reactions_on_publications,
  coalesce(p.reactions_on_comments, 0) as reactions_on_comments,
  coalesce(p.reactions_like, 0) as reactions_like,
  coalesce(p.reactions_love, 0) as reactions_love,
  coalesce(p.reactions_wow, 0) as reactions_wow,
  coalesce(p.reactions_haha, 0) as reactions_haha,
  coalesce(p.reactions_sad, 0) as reactions_sad,
  coalesce(p.reactions_angry, 0) as reactions_angry,
  coalesce(p.reposts, 0) as reposts,
  coalesce(p.quotes, 0) as quotes,
  coalesce(p.views, 0) as views,
  -- M3
  if(publications = 0, null, (reactions + comments) / publications) as interactions_per_post,
  -- M4-M6
  coalesce(w.dau, 0) as dau,
  coalesce(w.wau, 0) as wau,
  if(wau = 0, null, dau / wau) as dau_wau_ratio,
  toBool(c.day >= b.first_day + 6) as wau_window_complete,
  toBool(f.final_at <= b.newest_action) as is_final,
  b.first_day as first_day,
  least(b.newest_action, f.final_at) as snapshot_at
from calendar as c
cross join bounds as b
left join finality as f on f.day = c.day
left join {{ ref('int_platform_day') }} as p on p.day = c.day
left join windows as w on w.day = c.day
