/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Complaints resolved, by which moderator and how (complaints per moderator).
grain: one row per complaint resolution
unique_key: event_id
tags: [fact, moderation]
columns:
  event_id: { tests: [unique, not_null] }
  complaint_key: { tests: [not_null, { relationships: { to: fact_complaint, field: complaint_key, severity: warn } }] }
  moderator_user_key: { tests: [not_null] }
  resolution: { tests: [{ accepted_values: [dismissed, content_removed, user_warned] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  moderator_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  {{ surrogate_key('complaint_id') }} as complaint_key,
  {{ surrogate_key('moderator_user_id') }} as moderator_user_key,
  coalesce(v.version_key, -1) as moderator_user_version_key,
  {{ surrogate_key('community_id') }} as community_key,
  {{ date_key('occurred_at') }} as date_key,
  event_id,
  resolution,
  occurred_at
from {{ ref('stg_complaint_resolutions') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.moderator_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
