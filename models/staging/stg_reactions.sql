/*
description: Reactions (like, love, wow, haha, sad, angry) on publications or comments; the reactor is the actor.
grain: one row per reaction.added event
# A high-volume view: its keys and codes are tested on fact_reaction, a table that is cheap to scan.
*/
with source as (
  select event_id, occurred_at, actor_user_id, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'reaction.added'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  event_id,
  (payload ->> 'reaction_id')::uuid as reaction_id,
  actor_user_id as reactor_user_id,
  (payload ->> 'publication_id')::uuid as publication_id,
  (payload ->> 'comment_id')::uuid as comment_id,
  payload ->> 'target' as target,
  payload ->> 'reaction' as reaction,
  occurred_at,
  batch_id,
  is_late
from source
