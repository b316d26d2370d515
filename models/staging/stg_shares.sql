/*
description: Reposts and quotes, with the share they cascade from (null when shared from the publication).
grain: one row per share.created event (one per share)
columns:
  share_id: { tests: [not_null] }
  kind: { tests: [{ accepted_values: [repost, quote] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'share.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'share_id')::uuid as share_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'publication_author_user_id')::uuid as publication_author_user_id,
  (payload ->> 'sharer_user_id')::uuid as sharer_user_id,
  (payload ->> 'parent_share_id')::uuid as parent_share_id,
  payload ->> 'kind' as kind,
  (payload ->> 'cascade_depth')::integer as cascade_depth,
  coalesce(length(payload ->> 'text'), 0) as text_length,
  occurred_at,
  batch_id,
  is_late
from source
