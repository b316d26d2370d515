/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Comments and replies on publications. A reply has a parent and a root comment (-1 for top-level comments).
  Community and topic come through dim_publication.
grain: one row per comment or reply
unique_key: comment_key
tags: [fact]
columns:
  comment_key: { tests: [unique, not_null] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  author_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
tests:
  - expression: is_reply = (parent_comment_key <> -1)
*/
select
  -- keys
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  {{ surrogate_key('parent_comment_id') }} as parent_comment_key,
  {{ surrogate_key('root_comment_id') }} as root_comment_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  comment_id,
  is_reply,
  -- measures
  text_length,
  -- time
  occurred_at
from {{ ref('stg_comments') }}
where {{ in_range('occurred_at') }}
