/*
materialized: incremental
incremental_strategy: time_range
time_column: created_at
indexes: [[created_at], [publication_key]]
description: >
  Publications (posts, stories, reels) with their kind, author, community, topic and creation time. Immutable
  once created (deletions are facts in fact_publication_deletion), so it grows by creation time. Key -1 is the
  "no publication" member.
grain: one row per publication (plus the -1 member)
unique_key: publication_key
tags: [dimension]
columns:
  publication_key: { description: surrogate key (hash of publication_id), tests: [unique, not_null] }
  publication_id: { description: natural key }
  kind: { tests: [{ accepted_values: [post, story, reel, none] }] }
  author_user_key: { tests: [not_null] }
  community_key: { description: "-1 when outside any community", tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  topic_key: { tests: [not_null, { relationships: { to: dim_topic, field: topic_key } }] }
*/
with publications as (
  select * from {{ ref('stg_publications') }}
  where {{ in_range('occurred_at') }}
)

select
  -- keys
  {{ surrogate_key('publication_id') }} as publication_key,
  publication_id,
  {{ surrogate_key('author_user_id') }} as author_user_key,
  {{ surrogate_key('community_id') }} as community_key,
  {{ surrogate_key('topic') }} as topic_key,
  {{ surrogate_key('album_id') }} as album_key,
  -- attributes
  kind,
  topic,
  language,
  visibility,
  attachment_count,
  -- timestamps
  occurred_at as created_at,
  {{ date_key('occurred_at') }} as created_date_key,
  expires_at
from publications
union all
select -1, null, -1, -1, -1, -1, 'none', null, null, null, 0, '-infinity'::timestamptz, null, null
where {{ in_range("'-infinity'::timestamptz") }}
