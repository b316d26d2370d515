/*
materialized: incremental
incremental_strategy: delete+insert
time_column: filed_at
indexes: [[filed_at], [resolved_at], [community_key]]
description: >
  Complaints (reports) as an accumulating snapshot: one row per complaint, filed against a publication, a comment or a
  user, with the community it concerns, completed when it is resolved (by whom, how, and the lag). An increment
  recomputes every complaint filed or resolved in its window, so a resolution updates the row of its complaint
  whatever day that was filed on. A resolution whose filing has not arrived yet waits for it (the row appears with
  the filing). `resolved_date_key` and the resolution columns are null while the complaint is open.
grain: one row per complaint filed
unique_key: complaint_key
on_schema_change: full_refresh
tags: [fact, moderation]
columns:
  complaint_key: { tests: [unique, not_null] }
  reporter_user_key: { tests: [not_null] }
  reported_user_key: { tests: [not_null] }
  community_key: { description: "-1 outside communities (platform complaints, resolved by staff)", tests: [not_null] }
  target: { tests: [{ accepted_values: [publication, comment, user] }] }
  date_key: { description: the day the complaint was filed, tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  resolved_date_key: { description: the day it was resolved; null while open, tests: [{ relationships: { to: dim_date, field: date_key } }] }
  reporter_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
  resolver_user_key: { description: "the moderator, owner or staff member who resolved it; -1 while open", tests: [not_null] }
  resolver_user_version_key: { description: "-1 while open", tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
  resolution: { tests: [{ accepted_values: [dismissed, content_removed, user_warned] }] }
  filed_at: { tests: [not_null] }
tests:
  - expression: is_resolved = (resolved_at is not null)
  - expression: (resolved_at is null) = (resolution is null) and (resolved_at is null) = (resolved_date_key is null)
  - expression: resolved_at is null or resolution_lag_s >= 0
*/
with touched as (
  select complaint_id from {{ ref('stg_complaints') }} where {{ in_range('occurred_at') }}
  union
  select complaint_id from {{ ref('stg_complaint_resolutions') }} where {{ in_range('occurred_at') }}
),

filed as (
  select f.*
  from {{ ref('stg_complaints') }} as f
  join touched as t on t.complaint_id = f.complaint_id
),

resolved as (
  -- one resolution per complaint (the first, should one ever be delivered twice under two event ids)
  select distinct on (r.complaint_id) r.*
  from {{ ref('stg_complaint_resolutions') }} as r
  join touched as t on t.complaint_id = r.complaint_id
  order by r.complaint_id, r.occurred_at, r.event_id
)

select
  -- keys
  {{ surrogate_key('f.complaint_id') }} as complaint_key,
  {{ surrogate_key('f.reporter_user_id') }} as reporter_user_key,
  coalesce(rv.version_key, -1) as reporter_user_version_key,
  {{ surrogate_key('f.reported_user_id') }} as reported_user_key,
  {{ surrogate_key('f.publication_id') }} as publication_key,
  {{ surrogate_key('f.comment_id') }} as comment_key,
  {{ surrogate_key('f.community_id') }} as community_key,
  {{ date_key('f.occurred_at') }} as date_key,
  {{ surrogate_key('r.moderator_user_id') }} as resolver_user_key,
  coalesce(mv.version_key, -1) as resolver_user_version_key,
  case when r.occurred_at is not null then {{ date_key('r.occurred_at') }} end as resolved_date_key,
  -- degenerate dimensions
  f.complaint_id,
  f.event_id as filed_event_id,
  r.event_id as resolved_event_id,
  f.target,
  f.reason,
  r.resolution,
  -- measures
  r.occurred_at is not null as is_resolved,
  extract(epoch from r.occurred_at - f.occurred_at)::numeric(14, 3) as resolution_lag_s,
  -- time
  f.occurred_at as filed_at,
  r.occurred_at as resolved_at
from filed as f
left join resolved as r on r.complaint_id = f.complaint_id
left join lateral (
  -- Type 7: the reporter's dim_user version at the filing, as known when it was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = f.reporter_user_id and c.occurred_at <= f.occurred_at and c.batch_id <= f.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as rv on true
left join lateral (
  -- the resolver's version at the resolution
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = r.moderator_user_id and c.occurred_at <= r.occurred_at and c.batch_id <= r.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as mv on true
