/*
description: Ad impressions; the viewer is the event's actor.
grain: one row per ad.impression event
# A high-volume view: its keys and codes are tested on fact_ad_impression, a table that is cheap to scan.
*/
with source as (
  select event_id, occurred_at, actor_user_id, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'ad.impression'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'impression_id')::uuid as impression_id,
  (payload ->> 'ad_id')::uuid as ad_id,
  (payload ->> 'campaign_id')::uuid as campaign_id,
  actor_user_id as viewer_user_id,
  payload ->> 'placement' as placement,
  occurred_at,
  batch_id,
  is_late
from source
