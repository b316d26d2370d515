/*
description: Privacy changes (user.privacy_changed); `privacy` is the whole new privacy object.
grain: one row per user.privacy_changed event
columns:
  event_id: { tests: [not_null] }
  user_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.privacy_changed'
)

select
  event_id,
  (payload ->> 'user_id')::uuid as user_id,
  payload -> 'privacy' as privacy,
  occurred_at,
  batch_id,
  is_late
from source
