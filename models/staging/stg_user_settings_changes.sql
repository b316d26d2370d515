/*
description: Settings changes (user.settings_changed); `settings` is the whole new settings object.
grain: one row per user.settings_changed event
columns:
  event_id: { tests: [not_null] }
  user_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.settings_changed'
)

select
  event_id,
  (payload ->> 'user_id')::uuid as user_id,
  payload -> 'settings' as settings,
  occurred_at,
  batch_id,
  is_late
from source
