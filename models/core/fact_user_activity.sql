/*
materialized: view
time_column: occurred_at
description: >
  Every action of a user: the one source of DAU, WAU and engagement (an action is an event with a non-null
  `actor_user_id`, system events have none; docs/events.md). `community_key` is the community the action was
  inside: the one the event names (a publication posted in it, a join, a complaint...), else the community of the
  publication the action is on (a comment, reply, reaction, share or view of a community post), else -1. A view
  over fact_user_activity_base and dim_publication, so a late publication's community reaches the actions built
  before it arrived.
grain: one row per action (event with a non-null actor_user_id)
unique_key: event_id
tags: [fact, activity]
columns:
  event_id: { tests: [not_null] }
  actor_user_key: { tests: [not_null] }
  community_key: { description: "-1 when the action was not inside a community", tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  actor_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  a.actor_user_key,
  a.actor_user_version_key,
  a.publication_key,
  case
    when a.event_community_key <> -1 then a.event_community_key
    else coalesce(p.community_key, -1)
  end as community_key,
  {{ date_key('a.occurred_at') }} as date_key,
  -- degenerate dimensions
  a.event_id,
  a.event_type,
  -- time
  a.occurred_at
from {{ ref('fact_user_activity_base') }} as a
left join {{ ref('dim_publication') }} as p
  on p.publication_key = a.publication_key and a.publication_key <> -1
