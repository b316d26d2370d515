/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Ad clicks with their cost to the advertiser (ad revenue of the platform).
grain: one row per ad click
unique_key: click_key
tags: [fact, ads]
columns:
  click_key: { tests: [unique, not_null] }
  impression_key: { tests: [not_null] }
  ad_key: { tests: [not_null, { relationships: { to: dim_ad, field: ad_key, severity: warn } }] }
  cost: { tests: [not_null] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  clicker_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
tests:
  - expression: cost >= 0
*/
select
  {{ surrogate_key('click_id') }} as click_key,
  {{ surrogate_key('impression_id') }} as impression_key,
  {{ surrogate_key('ad_id') }} as ad_key,
  {{ surrogate_key('campaign_id') }} as campaign_key,
  {{ surrogate_key('clicker_user_id') }} as clicker_user_key,
  coalesce(v.version_key, -1) as clicker_user_version_key,
  {{ date_key('occurred_at') }} as date_key,
  click_id,
  cost,
  currency,
  occurred_at
from {{ ref('stg_ad_clicks') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.clicker_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
