/*
materialized: table
order_by: tuple()
description: >
  The platform since the first loaded event (metrics M1-M4 all-time): totals of publications, deletions,
  comments, reactions, shares and views, interactions per post over all of them, and distinct users who ever acted.
  "All-time" starts at the first loaded event, not at the world's start. Rebuilt whole from int_platform_day and
  int_daily_actors.
grain: one row (the whole loaded history)
columns:
  first_day: { description: the first UTC day with a loaded action, tests: [not_null] }
  snapshot_at: the newest loaded action (UTC)
  days: { description: "UTC days from first_day to the day of snapshot_at, both included", tests: [{ expression: days >= 1 }] }
  publications: { description: "M1: publications created (deleted ones included)", tests: [{ expression: publications = posts + stories + reels }] }
  posts: "M1: posts created"
  stories: "M1: stories created"
  reels: "M1: reels created"
  deletions: "M1: publications deleted"
  comments: { description: "M2: comments, replies included", tests: [{ expression: comments >= replies }] }
  replies: "M2: replies"
  reactions: "M2: reactions of every type, on publications and on comments"
  reposts: shares of kind repost
  quotes: shares of kind quote
  views: publication view events
  interactions_per_post: { description: "M3: (reactions + comments, replies included) / publications, all-time; NULL when none", tests: [{ expression: interactions_per_post is null or interactions_per_post >= 0 }] }
  users_ever_active: { description: "M4: distinct users with at least one action since first_day", tests: [{ expression: users_ever_active >= 0 }] }
*/
with totals as (
  select
    sum(publications) as publications, sum(posts) as posts, sum(stories) as stories, sum(reels) as reels,
    sum(deletions) as deletions, sum(comments) as comments, sum(replies) as replies, sum(reactions) as reactions,
    sum(reposts) as reposts, sum(quotes) as quotes, sum(views) as views
  from {{ ref('int_platform_day') }}
),

actors as (
  select min(day) as first_day, max(last_occurred_at) as snapshot_at, uniqExact(actor_user_key) as users_ever_active
  from {{ ref('int_daily_actors') }}
)

select
  a.first_day as first_day,
  a.snapshot_at as snapshot_at,
  toUInt32(toDate(a.snapshot_at) - a.first_day + 1) as days,
  t.publications as publications,
  t.posts as posts,
  t.stories as stories,
  t.reels as reels,
  t.deletions as deletions,
  t.comments as comments,
  t.replies as replies,
  t.reactions as reactions,
  t.reposts as reposts,
  t.quotes as quotes,
  t.views as views,
  if(t.publications = 0, null, (t.reactions + t.comments) / t.publications) as interactions_per_post,
  a.users_ever_active as users_ever_active
from actors as a
cross join totals as t
