/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Reposts and quotes. `parent_share_key` is the share this one was made from (-1 when shared from the
  publication itself) and `cascade_depth` its depth in the cascade; `publication_author_user_key` is whose
  content spreads (virality per author).
grain: one row per share (repost or quote)
unique_key: share_key
tags: [fact]
columns:
  share_key: { tests: [unique, not_null] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  sharer_user_key: { tests: [not_null] }
  publication_author_user_key: { tests: [not_null] }
  share_kind: { tests: [{ accepted_values: [repost, quote] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  sharer_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: (parent_share_key = -1) = (cascade_depth = 1)
*/
select
  -- keys
  {{ surrogate_key('share_id') }} as share_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('publication_author_user_id') }} as publication_author_user_key,
  {{ surrogate_key('sharer_user_id') }} as sharer_user_key,
  coalesce(v.version_key, -1) as sharer_user_version_key,
  {{ surrogate_key('parent_share_id') }} as parent_share_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  share_id,
  kind as share_kind,
  -- measures
  cascade_depth,
  text_length,
  -- time
  occurred_at
from {{ ref('stg_shares') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.sharer_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
