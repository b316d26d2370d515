/*
description: Complaints resolved by a moderator.
grain: one row per complaint.resolved event
columns:
  complaint_id: { tests: [not_null] }
  resolution: { tests: [{ accepted_values: [dismissed, content_removed, user_warned] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'complaint.resolved'
)

select
  event_id,
  (payload ->> 'complaint_id')::uuid as complaint_id,
  (payload ->> 'moderator_user_id')::uuid as moderator_user_id,
  (payload ->> 'community_id')::uuid as community_id,
  payload ->> 'resolution' as resolution,
  occurred_at,
  batch_id,
  is_late
from source
