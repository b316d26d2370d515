/*
description: Badges awarded by rules (user.badge_awarded; a system event, no actor).
grain: one row per user.badge_awarded event (at most one per user and badge)
columns:
  event_id: { tests: [not_null] }
  award_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.badge_awarded'
)

select
  event_id,
  (payload ->> 'award_id')::uuid as award_id,
  (payload ->> 'user_id')::uuid as user_id,
  payload ->> 'badge' as badge,
  payload ->> 'rule' as rule,
  occurred_at,
  batch_id,
  is_late
from source
