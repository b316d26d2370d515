/*
materialized: snapshot
description: >
  Users as a slowly changing dimension (type 2). A new version starts at sign-up and at every profile, settings,
  privacy or badge change, and carries the whole state as of then (each attribute group carried forward from its
  last change). `user_key` is the durable key facts carry; join a fact to the version current at its time with
  `user_key = f.user_key and f.occurred_at >= valid_from and (f.occurred_at < valid_to or valid_to is null)`,
  or to today's state with `is_current`. Key -1 is the "no user" member (e.g. the payer of a sponsorship).
grain: one row per version of a user (plus the -1 member)
unique_key: user_version_key
durable_key: user_key
updated_at: valid_from
indexes: [[user_key], [valid_from], [user_version_key]]
tags: [dimension, scd2]
columns:
  user_version_key: { description: surrogate key of the version (hash of the change event), tests: [unique, not_null] }
  user_key: { description: durable surrogate key of the user (hash of user_id), tests: [not_null] }
  user_id: { description: natural key }
  change_type: { description: what started this version, tests: [{ accepted_values: [signup, profile, settings, privacy, badge, none] }] }
  valid_from: { description: when this version starts (the change's occurred_at) }
  valid_to: { description: when the next version starts; null for the current one }
  is_current: { description: true for the latest version of each user, tests: [not_null] }
tests:
  - expression: "valid_to is null or valid_to >= valid_from"
*/
-- Only users with a change in the increment's window need their versions rebuilt (all of them on a full build).
with touched as (
  select distinct user_id from {{ ref('stg_user_changes') }} where {{ in_range('occurred_at') }}
),

grouped as (
  select
    c.*,
    count(c.identity) over w as identity_grp,
    count(c.profile) over w as profile_grp,
    count(c.settings) over w as settings_grp,
    count(c.privacy) over w as privacy_grp
  from {{ ref('stg_user_changes') }} as c
  where c.user_id in (select user_id from touched)
  window w as (partition by c.user_id order by c.occurred_at, c.event_id)
),

filled as (
  select
    user_id, event_id, occurred_at, change_type,
    first_value(identity) over (partition by user_id, identity_grp order by occurred_at, event_id) as identity,
    first_value(profile) over (partition by user_id, profile_grp order by occurred_at, event_id) as profile,
    first_value(settings) over (partition by user_id, settings_grp order by occurred_at, event_id) as settings,
    first_value(privacy) over (partition by user_id, privacy_grp order by occurred_at, event_id) as privacy,
    array_remove(array_agg(badge) over (partition by user_id order by occurred_at, event_id), null) as badges
  from grouped
)

select
  -- keys
  {{ surrogate_key('event_id') }} as user_version_key,
  {{ surrogate_key('user_id') }} as user_key,
  user_id,
  change_type,
  -- identity (fixed at sign-up)
  identity ->> 'username' as username,
  identity ->> 'email_domain' as email_domain,
  (identity ->> 'birth_date')::date as birth_date,
  identity ->> 'gender' as gender,
  identity ->> 'locale' as locale,
  identity ->> 'timezone' as timezone,
  identity ->> 'signup_source' as signup_source,
  {{ surrogate_key("identity ->> 'referrer_user_id'") }} as referrer_user_key,
  (identity ->> 'signed_up_at')::timestamptz as signed_up_at,
  -- profile
  profile ->> 'display_name' as display_name,
  profile ->> 'city' as city,
  profile ->> 'country' as country,
  profile ->> 'bio' is not null as has_bio,
  profile ->> 'website' is not null as has_website,
  {{ surrogate_key("profile ->> 'avatar_media_id'") }} as avatar_media_key,
  -- settings
  settings ->> 'language' as language,
  settings ->> 'theme' as theme,
  (settings ->> 'notifications_email')::boolean as notifications_email,
  (settings ->> 'notifications_push')::boolean as notifications_push,
  (settings ->> 'autoplay_videos')::boolean as autoplay_videos,
  -- privacy
  privacy ->> 'profile_visibility' as profile_visibility,
  privacy ->> 'who_can_message' as who_can_message,
  (privacy ->> 'show_online_status')::boolean as show_online_status,
  (privacy ->> 'searchable')::boolean as searchable,
  -- badges
  badges,
  cardinality(badges) as badge_count,
  -- validity
  occurred_at as valid_from
from filled
where {{ in_range('occurred_at') }}
union all
select
  -1, -1, null, 'none', '(none)', null, null, null, null, null, null, -1, null, '(none)', null, null, false, false, -1,
  null, null, null, null, null, null, null, null, null, '{}'::text[], 0, '-infinity'::timestamptz
where {{ in_range("'-infinity'::timestamptz") }}
