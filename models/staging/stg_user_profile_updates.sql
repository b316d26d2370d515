/*
description: Profile edits (user.profile_updated), payload typed.
grain: one row per user.profile_updated event
columns:
  event_id: { tests: [not_null] }
  user_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.profile_updated'
)

select
  event_id,
  (payload ->> 'user_id')::uuid as user_id,
  (payload ->> 'avatar_media_id')::uuid as avatar_media_id,
  payload ->> 'display_name' as display_name,
  payload ->> 'bio' as bio,
  payload ->> 'city' as city,
  payload ->> 'country' as country,
  payload ->> 'website' as website,
  occurred_at,
  batch_id,
  is_late
from source
