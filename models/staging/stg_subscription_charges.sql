/*
description: Subscription payments (subscription.charged), one per billing period.
grain: one row per subscription.charged event
columns:
  payment_id: { tests: [not_null] }
  amount: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'subscription.charged'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'payment_id')::uuid as payment_id,
  (payload ->> 'subscription_id')::uuid as subscription_id,
  (payload ->> 'subscriber_user_id')::uuid as subscriber_user_id,
  (payload ->> 'creator_user_id')::uuid as creator_user_id,
  (payload ->> 'amount')::numeric(14, 2) as amount,
  payload ->> 'currency' as currency,
  (payload ->> 'period_start')::timestamptz as period_start,
  (payload ->> 'period_end')::timestamptz as period_end,
  occurred_at,
  batch_id,
  is_late
from source
