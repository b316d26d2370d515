/*
materialized: table
description: Reaction types (like, love, wow, haha, sad, angry), from the `reaction_types` seed.
grain: one row per reaction type
unique_key: reaction_type_key
tags: [dimension]
columns:
  reaction_type_key: { description: surrogate key (hash of the code), tests: [unique, not_null] }
  reaction: { tests: [unique, not_null] }
*/
select
  {{ surrogate_key('reaction') }} as reaction_type_key,
  reaction,
  label,
  sentiment,
  is_like
from {{ ref('reaction_types') }}
