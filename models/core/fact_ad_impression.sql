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
*/
select
  {{ surrogate_key('impression_id') }} as impression_key,
  {{ surrogate_key('ad_id') }} as ad_key,
  {{ surrogate_key('campaign_id') }} as campaign_key,
  {{ surrogate_key('viewer_user_id') }} as viewer_user_key,
  {{ date_key('occurred_at') }} as date_key,
  impression_id,
  placement,
  occurred_at
from {{ ref('stg_ad_impressions') }}
where {{ in_range('occurred_at') }}
