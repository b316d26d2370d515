/*
description: Publications created (posts, stories, reels).
grain: one row per publication.created event (one per publication)
columns:
  publication_id: { tests: [not_null] }
  kind: { tests: [{ accepted_values: [post, story, reel] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'publication.created'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  -- ids
  event_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'author_user_id')::uuid as author_user_id,
  (payload ->> 'community_id')::uuid as community_id,
  (payload ->> 'album_id')::uuid as album_id,
  -- attributes
  payload ->> 'kind' as kind,
  payload ->> 'topic' as topic,
  payload ->> 'language' as language,
  payload ->> 'visibility' as visibility,
  coalesce(length(payload ->> 'text'), 0) as text_length,
  jsonb_array_length(payload -> 'hashtags') as hashtag_count,
  jsonb_array_length(payload -> 'attachments') as attachment_count,
  -- timestamps and lineage
  (payload ->> 'expires_at')::timestamptz as expires_at,
  occurred_at,
  batch_id,
  is_late
from source
