/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[user_id, occurred_at, user_version_key], [occurred_at]]
description: >
  Every change to a user's state in one shape (the input of dim_user): sign-ups, profile edits, settings and
  privacy changes, badges. Each attribute group is a JSON object, null when the change does not touch it.
  A table indexed by user, so that an increment of dim_user reads the history of the users it touches only, and
  a fact finds the version current at its event with one backward index probe (`user_version_key` is dim_user's key
  of the version the change starts; `batch_id` the batch that loaded the change).
grain: one row per user-state change event (sign-up, profile, settings, privacy or badge)
unique_key: event_id
columns:
  event_id: { tests: [unique, not_null] }
  user_id: { tests: [not_null] }
  change_type: { tests: [{ accepted_values: [signup, profile, settings, privacy, badge] }] }
*/
select
  event_id, {{ surrogate_key('event_id') }} as user_version_key, user_id, occurred_at, 'signup' as change_type,
  jsonb_build_object(
    'username', username, 'email_domain', email_domain, 'birth_date', birth_date, 'gender', gender,
    'locale', locale, 'timezone', timezone, 'signup_source', signup_source, 'referrer_user_id', referrer_user_id,
    'signed_up_at', occurred_at
  ) as identity,
  jsonb_build_object(
    'display_name', display_name, 'city', city, 'country', country, 'bio', null, 'website', null,
    'avatar_media_id', null
  ) as profile,
  settings, privacy, null::text as badge, batch_id
from {{ ref('stg_user_signups') }}
where {{ in_range('occurred_at') }}
union all
select
  event_id, {{ surrogate_key('event_id') }}, user_id, occurred_at, 'profile', null,
  jsonb_build_object(
    'display_name', display_name, 'city', city, 'country', country, 'bio', bio, 'website', website,
    'avatar_media_id', avatar_media_id
  ),
  null, null, null, batch_id
from {{ ref('stg_user_profile_updates') }}
where {{ in_range('occurred_at') }}
union all
select
  event_id, {{ surrogate_key('event_id') }}, user_id, occurred_at, 'settings', null, null, settings, null, null, batch_id
from {{ ref('stg_user_settings_changes') }}
where {{ in_range('occurred_at') }}
union all
select
  event_id, {{ surrogate_key('event_id') }}, user_id, occurred_at, 'privacy', null, null, null, privacy, null, batch_id
from {{ ref('stg_user_privacy_changes') }}
where {{ in_range('occurred_at') }}
union all
select
  event_id, {{ surrogate_key('event_id') }}, user_id, occurred_at, 'badge', null, null, null, null, badge, batch_id
from {{ ref('stg_user_badges') }}
where {{ in_range('occurred_at') }}
