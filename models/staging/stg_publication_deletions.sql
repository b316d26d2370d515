/*
description: Publications deleted by their author or by moderation.
grain: one row per publication.deleted event
columns:
  publication_id: { tests: [not_null] }
  reason: { tests: [{ accepted_values: [author, moderation] }] }
*/
with source as (
  select event_id, occurred_at, actor_user_id, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'publication.deleted'
)

select
  event_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'author_user_id')::uuid as author_user_id,
  actor_user_id as deleted_by_user_id,
  (payload ->> 'complaint_id')::uuid as complaint_id,
  payload ->> 'reason' as reason,
  occurred_at,
  batch_id,
  is_late
from source
