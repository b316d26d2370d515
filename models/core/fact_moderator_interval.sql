/*
materialized: incremental
incremental_strategy: delete+insert
time_column: started_at
indexes: [[community_key, started_at], [moderator_user_key]]
description: >
  Moderator roles as intervals: the owner's from the community's creation, for its whole life (no event names it),
  and each appointed moderator's from `community.moderator_added` to the first `community.moderator_removed`
  (`end_reason` removed_by_owner, or left) or `community.left` after it (`ended_at` null while the role lasts). The
  moderators of a community at the end of day D are the rows with `started_at < D+1 and (ended_at is null or
  ended_at >= D+1)`. An increment recomputes every role of each (community, user) pair with a membership event or a
  creation in its window, so a late removal closes the role it ends.
grain: one row per moderator role (the owner's, or one appointment to the event that ends it)
unique_key: moderator_role_key
tags: [fact, communities, moderation]
columns:
  moderator_role_key: { description: hash of the event that starts the role, tests: [unique, not_null] }
  community_key: { tests: [not_null, { relationships: { to: dim_community, field: community_key, severity: warn } }] }
  moderator_user_key: { tests: [not_null] }
  appointed_by_user_key: { description: "-1 for the owner's role", tests: [not_null] }
  role: { tests: [not_null, { accepted_values: [owner, moderator] }] }
  end_reason: { tests: [{ accepted_values: [removed_by_owner, left] }] }
  date_key: { description: the day the role starts, tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  moderator_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
  started_at: { tests: [not_null] }
tests:
  - expression: ended_at is null or ended_at >= started_at
  - expression: (ended_at is null) = (end_reason is null)
  - expression: role = 'moderator' or ended_at is null
*/
with touched as (
  -- the (community, user) pairs whose roles the window's events change: read from fact_membership_event, which is
  -- indexed by pair (a probe per pair, not a scan of every membership event in landing.events)
  select community_key, user_key
  from {{ ref('fact_membership_event') }}
  where {{ in_range('occurred_at') }}
  union
  select {{ surrogate_key('community_id') }}, {{ surrogate_key('owner_user_id') }}
  from {{ ref('stg_communities') }}
  where {{ in_range('occurred_at') }}
),

owners as (
  -- the owner moderates from the community's creation on, with no event of its own
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
  select m.event_id, m.community_key, m.user_key, m.user_version_key, m.action, m.appointed_by_user_key,
    m.removal_reason, m.occurred_at
  from {{ ref('fact_membership_event') }} as m
  join touched as t on t.community_key = m.community_key and t.user_key = m.user_key
  union all
  select event_id, community_key, user_key, user_version_key, 'owner', -1, null, occurred_at
  from owners
),

sequenced as (
  -- per (community, user) in time order; each start is ended by the first removal or leave after it, found with a
  -- window over the pair's few events instead of a probe per start
  select *,
    min(case when action in ('moderator_removed', 'leave') then seq_key end)
      over (pair rows between 1 following and unbounded following) as end_seq_key
  from (
    select *, row_number() over (partition by community_key, user_key order by occurred_at, event_id) as seq_key
    from membership_events
  ) as e
  window pair as (partition by community_key, user_key order by occurred_at, event_id)
)

select
  -- keys
  {{ surrogate_key('s.event_id') }} as moderator_role_key,
  s.community_key,
  s.user_key as moderator_user_key,
  s.user_version_key as moderator_user_version_key,
  s.appointed_by_user_key,
  {{ date_key('s.occurred_at') }} as date_key,
  -- degenerate dimensions
  s.event_id as start_event_id,
  e.event_id as end_event_id,
  case s.action when 'owner' then 'owner' else 'moderator' end as role,
  case e.action when 'leave' then 'left' else e.removal_reason end as end_reason,
  -- time
  s.occurred_at as started_at,
  e.occurred_at as ended_at
from sequenced as s
left join sequenced as e
  on s.action = 'moderator_assigned' and e.community_key = s.community_key and e.user_key = s.user_key
  and e.seq_key = s.end_seq_key
where s.action in ('moderator_assigned', 'owner')
