/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Complaints (reports) against a publication, a comment or a user, with the community they concern.
grain: one row per complaint filed
unique_key: complaint_key
tags: [fact, moderation]
columns:
  complaint_key: { tests: [unique, not_null] }
  reporter_user_key: { tests: [not_null] }
  reported_user_key: { tests: [not_null] }
  community_key: { description: "-1 outside communities", tests: [not_null] }
  target: { tests: [{ accepted_values: [publication, comment, user] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  reporter_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  {{ surrogate_key('complaint_id') }} as complaint_key,
  {{ surrogate_key('reporter_user_id') }} as reporter_user_key,
  coalesce(v.version_key, -1) as reporter_user_version_key,
  {{ surrogate_key('reported_user_id') }} as reported_user_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('community_id') }} as community_key,
  {{ date_key('occurred_at') }} as date_key,
  complaint_id,
  target,
  reason,
  occurred_at
from {{ ref('stg_complaints') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.reporter_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
