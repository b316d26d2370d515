/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Blocks and mutes: one user restricting what another can do or show them (safety, not the social graph). The
  actor is the blocker or muter, the subject the blocked or muted user; a mute lasts `mute_duration_days` (null:
  until further notice).
grain: one row per block.created or mute.created event
unique_key: event_id
tags: [fact, safety]
columns:
  event_id: { tests: [unique, not_null] }
  edge_type: { tests: [{ accepted_values: [block, mute] }] }
  actor_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  subject_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  actor_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('actor_user_id') }} as actor_user_key,
  coalesce(v.version_key, -1) as actor_user_version_key,
  {{ surrogate_key('subject_user_id') }} as subject_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  edge_type,
  -- measures
  mute_duration_days,
  -- time
  occurred_at
from {{ ref('stg_social_edge_events') }} as s
left join lateral (
  -- Type 7: the actor's dim_user version current at the event, as known when it was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.actor_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where edge_type in ('block', 'mute') and {{ in_range('occurred_at') }}
