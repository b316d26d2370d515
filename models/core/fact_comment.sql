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
  author_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: is_reply = (parent_comment_key <> -1)
*/
select
  -- keys
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  coalesce(v.version_key, -1) as author_user_version_key,
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
from {{ ref('stg_comments') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.author_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
