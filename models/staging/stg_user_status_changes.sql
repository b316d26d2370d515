/*
description: Online/offline transitions (user.status_changed). An offline event closes a session and carries its length.
grain: one row per user.status_changed event
# A high-volume view: its keys and codes are tested on fact_user_session, a table that is cheap to scan.
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.status_changed'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'user_id')::uuid as user_id,
  (payload ->> 'session_id')::uuid as session_id,
  payload ->> 'status' as status,
  payload ->> 'device' as device,
  (payload ->> 'session_duration_s')::integer as session_duration_s,
  occurred_at,
  batch_id,
  is_late
from source
