/*
description: >
  fact_moderator_interval agrees with the events: per community one role per appointment plus the owner's, and
  every community.moderator_removed event ends exactly one role, with its reason.
*/
with expected as (
  select {{ surrogate_key('c.community_id') }} as community_key,
    1 + (select count(*) from {{ ref('stg_community_membership_events') }} as m
         where m.community_id = c.community_id and m.action = 'moderator_assigned') as roles
  from {{ ref('stg_communities') }} as c
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
  from {{ ref('stg_community_membership_events') }} as r
  left join {{ ref('fact_moderator_interval') }} as i
    on i.end_event_id = r.event_id and i.end_reason = r.removal_reason
  where r.action = 'moderator_removed'
  group by r.event_id
  having count(i.end_event_id) <> 1
)

select * from role_counts
union all
select * from removals
