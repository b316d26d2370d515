/*
materialized: incremental
incremental_strategy: time_range
time_column: created_at
indexes: [[created_at]]
description: >
  Photo/video albums and their owner. Immutable once created, so it grows by creation time. Key -1 is the
  "no album" member.
grain: one row per album (plus the -1 member)
unique_key: album_key
tags: [dimension]
columns:
  album_key: { description: surrogate key (hash of album_id), tests: [unique, not_null] }
*/
select
  {{ surrogate_key('album_id') }} as album_key,
  album_id,
  {{ surrogate_key('owner_user_id') }} as owner_user_key,
  title,
  occurred_at as created_at
from {{ ref('stg_albums') }}
where {{ in_range('occurred_at') }}
union all
select -1, null, -1, '(none)', '-infinity'::timestamptz
where {{ in_range("'-infinity'::timestamptz") }}
