/*
description: >
  Per community, fact_membership_interval agrees with the membership events (fact_membership_event holds one row per
  event, and is a table, cheap to scan at every audit): one interval per join plus the owner's, one closed interval
  per leave, and members now = owner + joins - leaves.
*/
with events as (
  select community_key, count(*) filter (where action = 'join') as joins,
    count(*) filter (where action = 'leave') as leaves
  from {{ ref('fact_membership_event') }}
  group by 1
),

expected as (
  select c.community_key, 1 + coalesce(e.joins, 0) as intervals, coalesce(e.leaves, 0) as closed,
    1 + coalesce(e.joins, 0) - coalesce(e.leaves, 0) as members
  from {{ ref('dim_community') }} as c
  left join events as e on e.community_key = c.community_key
  where c.community_key <> -1
),

actual as (
  select community_key, count(*) as intervals, count(left_at) as closed, count(*) - count(left_at) as members,
    count(*) filter (where role = 'owner') as owners
  from {{ ref('fact_membership_interval') }}
  group by 1
)

select coalesce(x.community_key, a.community_key) as community_key, x.intervals as expected_intervals,
  a.intervals, x.closed as expected_closed, a.closed, x.members as expected_members, a.members, a.owners
from expected as x
full join actual as a on a.community_key = x.community_key
where x.intervals is distinct from a.intervals or x.closed is distinct from a.closed
  or x.members is distinct from a.members or a.owners is distinct from 1
