/*
materialized: incremental
incremental_strategy: delete+insert
time_column: joined_at
indexes: [[community_key, joined_at], [member_user_key]]
description: >
  Community membership as intervals: from a join (or, for the owner, the community's creation: the owner is a member
  for the community's whole life, with no join event) to the matching leave (`left_at` null while still a member). A
  member at time t is a row with `joined_at <= t and (left_at is null or left_at > t)`; members at the end of day D
  are the rows with `joined_at < D+1 and (left_at is null or left_at >= D+1)`. An increment recomputes every
  interval of each (community, user) pair that has a join, a leave or a creation in its window, so a leave that
  arrives late closes the interval it belongs to.
grain: one row per membership interval (a join or the owner's implicit membership, to the leave that ends it)
unique_key: membership_key
tags: [fact, communities]
columns:
  membership_key: { description: hash of the event that starts the interval, tests: [unique, not_null] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  member_user_key: { tests: [not_null] }
  role: { description: "owner (from the creation, never leaves) or member", tests: [not_null, { accepted_values: [owner, member] }] }
  date_key: { description: the day the interval starts, tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  member_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
  joined_at: { tests: [not_null] }
tests:
  - expression: left_at is null or left_at >= joined_at
  - expression: role = 'member' or left_at is null
*/
with touched as (
  select community_id, user_id
  from {{ ref('stg_community_membership_events') }}
  where action in ('join', 'leave') and {{ in_range('occurred_at') }}
  union
  select community_id, owner_user_id
  from {{ ref('stg_communities') }}
  where {{ in_range('occurred_at') }}
),

membership_events as (
  select m.event_id, m.community_id, m.user_id, m.action, m.join_via, m.occurred_at, m.batch_id
  from {{ ref('stg_community_membership_events') }} as m
  join touched as t on t.community_id = m.community_id and t.user_id = m.user_id
  where m.action in ('join', 'leave')
),

starts as (
  select event_id, community_id, user_id, 'member' as role, join_via, occurred_at, batch_id
  from membership_events
  where action = 'join'
  union all
  select c.event_id, c.community_id, c.owner_user_id, 'owner', null, c.occurred_at, c.batch_id
  from {{ ref('stg_communities') }} as c
  join touched as t on t.community_id = c.community_id and t.user_id = c.owner_user_id
)

select
  -- keys
  {{ surrogate_key('s.event_id') }} as membership_key,
  {{ surrogate_key('s.community_id') }} as community_key,
  {{ surrogate_key('s.user_id') }} as member_user_key,
  coalesce(v.version_key, -1) as member_user_version_key,
  {{ date_key('s.occurred_at') }} as date_key,
  -- degenerate dimensions
  s.event_id as join_event_id,
  l.event_id as leave_event_id,
  s.role,
  s.join_via,
  -- time
  s.occurred_at as joined_at,
  l.occurred_at as left_at
from starts as s
left join lateral (
  -- the first leave after the join ends it (joins and leaves of a pair alternate)
  select e.event_id, e.occurred_at
  from membership_events as e
  where e.community_id = s.community_id and e.user_id = s.user_id and e.action = 'leave'
    and e.occurred_at > s.occurred_at
  order by e.occurred_at, e.event_id
  limit 1
) as l on s.role = 'member'
left join lateral (
  -- Type 7: the dim_user version current at the start, as known when its event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
