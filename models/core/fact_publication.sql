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
  author_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  coalesce(v.version_key, -1) as author_user_version_key,
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
from {{ ref('stg_publications') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.author_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
