/*
materialized: table
description: Topics of publications and communities, from the `topics` seed; -1 is the "no topic" member.
grain: one row per topic (plus the -1 member)
unique_key: topic_key
tags: [dimension]
columns:
  topic_key: { description: surrogate key (hash of the topic code), tests: [unique, not_null] }
  topic: { description: the code events carry, tests: [unique, not_null] }
*/
select
  {{ surrogate_key('topic') }} as topic_key,
  topic,
  label,
  category,
  sort_order
from {{ ref('topics') }}
union all
select -1, '(none)', '(none)', 'none', 0
