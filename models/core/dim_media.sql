/*
materialized: incremental
incremental_strategy: time_range
time_column: uploaded_at
indexes: [[uploaded_at]]
description: >
  Photos and videos with their thumbnail and album. Immutable once uploaded, so it grows by upload time.
  Key -1 is the "no media" member (a user without an avatar).
grain: one row per media item (plus the -1 member)
unique_key: media_key
tags: [dimension]
columns:
  media_key: { description: surrogate key (hash of media_id), tests: [unique, not_null] }
  media_type: { tests: [{ accepted_values: [photo, video, none] }] }
  album_key: { tests: [not_null, { relationships: { to: dim_album, field: album_key, severity: warn } }] }
*/
with media as (
  select * from {{ ref('stg_media') }}
  where {{ in_range('occurred_at') }}
)

select
  -- keys
  {{ surrogate_key('media_id') }} as media_key,
  media_id,
  {{ surrogate_key('owner_user_id') }} as owner_user_key,
  {{ surrogate_key('album_id') }} as album_key,
  -- media
  media_type,
  mime_type,
  width,
  height,
  size_bytes,
  duration_s,
  url,
  -- thumbnail
  thumbnail_id,
  thumbnail_width,
  thumbnail_height,
  thumbnail_url,
  -- timestamps
  occurred_at as uploaded_at
from media
union all
select
  -1, null, -1, -1, 'none', null, null, null, null, null, null, null, null, null, null, '-infinity'::timestamptz
where {{ in_range("'-infinity'::timestamptz") }}
