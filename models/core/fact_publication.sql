/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Publications created, with what they carry (text length, hashtags, attachments).
grain: one row per publication created (post, story or reel)
unique_key: publication_key
tags: [fact]
columns:
  publication_key: { tests: [unique, not_null, { relationships: { to: dim_publication, field: publication_key } }] }
  author_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  topic_key: { tests: [not_null, { relationships: { to: dim_topic, field: topic_key } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  kind: { tests: [{ accepted_values: [post, story, reel] }] }
*/
select
  -- keys
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('topic') }} as topic_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  publication_id,
  kind,
  -- measures
  text_length,
  hashtag_count,
  attachment_count,
  -- time
  occurred_at
from {{ ref('stg_publications') }}
where {{ in_range('occurred_at') }}
