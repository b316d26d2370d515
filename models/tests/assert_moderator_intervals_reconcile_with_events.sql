/*
description: >
  fact_moderator_interval agrees with the membership events (fact_membership_event, one row per event): per
  community one role per appointment plus the owner's, and every community.moderator_removed event ends exactly one
  role, with its reason. In an increment's audit it checks the communities with a membership event or a creation
  in the increment's slices, and the removals in them (`in_range`); a full build checks them all.
*/
with touched as (
  select community_key from {{ ref('fact_membership_event') }} where {{ in_range('occurred_at') }}
  union
  select community_key from {{ ref('dim_community') }} where community_key <> -1 and {{ in_range('created_at') }}
),

expected as (
  select c.community_key, 1 + count(m.event_id) as roles
  from {{ ref('dim_community') }} as c
  join touched as t on t.community_key = c.community_key
  left join {{ ref('fact_membership_event') }} as m
    on m.community_key = c.community_key and m.action = 'moderator_assigned'
  group by c.community_key
),

actual as (
  select i.community_key, count(*) as roles
  from {{ ref('fact_moderator_interval') }} as i
  join touched as t on t.community_key = i.community_key
  group by 1
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
    on i.community_key = r.community_key and i.end_event_id = r.event_id and i.end_reason = r.removal_reason
  where r.action = 'moderator_removed' and {{ in_range('r.occurred_at') }}
  group by r.event_id
  having count(i.end_event_id) <> 1
)

select * from role_counts
union all
select * from removals
