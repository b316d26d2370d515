/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Publications pinned in communities; `replaced_publication_key` is the pin it replaced (-1 if none).
grain: one row per pin event
unique_key: event_id
tags: [fact, communities]
columns:
  event_id: { tests: [unique, not_null] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  pinned_by_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('replaced_publication_id') }} as replaced_publication_key,
  {{ surrogate_key('pinned_by_user_id') }} as pinned_by_user_key,
  coalesce(v.version_key, -1) as pinned_by_user_version_key,
  {{ date_key('occurred_at') }} as date_key,
  event_id,
  occurred_at
from {{ ref('stg_pinned_posts') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.pinned_by_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
