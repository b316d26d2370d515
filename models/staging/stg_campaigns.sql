/*
description: Ad campaigns of advertisers.
grain: one row per campaign.created event (one per campaign)
columns:
  campaign_id: { tests: [not_null] }
  objective: { tests: [{ accepted_values: [awareness, traffic, conversions] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'campaign.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'campaign_id')::uuid as campaign_id,
  (payload ->> 'advertiser_id')::uuid as advertiser_id,
  payload ->> 'name' as name,
  payload ->> 'objective' as objective,
  (payload ->> 'budget')::numeric(14, 2) as budget,
  payload ->> 'currency' as currency,
  (payload ->> 'starts_at')::timestamptz as starts_at,
  (payload ->> 'ends_at')::timestamptz as ends_at,
  array(select jsonb_array_elements_text(payload -> 'target_topics')) as target_topics,
  occurred_at,
  batch_id,
  is_late
from source
