/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Publications deleted, by their author or by moderation (then with the complaint behind it).
grain: one row per publication deletion
unique_key: event_id
tags: [fact, moderation]
columns:
  event_id: { tests: [unique, not_null] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  reason: { tests: [{ accepted_values: [author, moderation] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  deleted_by_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  {{ surrogate_key('deleted_by_user_id') }} as deleted_by_user_key,
  coalesce(v.version_key, -1) as deleted_by_user_version_key,
  {{ surrogate_key('complaint_id') }} as complaint_key,
  {{ date_key('occurred_at') }} as date_key,
  event_id,
  reason,
  occurred_at
from {{ ref('stg_publication_deletions') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.deleted_by_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
