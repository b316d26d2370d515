/*
description: >
  Every action: an event whose envelope `actor_user_id` is not null (docs/events.md, "Who acts"), with the
  publication and the community it names in its payload, if any. System events (null actor) are left out.
grain: one row per event with a non-null actor
# A high-volume view (every action): its keys and codes are tested on fact_user_activity_base.
*/
with source as (
  select event_id, event_type, actor_user_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where actor_user_id is not null
)

select
  event_id,
  event_type,
  actor_user_id,
  -- comments, replies, reactions, shares, views, deletions, pins and complaints name the publication they concern
  (payload ->> 'publication_id')::uuid as publication_id,
  -- publication.created, community.*, complaint.* name the community themselves
  (payload ->> 'community_id')::uuid as community_id,
  occurred_at,
  batch_id,
  is_late
from source
