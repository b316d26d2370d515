/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[entity_id], [occurred_at]]
description: >
  Every event that creates an entity (a publication, comment, reaction, share, ad impression or click, complaint,
  payment, album, media item, community, advertiser, campaign, ad, user, or a closed session), with the entity's id.
  The pipeline removes duplicates by `event_id`; an entity that arrives again under a new `event_id` (a producer
  retry that re-stamps the envelope) appears here twice. `stg_replayed_events` names every occurrence after the
  first, and the staging views leave those out. The `unique` test on `entity_id` counts such entities as a warning:
  they are reported, and the build goes on.
grain: one row per entity-creating event (replays included)
unique_key: event_id
columns:
  event_id: { tests: [unique, not_null] }
  entity_id: { description: the id of the entity the event creates, tests: [not_null, { unique: { severity: warn } }] }
  event_type: { description: what kind of entity (by the event that creates it) }
*/
with source as (
  select event_id, event_type, occurred_at, payload, batch_id
  from {{ source('landing', 'events') }}
  where event_type in (
    'publication.created', 'comment.created', 'reply.created', 'reaction.added', 'share.created', 'ad.impression',
    'ad.clicked', 'complaint.filed', 'sponsorship.created', 'donation.made', 'subscription.charged', 'album.created',
    'media.uploaded', 'community.created', 'advertiser.registered', 'campaign.created', 'ad.created',
    'user.signed_up', 'user.status_changed'
  )
    and {{ in_range('occurred_at') }}
)

select
  event_id,
  event_type,
  (payload ->> case event_type
    when 'publication.created' then 'publication_id'
    when 'comment.created' then 'comment_id'
    when 'reply.created' then 'comment_id'
    when 'reaction.added' then 'reaction_id'
    when 'share.created' then 'share_id'
    when 'ad.impression' then 'impression_id'
    when 'ad.clicked' then 'click_id'
    when 'complaint.filed' then 'complaint_id'
    when 'sponsorship.created' then 'sponsorship_id'
    when 'donation.made' then 'donation_id'
    when 'subscription.charged' then 'payment_id'
    when 'album.created' then 'album_id'
    when 'media.uploaded' then 'media_id'
    when 'community.created' then 'community_id'
    when 'advertiser.registered' then 'advertiser_id'
    when 'campaign.created' then 'campaign_id'
    when 'ad.created' then 'ad_id'
    when 'user.signed_up' then 'user_id'
    when 'user.status_changed' then 'session_id'
  end)::uuid as entity_id,
  occurred_at,
  batch_id
from source
-- A session is created by the offline event that closes it (its online event carries the same id).
where event_type <> 'user.status_changed' or payload ->> 'status' = 'offline'
