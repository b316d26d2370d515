/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at], [community_key, user_key, occurred_at]]
description: >
  Community membership changes: joins and leaves (`member_delta`), and the start and end of moderator roles
  (`moderator_delta`; the owner is a moderator from the community's creation and has no rows here).
grain: one row per membership event (join, leave, moderator assigned or moderator removed)
unique_key: event_id
tags: [fact, communities]
columns:
  event_id: { tests: [unique, not_null] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  user_key: { tests: [not_null] }
  action: { tests: [{ accepted_values: [join, leave, moderator_assigned, moderator_removed] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('user_id') }} as user_key,
  coalesce(v.version_key, -1) as user_version_key,
  {{ surrogate_key('appointed_by_user_id') }} as appointed_by_user_key,
  {{ surrogate_key('removed_by_user_id') }} as removed_by_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  action,
  join_via,
  removal_reason,
  -- measures
  case action when 'join' then 1 when 'leave' then -1 else 0 end as member_delta,
  case action when 'moderator_assigned' then 1 when 'moderator_removed' then -1 else 0 end as moderator_delta,
  membership_days,
  -- time
  occurred_at
from {{ ref('stg_community_membership_events') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
