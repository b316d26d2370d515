/*
description: Complaints (reports) filed against a publication, a comment or a user.
grain: one row per complaint.filed event (one per complaint)
columns:
  complaint_id: { tests: [not_null] }
  target: { tests: [{ accepted_values: [publication, comment, user] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'complaint.filed'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'complaint_id')::uuid as complaint_id,
  (payload ->> 'reporter_user_id')::uuid as reporter_user_id,
  (payload ->> 'reported_user_id')::uuid as reported_user_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'comment_id')::uuid as comment_id,
  (payload ->> 'community_id')::uuid as community_id,
  payload ->> 'target' as target,
  payload ->> 'reason' as reason,
  occurred_at,
  batch_id,
  is_late
from source
