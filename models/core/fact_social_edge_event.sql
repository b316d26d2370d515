/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Changes to the social graph: friend requests, friendships added/removed, follows, close friends, blocks, mutes
  and paid subscriptions started/cancelled. `user_key` is the side that acts or owns the edge.
grain: one row per social-edge event (edge type x action x pair of users)
unique_key: event_id
tags: [fact, graph]
columns:
  event_id: { tests: [unique, not_null] }
  edge_type: { tests: [{ accepted_values: [friend, follow, close_friend, block, mute, subscription] }] }
  action: { tests: [{ accepted_values: [requested, added, removed] }] }
  user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  other_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('user_id') }} as user_key,
  coalesce(v.version_key, -1) as user_version_key,
  {{ surrogate_key('other_user_id') }} as other_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  edge_type,
  action,
  friendship_id,
  subscription_id,
  follow_source,
  subscription_tier,
  cancel_reason,
  -- measures
  subscription_amount,
  currency,
  mute_duration_days,
  mutual_friends,
  -- time
  occurred_at
from {{ ref('stg_social_edge_events') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
