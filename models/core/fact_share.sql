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
tests:
  - expression: (parent_share_key = -1) = (cascade_depth = 1)
*/
select
  -- keys
  {{ surrogate_key('share_id') }} as share_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('publication_author_user_id') }} as publication_author_user_key,
  {{ surrogate_key('sharer_user_id') }} as sharer_user_key,
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
from {{ ref('stg_shares') }}
where {{ in_range('occurred_at') }}
