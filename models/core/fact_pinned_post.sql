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
*/
select
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('replaced_publication_id') }} as replaced_publication_key,
  {{ surrogate_key('pinned_by_user_id') }} as pinned_by_user_key,
  {{ date_key('occurred_at') }} as date_key,
  event_id,
  occurred_at
from {{ ref('stg_pinned_posts') }}
where {{ in_range('occurred_at') }}
