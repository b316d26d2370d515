/*
materialized: incremental
incremental_strategy: time_range
time_column: created_at
indexes: [[created_at]]
description: Ad campaigns, each of one advertiser (ad -> campaign -> advertiser). Grows by creation time.
grain: one row per campaign
unique_key: campaign_key
tags: [dimension, ads]
columns:
  campaign_key: { description: surrogate key (hash of campaign_id), tests: [unique, not_null] }
  advertiser_key: { tests: [not_null, { relationships: { to: dim_advertiser, field: advertiser_key, severity: warn } }] }
tests:
  - expression: ends_at > starts_at
*/
select
  {{ surrogate_key('campaign_id') }} as campaign_key,
  campaign_id,
  {{ surrogate_key('advertiser_id') }} as advertiser_key,
  name,
  objective,
  budget,
  currency,
  starts_at,
  ends_at,
  target_topics,
  occurred_at as created_at
from {{ ref('stg_campaigns') }}
where {{ in_range('occurred_at') }}
