/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Money paid to creators: sponsorships (by an advertiser), donations (by a user) and subscription charges (by a
  subscriber). `payer_user_key` is -1 for sponsorships, `advertiser_key` is -1 for the others.
grain: one row per payment (sponsorship, donation or subscription charge)
unique_key: payment_key
tags: [fact, monetization]
columns:
  payment_key: { tests: [unique, not_null] }
  payment_type: { tests: [{ accepted_values: [sponsorship, donation, subscription] }] }
  payee_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  advertiser_key: { tests: [not_null, { relationships: { to: dim_advertiser, field: advertiser_key, severity: warn } }] }
  amount: { tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  payer_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: amount >= 0
  - expression: (payment_type = 'sponsorship') = (advertiser_key <> -1)
*/
with payments as (
  select
    sponsorship_id as payment_id, 'sponsorship' as payment_type, null::uuid as payer_user_id,
    creator_user_id as payee_user_id, advertiser_id, publication_id, null::uuid as subscription_id,
    amount, currency, occurred_at, batch_id
  from {{ ref('stg_sponsorships') }}
  where {{ in_range('occurred_at') }}
  union all
  select
    donation_id, 'donation', donor_user_id, recipient_user_id, null, publication_id, null, amount, currency,
    occurred_at, batch_id
  from {{ ref('stg_donations') }}
  where {{ in_range('occurred_at') }}
  union all
  select
    payment_id, 'subscription', subscriber_user_id, creator_user_id, null, null, subscription_id, amount, currency,
    occurred_at, batch_id
  from {{ ref('stg_subscription_charges') }}
  where {{ in_range('occurred_at') }}
)

select
  -- keys
  {{ surrogate_key('payment_id') }} as payment_key,
  {{ surrogate_key('payer_user_id') }} as payer_user_key,
  coalesce(v.version_key, -1) as payer_user_version_key,
  {{ surrogate_key('payee_user_id') }} as payee_user_key,
  {{ surrogate_key('advertiser_id') }} as advertiser_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  payment_id,
  payment_type,
  subscription_id,
  -- measures
  amount,
  currency,
  -- time
  occurred_at
from payments as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.payer_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
