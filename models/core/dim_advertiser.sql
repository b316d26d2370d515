/*
materialized: incremental
incremental_strategy: time_range
time_column: registered_at
indexes: [[registered_at]]
description: >
  Advertisers. Immutable once registered, so it grows by registration time. Key -1 is the "no advertiser"
  member (payments that are not sponsorships).
grain: one row per advertiser (plus the -1 member)
unique_key: advertiser_key
tags: [dimension, ads]
columns:
  advertiser_key: { description: surrogate key (hash of advertiser_id), tests: [unique, not_null] }
*/
select
  {{ surrogate_key('advertiser_id') }} as advertiser_key,
  advertiser_id,
  name,
  industry,
  country,
  occurred_at as registered_at
from {{ ref('stg_advertisers') }}
where {{ in_range('occurred_at') }}
union all
select -1, null, '(none)', null, null, '-infinity'::timestamptz
where {{ in_range("'-infinity'::timestamptz") }}
