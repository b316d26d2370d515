/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Every action of a user (an event with a non-null actor), with the publication it concerns and the community its
  own payload names. Read `fact_user_activity` instead: it adds the community of the publication, which this table
  cannot hold (a publication whose creation event arrives late would leave earlier-built rows without it).
grain: one row per action (event with a non-null actor_user_id)
unique_key: event_id
tags: [fact, activity]
columns:
  event_id: { tests: [unique, not_null] }
  actor_user_key: { tests: [not_null] }
  publication_key: { description: "-1 when the action concerns no publication", tests: [not_null] }
  event_community_key: { description: "the community named by the event's payload; -1 when none", tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  actor_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('actor_user_id') }} as actor_user_key,
  coalesce(v.version_key, -1) as actor_user_version_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('community_id') }} as event_community_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  event_type,
  -- time
  occurred_at
from {{ ref('stg_user_actions') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.actor_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
