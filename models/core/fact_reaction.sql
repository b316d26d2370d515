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
*/
select
  -- keys
  {{ surrogate_key('reaction') }} as reaction_type_key,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('comment_id') }} as comment_key,
  {{ surrogate_key('reactor_user_id') }} as reactor_user_key,
  {{ date_key('occurred_at') }} as date_key,
  -- degenerate dimensions
  reaction_id,
  target,
  -- time
  occurred_at
from {{ ref('stg_reactions') }}
where {{ in_range('occurred_at') }}
