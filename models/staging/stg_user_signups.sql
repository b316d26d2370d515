/*
description: Sign-ups (user.signed_up), payload typed. The first version of every user in dim_user.
grain: one row per user.signed_up event (one per user)
columns:
  event_id: { description: the event, tests: [not_null] }
  user_id: { description: natural key of the user, tests: [not_null] }
  gender: { tests: [{ accepted_values: [female, male, undisclosed] }] }
*/
with source as (
  select event_id, occurred_at, payload, batch_id, is_late
  from {{ source('landing', 'events') }}
  where event_type = 'user.signed_up'
    -- replays of an entity under a new event_id: the first occurrence wins (stg_replayed_events)
    and event_id not in (select event_id from {{ ref('stg_replayed_events') }})
)

select
  -- ids
  event_id,
  (payload ->> 'user_id')::uuid as user_id,
  (payload ->> 'referrer_user_id')::uuid as referrer_user_id,
  -- identity and demographics
  payload ->> 'username' as username,
  payload ->> 'display_name' as display_name,
  split_part(payload ->> 'email', '@', 2) as email_domain,
  (payload ->> 'birth_date')::date as birth_date,
  payload ->> 'gender' as gender,
  payload ->> 'locale' as locale,
  payload ->> 'country' as country,
  payload ->> 'city' as city,
  payload ->> 'timezone' as timezone,
  payload ->> 'signup_source' as signup_source,
  array(select jsonb_array_elements_text(payload -> 'interests')) as interests,
  -- settings and privacy at sign-up
  payload -> 'settings' as settings,
  payload -> 'privacy' as privacy,
  -- timestamps and lineage
  occurred_at,
  batch_id,
  is_late
from source
