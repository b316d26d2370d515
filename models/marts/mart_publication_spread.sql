/*
materialized: table
order_by: (created_day, publication_key)
partition_by: toYYYYMM(created_day)
description: >
  Spread speed per publication (metric M11): seconds from its creation to its 1000th view event (repeat views
  count: a view is an event), NULL until it has 1000 loaded views. Views come from int_view_events (a local copy
  of fact_view); the table is rebuilt whole, so a publication that reaches 1000 views days after its creation
  gets its figure in the next build.
grain: one row per publication created since the first loaded event
columns:
  publication_key: { description: the publication (dim_publication), tests: [unique, not_null] }
  publication_id: the publication's id
  kind: { description: "post, story or reel", tests: [{ accepted_values: [post, story, reel] }] }
  author_user_key: the author (dim_user durable key)
  community_key: "the community it was posted in; -1 outside any"
  created_at: when it was created (UTC)
  created_day: the UTC day it was created
  views: { description: "view events loaded so far", tests: [{ expression: views >= 0 }] }
  reached_1000_at: "when its 1000th view event happened; NULL until then"
  seconds_to_1000: { description: "M11: reached_1000_at - created_at in seconds (microsecond precision); NULL until reached", tests: [{ expression: "seconds_to_1000 is null or (seconds_to_1000 >= 0 and views >= 1000)" }] }
*/
with view_counts as (
  select publication_key, count() as views from {{ ref('int_view_events') }} group by publication_key
),

reached as (
  -- the 1000th view, sorted only for the few publications that have one
  select publication_key, arraySort(groupArray(occurred_at))[1000] as reached_1000_at
  from {{ ref('int_view_events') }}
  where publication_key in (select publication_key from view_counts where views >= 1000)
  group by publication_key
),

views as (
  select c.publication_key as publication_key, c.views as views, r.reached_1000_at as reached_1000_at
  from view_counts as c
  left join reached as r on r.publication_key = c.publication_key
),

publications as (
  select publication_key, publication_id, kind, author_user_key, community_key, created_at
  from {{ ref('dim_publication') }}
  where publication_key <> -1
)

select
  assumeNotNull(p.publication_key) as publication_key,
  p.publication_id as publication_id,
  p.kind as kind,
  p.author_user_key as author_user_key,
  p.community_key as community_key,
  p.created_at as created_at,
  toDate(assumeNotNull(p.created_at)) as created_day,
  coalesce(v.views, 0) as views,
  v.reached_1000_at as reached_1000_at,
  if(v.reached_1000_at is null, null,
    dateDiff('microsecond', p.created_at, v.reached_1000_at) / 1e6) as seconds_to_1000
from publications as p
left join views as v on v.publication_key = p.publication_key
settings join_use_nulls = 1
