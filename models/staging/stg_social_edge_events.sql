/*
description: >
  Every change to a social edge, in one shape: friend requests and friendships, follows, close friends, blocks,
  mutes and paid subscriptions. `user_id` is the side that owns the edge (requester, follower, subscriber,
  blocker...), `other_user_id` the other side; `actor_user_id` is the user who acted (the envelope's actor: for a
  friendship acceptance the addressee) and `subject_user_id` the other user of the pair.
grain: one row per social-edge event (friendship.*, follow.*, close_friend.*, block.created, mute.created, subscription.started/cancelled)
# A high-volume view: its keys and codes are tested on fact_social_edge_event, a table that is cheap to scan.
*/
with source as (
  select event_id, event_type, actor_user_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type in (
    'friendship.requested', 'friendship.accepted', 'friendship.ended', 'follow.created', 'follow.removed',
    'close_friend.added', 'close_friend.removed', 'block.created', 'mute.created', 'subscription.started',
    'subscription.cancelled'
  )
),

typed as (
  select
    event_id,
    event_type,
    case split_part(event_type, '.', 1)
      when 'friendship' then 'friend'
      else split_part(event_type, '.', 1)
    end as edge_type,
    case split_part(event_type, '.', 2)
      when 'requested' then 'requested'
      when 'accepted' then 'added'
      when 'created' then 'added'
      when 'added' then 'added'
      when 'started' then 'added'
      else 'removed'
    end as action,
    coalesce(
      payload ->> 'requester_user_id', payload ->> 'follower_user_id', payload ->> 'subscriber_user_id',
      payload ->> 'user_id'
    )::uuid as user_id,
    coalesce(
      payload ->> 'addressee_user_id', payload ->> 'followee_user_id', payload ->> 'creator_user_id',
      payload ->> 'friend_user_id', payload ->> 'blocked_user_id', payload ->> 'muted_user_id'
    )::uuid as other_user_id,
    actor_user_id,
    (payload ->> 'request_id')::uuid as request_id,
    (payload ->> 'friendship_id')::uuid as friendship_id,
    (payload ->> 'subscription_id')::uuid as subscription_id,
    payload ->> 'source' as follow_source,
    payload ->> 'tier' as subscription_tier,
    (payload ->> 'amount')::numeric(14, 2) as subscription_amount,
    payload ->> 'currency' as currency,
    payload ->> 'reason' as cancel_reason,
    (payload ->> 'duration_days')::integer as mute_duration_days,
    (payload ->> 'mutual_friends')::integer as mutual_friends,
    occurred_at,
    batch_id,
    is_late
  from source
)

select
  event_id, event_type, edge_type, action, user_id, other_user_id, actor_user_id,
  case when actor_user_id = user_id then other_user_id else user_id end as subject_user_id,
  request_id, friendship_id, subscription_id, follow_source, subscription_tier, subscription_amount, currency, cancel_reason,
  mute_duration_days, mutual_friends,
  occurred_at, batch_id, is_late
from typed
