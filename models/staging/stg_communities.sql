/*
description: Communities and groups created, with their topic.
grain: one row per community.created event (one per community)
columns:
  community_id: { tests: [not_null] }
  kind: { tests: [{ accepted_values: [community, group] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'community.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'community_id')::uuid as community_id,
  (payload ->> 'owner_user_id')::uuid as owner_user_id,
  payload ->> 'name' as name,
  payload ->> 'kind' as kind,
  payload ->> 'topic' as topic,
  payload ->> 'visibility' as visibility,
  payload ->> 'description' as description,
  occurred_at,
  batch_id,
  is_late
from source
