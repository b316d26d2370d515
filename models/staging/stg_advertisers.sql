/*
description: Advertisers registered (a back-office event, no actor).
grain: one row per advertiser.registered event (one per advertiser)
columns:
  advertiser_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'advertiser.registered'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'advertiser_id')::uuid as advertiser_id,
  payload ->> 'name' as name,
  payload ->> 'industry' as industry,
  payload ->> 'country' as country,
  occurred_at,
  batch_id,
  is_late
from source
