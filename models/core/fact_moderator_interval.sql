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
  select community_id, user_id
  from {{ ref('stg_community_membership_events') }}
  where {{ in_range('occurred_at') }}
  union
  select community_id, owner_user_id
  from {{ ref('stg_communities') }}
  where {{ in_range('occurred_at') }}
),

membership_events as (
  select m.event_id, m.community_id, m.user_id, m.action, m.appointed_by_user_id, m.removal_reason, m.occurred_at,
    m.batch_id
  from {{ ref('stg_community_membership_events') }} as m
  join touched as t on t.community_id = m.community_id and t.user_id = m.user_id
),

starts as (
  select event_id, community_id, user_id, 'moderator' as role, appointed_by_user_id, occurred_at, batch_id
  from membership_events
  where action = 'moderator_assigned'
  union all
  select c.event_id, c.community_id, c.owner_user_id, 'owner', null, c.occurred_at, c.batch_id
  from {{ ref('stg_communities') }} as c
  join touched as t on t.community_id = c.community_id and t.user_id = c.owner_user_id
)

select
  -- keys
  {{ surrogate_key('s.event_id') }} as moderator_role_key,
  {{ surrogate_key('s.community_id') }} as community_key,
  {{ surrogate_key('s.user_id') }} as moderator_user_key,
  coalesce(v.version_key, -1) as moderator_user_version_key,
  {{ surrogate_key('s.appointed_by_user_id') }} as appointed_by_user_key,
  {{ date_key('s.occurred_at') }} as date_key,
  -- degenerate dimensions
  s.event_id as start_event_id,
  e.event_id as end_event_id,
  s.role,
  case e.action when 'leave' then 'left' else e.removal_reason end as end_reason,
  -- time
  s.occurred_at as started_at,
  e.occurred_at as ended_at
from starts as s
left join lateral (
  -- the first removal or leave after the appointment ends the role
  select x.event_id, x.action, x.removal_reason, x.occurred_at
  from membership_events as x
  where x.community_id = s.community_id and x.user_id = s.user_id and x.action in ('moderator_removed', 'leave')
    and x.occurred_at >= s.occurred_at and x.event_id <> s.event_id
  order by x.occurred_at, x.event_id
  limit 1
) as e on s.role = 'moderator'
left join lateral (
  -- Type 7: the dim_user version current at the start, as known when its event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
