/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Reactions (all types; a like is the type `like`) on publications and comments.
grain: one row per reaction added
unique_key: reaction_id
tags: [fact]
columns:
  reaction_id: { tests: [unique, not_null] }
  reaction_type_key: { tests: [not_null, { relationships: { to: dim_reaction_type, field: reaction_type_key } }] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key, severity: warn } }] }
  reactor_user_key: { tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  target: { tests: [{ accepted_values: [publication, comment] }] }
  reactor_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  -- keys
  {{ surrogate_key('reaction') }} as reaction_type_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('reactor_user_id') }} as reactor_user_key,
  coalesce(v.version_key, -1) as reactor_user_version_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  reaction_id,
  target,
  -- time
  occurred_at
from {{ ref('stg_reactions') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.reactor_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
