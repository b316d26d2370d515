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
  -- the (community, user) pairs whose intervals the window's events change: read from fact_membership_event, which
  -- is indexed by pair (a probe per pair, not a scan of every membership event in landing.events)
  select community_key, user_key
  from {{ ref('fact_membership_event') }}
  where action in ('join', 'leave') and {{ in_range('occurred_at') }}
  union
  select {{ surrogate_key('community_id') }}, {{ surrogate_key('owner_user_id') }}
  from {{ ref('stg_communities') }}
  where {{ in_range('occurred_at') }}
),

owners as (
  -- the owner's membership starts with the community and has no event of its own
  select o.event_id, o.community_key, o.user_key, coalesce(v.version_key, -1) as user_version_key, o.occurred_at
  from (
    select c.event_id, {{ surrogate_key('c.community_id') }} as community_key,
      {{ surrogate_key('c.owner_user_id') }} as user_key, c.owner_user_id, c.occurred_at, c.batch_id
    from {{ ref('stg_communities') }} as c
  ) as o
  join touched as t on t.community_key = o.community_key and t.user_key = o.user_key
  left join lateral (
    -- Type 7: the owner's dim_user version at the creation, as known when it was loaded (docs/dwh.md).
    select c.user_version_key as version_key
    from {{ ref('stg_user_changes') }} as c
    where c.user_id = o.owner_user_id and c.occurred_at <= o.occurred_at and c.batch_id <= o.batch_id
    order by c.occurred_at desc, c.user_version_key desc
    limit 1
  ) as v on true
),

membership_events as (
  select m.event_id, m.community_key, m.user_key, m.user_version_key, m.action, m.join_via, m.occurred_at
  from {{ ref('fact_membership_event') }} as m
  join touched as t on t.community_key = m.community_key and t.user_key = m.user_key
  where m.action in ('join', 'leave')
  union all
  select event_id, community_key, user_key, user_version_key, 'owner', null, occurred_at
  from owners
),

sequenced as (
  -- per (community, user) in time order; each start is ended by the first leave after it (joins and leaves of a
  -- pair alternate), found with a window over the pair's few events instead of a probe per start
  select *,
    min(case when action = 'leave' then seq_key end) over (pair rows between 1 following and unbounded following)
      as leave_seq_key
  from (
    select *, row_number() over (partition by community_key, user_key order by occurred_at, event_id) as seq_key
    from membership_events
  ) as e
  window pair as (partition by community_key, user_key order by occurred_at, event_id)
)

select
  -- keys
  {{ surrogate_key('s.event_id') }} as membership_key,
  s.community_key,
  s.user_key as member_user_key,
  s.user_version_key as member_user_version_key,
  {{ date_key('s.occurred_at') }} as date_key,
  -- degenerate dimensions
  s.event_id as join_event_id,
  l.event_id as leave_event_id,
  case s.action when 'owner' then 'owner' else 'member' end as role,
  s.join_via,
  -- time
  s.occurred_at as joined_at,
  l.occurred_at as left_at
from sequenced as s
left join sequenced as l
  on s.action = 'join' and l.community_key = s.community_key and l.user_key = s.user_key
  and l.seq_key = s.leave_seq_key
where s.action in ('join', 'owner')
