/*
description: Donations from a user to a creator, optionally for a publication.
grain: one row per donation.made event
columns:
  donation_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'donation.made'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'donation_id')::uuid as donation_id,
  (payload ->> 'donor_user_id')::uuid as donor_user_id,
  (payload ->> 'recipient_user_id')::uuid as recipient_user_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'amount')::numeric(14, 2) as amount,
  payload ->> 'currency' as currency,
  occurred_at,
  batch_id,
  is_late
from source
