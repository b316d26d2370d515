/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
on_schema_change: full_refresh
description: >
  Changes to the social graph: friend requests, friendships added and ended, follows and close friends. Blocks and
  mutes are in fact_safety_action, paid subscriptions in fact_subscription_event. `actor_user_key` is the user who
  acted (the envelope's actor: the requester of a request, the addressee of an acceptance, the user who ends a
  friendship, the follower) and `subject_user_key` the other user of the pair; `user_key` / `other_user_key` are the
  edge's owning side and its other side whoever acted (requester and addressee of a friendship, follower and
  followee), which is how the graph orients edges. A user's degree at day end is the fold of these rows up to then.
grain: one row per social-edge event (edge type x action x pair of users)
unique_key: event_id
tags: [fact, graph]
columns:
  event_id: { tests: [unique, not_null] }
  edge_type: { tests: [{ accepted_values: [friend, follow, close_friend] }] }
  action: { tests: [{ accepted_values: [requested, added, removed] }] }
  actor_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  subject_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  other_user_key: { tests: [not_null, { relationships: { to: dim_user, field: user_key, severity: warn } }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  actor_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: actor_user_key <> subject_user_key
  - expression: (actor_user_key = user_key and subject_user_key = other_user_key) or (actor_user_key = other_user_key and subject_user_key = user_key)
*/
select
  -- keys
  {{ surrogate_key('actor_user_id') }} as actor_user_key,
  coalesce(v.version_key, -1) as actor_user_version_key,
  {{ surrogate_key('subject_user_id') }} as subject_user_key,
  {{ surrogate_key('user_id') }} as user_key,
  {{ surrogate_key('other_user_id') }} as other_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  event_id,
  edge_type,
  action,
  request_id,
  friendship_id,
  follow_source,
  -- measures
  mutual_friends,
  -- time
  occurred_at
from {{ ref('stg_social_edge_events') }} as s
left join lateral (
  -- Type 7: the actor's dim_user version current at the event, as known when it was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.actor_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where edge_type in ('friend', 'follow', 'close_friend') and {{ in_range('occurred_at') }}
