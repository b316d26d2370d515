/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Views of publications, with where the viewer came from and how long they stayed.
grain: one row per publication view
unique_key: event_id
tags: [fact]
columns:
  event_id: { description: the view event (degenerate key), tests: [unique, not_null] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  viewer_user_key: { tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  viewer_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('viewer_user_id') }} as viewer_user_key,
  coalesce(v.version_key, -1) as viewer_user_version_key,
  {{ surrogate_key('share_id') }} as share_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  view_source,
  -- measures
  dwell_ms,
  -- time
  occurred_at
from {{ ref('stg_publication_views') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.viewer_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
