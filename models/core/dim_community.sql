/*
materialized: incremental
incremental_strategy: time_range
time_column: created_at
indexes: [[created_at]]
description: >
  Communities and groups with their topic and owner. Immutable once created, so it grows by creation time.
  Key -1 is the "no community" member that facts of publications outside any community point at.
grain: one row per community or group (plus the -1 member)
unique_key: community_key
tags: [dimension]
columns:
  community_key: { description: surrogate key (hash of community_id; -1 = none), tests: [unique, not_null] }
  community_id: { description: natural key }
  kind: { tests: [{ accepted_values: [community, group, none] }] }
  topic_key: { tests: [not_null, { relationships: { to: dim_topic, field: topic_key } }] }
*/
select
  {{ surrogate_key('community_id') }} as community_key,
  community_id,
  name,
  kind,
  {{ surrogate_key('topic') }} as topic_key,
  topic,
  visibility,
  {{ surrogate_key('owner_user_id') }} as owner_user_key,
  occurred_at as created_at
from {{ ref('stg_communities') }}
where {{ in_range('occurred_at') }}
union all
select -1, null, '(none)', 'none', -1, null, null, -1, '-infinity'::timestamptz
where {{ in_range("'-infinity'::timestamptz") }}
