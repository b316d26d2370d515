/*
description: Ads (creatives) of campaigns.
grain: one row per ad.created event (one per ad)
columns:
  ad_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'ad.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'ad_id')::uuid as ad_id,
  (payload ->> 'campaign_id')::uuid as campaign_id,
  (payload ->> 'advertiser_id')::uuid as advertiser_id,
  payload ->> 'format' as format,
  payload ->> 'headline' as headline,
  payload ->> 'landing_url' as landing_url,
  occurred_at,
  batch_id,
  is_late
from source
