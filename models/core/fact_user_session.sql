/*
materialized: incremental
incremental_strategy: time_range
time_column: ended_at
indexes: [[ended_at]]
description: >
  Completed online sessions of users (user status online -> offline). Built from the offline event, which
  carries the session's length, so a session is a row once it ends; sessions still open are not here yet.
grain: one row per completed user session
unique_key: session_key
tags: [fact, users]
columns:
  session_key: { tests: [unique, not_null] }
  user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  device: { tests: [{ accepted_values: [ios, android, web, desktop] }] }
  duration_s: { tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: started_at <= ended_at
*/
select
  {{ surrogate_key('session_id') }} as session_key,
  {{ surrogate_key('user_id') }} as user_key,
  coalesce(v.version_key, -1) as user_version_key,
  {{ date_key('occurred_at') }} as date_key,
  session_id,
  device,
  session_duration_s as duration_s,
  occurred_at - make_interval(secs => session_duration_s) as started_at,
  occurred_at as ended_at
from {{ ref('stg_user_status_changes') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where status = 'offline' and {{ in_range('occurred_at') }}
