/*
description: Views of publications; the viewer is the event's actor.
grain: one row per publication.viewed event
# A high-volume view: its keys and codes are tested on fact_view, a table that is cheap to scan.
*/
with source as (
  select event_id, occurred_at, actor_user_id, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'publication.viewed'
)

select
  event_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  actor_user_id as viewer_user_id,
  (payload ->> 'share_id')::uuid as share_id,
  payload ->> 'source' as view_source,
  (payload ->> 'dwell_ms')::integer as dwell_ms,
  occurred_at,
  batch_id,
  is_late
from source
