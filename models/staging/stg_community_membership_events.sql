/*
description: >
  Joins, leaves, and the start and end of moderator roles in communities, in one shape. A moderator role ends when the
  owner removes it (`removal_reason` removed_by_owner) or the moderator leaves (`left`, just before the leave).
grain: one row per community.joined, community.left, community.moderator_added or community.moderator_removed event
columns:
  event_id: { tests: [not_null] }
  action: { tests: [{ accepted_values: [join, leave, moderator_assigned, moderator_removed] }] }
  removal_reason: { tests: [{ accepted_values: [left, removed_by_owner] }] }
*/
with source as (
  select event_id, event_type, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type in ('community.joined', 'community.left', 'community.moderator_added', 'community.moderator_removed')
)

select
  event_id,
  (payload ->> 'community_id')::uuid as community_id,
  (payload ->> 'user_id')::uuid as user_id,
  (payload ->> 'appointed_by_user_id')::uuid as appointed_by_user_id,
  (payload ->> 'removed_by_user_id')::uuid as removed_by_user_id,
  case event_type
    when 'community.joined' then 'join'
    when 'community.left' then 'leave'
    when 'community.moderator_added' then 'moderator_assigned'
    else 'moderator_removed'
  end as action,
  payload ->> 'reason' as removal_reason,
  payload ->> 'via' as join_via,
  (payload ->> 'membership_days')::integer as membership_days,
  occurred_at,
  batch_id,
  is_late
from source
