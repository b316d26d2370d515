/*
description: >
  Per community, fact_membership_interval agrees with the membership events (fact_membership_event holds one row per
  event): one interval per join plus the owner's, one closed interval per leave, and members now = owner + joins -
  leaves. In an increment's audit it checks the communities with a membership event or a creation in the
  increment's slices (`in_range`); a full build checks them all.
*/
with touched as (
  select community_key from {{ ref('fact_membership_event') }} where {{ in_range('occurred_at') }}
  union
  select community_key from {{ ref('dim_community') }} where community_key <> -1 and {{ in_range('created_at') }}
),

events as (
  select m.community_key, count(*) filter (where m.action = 'join') as joins,
    count(*) filter (where m.action = 'leave') as leaves
  from {{ ref('fact_membership_event') }} as m
  join touched as t on t.community_key = m.community_key
  group by 1
),

expected as (
  select c.community_key, 1 + coalesce(e.joins, 0) as intervals, coalesce(e.leaves, 0) as closed,
    1 + coalesce(e.joins, 0) - coalesce(e.leaves, 0) as members
  from {{ ref('dim_community') }} as c
  join touched as t on t.community_key = c.community_key
  left join events as e on e.community_key = c.community_key
),

actual as (
  select i.community_key, count(*) as intervals, count(i.left_at) as closed, count(*) - count(i.left_at) as members,
    count(*) filter (where i.role = 'owner') as owners
  from {{ ref('fact_membership_interval') }} as i
  join touched as t on t.community_key = i.community_key
  group by 1
)

select coalesce(x.community_key, a.community_key) as community_key, x.intervals as expected_intervals,
  a.intervals, x.closed as expected_closed, a.closed, x.members as expected_members, a.members, a.owners
from expected as x
full join actual as a on a.community_key = x.community_key
where x.intervals is distinct from a.intervals or x.closed is distinct from a.closed
  or x.members is distinct from a.members or a.owners is distinct from 1
