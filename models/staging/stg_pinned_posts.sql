/*
description: Publications pinned in a community (replacing the previous pin, if any).
grain: one row per community.post_pinned event
columns:
  community_id: { tests: [not_null] }
  publication_id: { tests: [not_null] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'community.post_pinned'
)

select
  event_id,
  (payload ->> 'community_id')::uuid as community_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'replaced_publication_id')::uuid as replaced_publication_id,
  (payload ->> 'pinned_by_user_id')::uuid as pinned_by_user_id,
  occurred_at,
  batch_id,
  is_late
from source
