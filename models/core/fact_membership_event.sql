/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Community membership changes - joins, leaves and moderator appointments.
grain: one row per membership event (join, leave or moderator assigned)
unique_key: event_id
tags: [fact, communities]
columns:
  event_id: { tests: [unique, not_null] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  user_key: { tests: [not_null] }
  action: { tests: [{ accepted_values: [join, leave, moderator_assigned] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
*/
select
  -- keys
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('user_id') }} as user_key,
  {{ surrogate_key('appointed_by_user_id') }} as appointed_by_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  action,
  join_via,
  -- measures
  case action when 'join' then 1 when 'leave' then -1 else 0 end as member_delta,
  membership_days,
  -- time
  occurred_at
from {{ ref('stg_community_membership_events') }}
where {{ in_range('occurred_at') }}
