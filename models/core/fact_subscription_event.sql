/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Paid subscriptions to creators starting and being cancelled (the subscriber acts in both). Charges, the revenue,
  are `fact_payment` rows (`subscription.charged`, a system event); `subscription_amount` here is the price agreed
  at the start, not revenue.
grain: one row per subscription.started or subscription.cancelled event
unique_key: event_id
tags: [fact, monetization]
columns:
  event_id: { tests: [unique, not_null] }
  action: { tests: [{ accepted_values: [added, removed] }] }
  subscriber_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  creator_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  subscriber_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: action = 'removed' or (subscription_amount >= 0 and currency is not null)
*/
select
  -- keys
  {{ surrogate_key('user_id') }} as subscriber_user_key,
  coalesce(v.version_key, -1) as subscriber_user_version_key,
  {{ surrogate_key('other_user_id') }} as creator_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  action,
  subscription_id,
  subscription_tier,
  cancel_reason,
  -- measures
  subscription_amount,
  currency,
  -- time
  occurred_at
from {{ ref('stg_social_edge_events') }} as s
left join lateral (
  -- Type 7: the subscriber's dim_user version current at the event, as known when it was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where edge_type = 'subscription' and {{ in_range('occurred_at') }}
