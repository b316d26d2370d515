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
*/
select
  {{ surrogate_key('complaint_id') }} as complaint_key,
  {{ surrogate_key('reporter_user_id') }} as reporter_user_key,
  {{ surrogate_key('reported_user_id') }} as reported_user_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('community_id') }} as community_key,
  {{ date_key('occurred_at') }} as date_key,
  complaint_id,
  target,
  reason,
  occurred_at
from {{ ref('stg_complaints') }}
where {{ in_range('occurred_at') }}
