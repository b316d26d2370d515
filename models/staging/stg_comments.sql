/*
description: Comments and replies in one shape; a reply has a parent and a root comment.
grain: one row per comment.created or reply.created event (one per comment)
# A high-volume view: its keys and codes are tested on fact_comment, a table that is cheap to scan.
*/
with source as (
  select event_id, event_type, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type in ('comment.created', 'reply.created')
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'comment_id')::uuid as comment_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'author_user_id')::uuid as author_user_id,
  (payload ->> 'parent_comment_id')::uuid as parent_comment_id,
  (payload ->> 'root_comment_id')::uuid as root_comment_id,
  event_type = 'reply.created' as is_reply,
  length(payload ->> 'text') as text_length,
  occurred_at,
  batch_id,
  is_late
from source
