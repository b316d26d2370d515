/*
description: Sponsorship deals paid by an advertiser to a creator (a back-office event, no actor).
grain: one row per sponsorship.created event
columns:
  sponsorship_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'sponsorship.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'sponsorship_id')::uuid as sponsorship_id,
  (payload ->> 'advertiser_id')::uuid as advertiser_id,
  (payload ->> 'creator_user_id')::uuid as creator_user_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'amount')::numeric(14, 2) as amount,
  payload ->> 'currency' as currency,
  occurred_at,
  batch_id,
  is_late
from source
