/*
description: >
  fact_moderator_interval agrees with the membership events (fact_membership_event, one row per event): per
  community one role per appointment plus the owner's, and every community.moderator_removed event ends exactly one
  role, with its reason.
*/
with expected as (
  select c.community_key, 1 + count(m.event_id) as roles
  from {{ ref('dim_community') }} as c
  left join {{ ref('fact_membership_event') }} as m
    on m.community_key = c.community_key and m.action = 'moderator_assigned'
  where c.community_key <> -1
  group by c.community_key
),

actual as (
  select community_key, count(*) as roles from {{ ref('fact_moderator_interval') }} group by 1
),

role_counts as (
  select x.community_key::text as what, x.roles as expected, a.roles as actual
  from expected as x
  full join actual as a on a.community_key = x.community_key
  where x.roles is distinct from a.roles
),

removals as (
  select r.event_id::text as what, 1 as expected, count(i.end_event_id) as actual
  from {{ ref('fact_membership_event') }} as r
  left join {{ ref('fact_moderator_interval') }} as i
    on i.end_event_id = r.event_id and i.end_reason = r.removal_reason
  where r.action = 'moderator_removed'
  group by r.event_id
  having count(i.end_event_id) <> 1
)

select * from role_counts
union all
select * from removals
