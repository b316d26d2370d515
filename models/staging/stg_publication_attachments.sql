/*
description: Media attached to publications, one row per attachment (unnested from publication.created).
grain: one row per attachment of a publication
# A high-volume view: its keys and codes are tested on bridge_publication_media, a table that is cheap to scan.
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'publication.created' and jsonb_array_length(payload -> 'attachments') > 0
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  s.event_id,
  (a.value ->> 'attachment_id')::uuid as attachment_id,
  (s.payload ->> 'publication_id')::uuid as publication_id,
  (a.value ->> 'media_id')::uuid as media_id,
  a.value ->> 'media_type' as media_type,
  (a.value ->> 'position')::integer as position,
  s.occurred_at,
  s.batch_id,
  s.is_late
from source as s
cross join lateral jsonb_array_elements(s.payload -> 'attachments') as a (value)
