/*
description: Joins, leaves and moderator appointments of communities, in one shape.
grain: one row per community.joined, community.left or community.moderator_added event
columns:
  event_id: { tests: [not_null] }
  action: { tests: [{ accepted_values: [join, leave, moderator_assigned] }] }
*/
with source as (
  select event_id, event_type, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type in ('community.joined', 'community.left', 'community.moderator_added')
)

select
  event_id,
  (payload ->> 'community_id')::uuid as community_id,
  (payload ->> 'user_id')::uuid as user_id,
  (payload ->> 'appointed_by_user_id')::uuid as appointed_by_user_id,
  case event_type
    when 'community.joined' then 'join'
    when 'community.left' then 'leave'
    else 'moderator_assigned'
  end as action,
  payload ->> 'via' as join_via,
  (payload ->> 'membership_days')::integer as membership_days,
  occurred_at,
  batch_id,
  is_late
from source
