/*
description: Ad clicks with their cost to the advertiser; the clicker is the event's actor.
grain: one row per ad.clicked event
columns:
  click_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, actor_user_id, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'ad.clicked'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'click_id')::uuid as click_id,
  (payload ->> 'impression_id')::uuid as impression_id,
  (payload ->> 'ad_id')::uuid as ad_id,
  (payload ->> 'campaign_id')::uuid as campaign_id,
  actor_user_id as clicker_user_id,
  (payload ->> 'cost')::numeric(14, 2) as cost,
  payload ->> 'currency' as currency,
  occurred_at,
  batch_id,
  is_late
from source
