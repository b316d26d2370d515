/*
materialized: incremental
incremental_strategy: time_range
time_column: created_at
indexes: [[created_at]]
description: Ads (creatives), each in one campaign of one advertiser. Grows by creation time.
grain: one row per ad
unique_key: ad_key
tags: [dimension, ads]
columns:
  ad_key: { description: surrogate key (hash of ad_id), tests: [unique, not_null] }
  campaign_key: { tests: [not_null, { relationships: { to: dim_campaign, field: campaign_key, severity: warn } }] }
  advertiser_key: { tests: [not_null, { relationships: { to: dim_advertiser, field: advertiser_key, severity: warn } }] }
  format: { tests: [{ accepted_values: [feed, story, reel] }] }
*/
select
  {{ surrogate_key('ad_id') }} as ad_key,
  ad_id,
  {{ surrogate_key('campaign_id') }} as campaign_key,
  {{ surrogate_key('advertiser_id') }} as advertiser_key,
  format,
  headline,
  landing_url,
  occurred_at as created_at
from {{ ref('stg_ads') }}
where {{ in_range('occurred_at') }}
