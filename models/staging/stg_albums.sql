/*
description: Photo/video albums (album.created).
grain: one row per album.created event (one per album)
columns:
  album_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'album.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'album_id')::uuid as album_id,
  (payload ->> 'owner_user_id')::uuid as owner_user_id,
  payload ->> 'title' as title,
  occurred_at,
  batch_id,
  is_late
from source
