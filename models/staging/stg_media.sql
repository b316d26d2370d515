/*
description: Uploaded photos and videos (media.uploaded) with their thumbnail.
grain: one row per media.uploaded event (one per media item)
columns:
  media_id: { tests: [not_null] }
  media_type: { tests: [{ accepted_values: [photo, video] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'media.uploaded'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  -- ids
  event_id,
  (payload ->> 'media_id')::uuid as media_id,
  (payload ->> 'owner_user_id')::uuid as owner_user_id,
  (payload ->> 'album_id')::uuid as album_id,
  (payload -> 'thumbnail' ->> 'thumbnail_id')::uuid as thumbnail_id,
  -- attributes
  payload ->> 'media_type' as media_type,
  payload ->> 'mime_type' as mime_type,
  (payload ->> 'width')::integer as width,
  (payload ->> 'height')::integer as height,
  (payload ->> 'size_bytes')::bigint as size_bytes,
  (payload ->> 'duration_s')::numeric(10, 1) as duration_s,
  payload ->> 'url' as url,
  (payload -> 'thumbnail' ->> 'width')::integer as thumbnail_width,
  (payload -> 'thumbnail' ->> 'height')::integer as thumbnail_height,
  payload -> 'thumbnail' ->> 'url' as thumbnail_url,
  -- timestamps and lineage
  occurred_at,
  batch_id,
  is_late
from source
