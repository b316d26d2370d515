/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: Ad impressions (the advertiser comes through dim_ad).
grain: one row per ad impression
unique_key: impression_key
tags: [fact, ads]
columns:
  impression_key: { tests: [unique, not_null] }
  ad_key: { tests: [not_null, { relationships: { to: dim_ad, field: ad_key, severity: warn } }] }
  campaign_key: { tests: [not_null, { relationships: { to: dim_campaign, field: campaign_key, severity: warn } }] }
  placement: { tests: [{ accepted_values: [feed, stories, reels] }] }
  date_key: { tests: [not_null, { relationships: { to: dim_date, field: date_key } }] }
  viewer_user_version_key: { tests: [not_null, { relationships: { to: dim_user, field: user_version_key } }] }
*/
select
  {{ surrogate_key('impression_id') }} as impression_key,
  {{ surrogate_key('ad_id') }} as ad_key,
  {{ surrogate_key('campaign_id') }} as campaign_key,
  {{ surrogate_key('viewer_user_id') }} as viewer_user_key,
  coalesce(v.version_key, -1) as viewer_user_version_key,
  {{ date_key('occurred_at') }} as date_key,
  impression_id,
  placement,
  occurred_at
from {{ ref('stg_ad_impressions') }} as s
left join lateral (
  -- Type 7: the dim_user version current at the event, as known when the event was loaded (docs/dwh.md).
  select c.user_version_key as version_key
  from {{ ref('stg_user_changes') }} as c
  where c.user_id = s.viewer_user_id and c.occurred_at <= s.occurred_at and c.batch_id <= s.batch_id
  order by c.occurred_at desc, c.user_version_key desc
  limit 1
) as v on true
where {{ in_range('occurred_at') }}
