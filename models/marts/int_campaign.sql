/*
engine: postgres
schema: core
materialized: view
description: >
  The ad campaigns as the ClickHouse marts read them: core.dim_campaign without its array column `target_topics`.
  ClickHouse's postgresql() cannot read the structure of a table whose array column has no declared dimensions (a
  table made by CREATE TABLE AS, as the runner makes them) while the table is empty or its first row holds NULL or
  an empty array: a fresh warehouse has no campaign yet, and a campaign may have no target topic. A view without the
  array has no such column to inspect. The base of mart_ads_daily.
grain: one row per campaign
columns:
  campaign_key: { description: surrogate key (dim_campaign), tests: [unique, not_null] }
  campaign_id: natural key
  advertiser_key: the advertiser (dim_advertiser)
  name: the campaign's name
  objective: the campaign's objective
  budget: the campaign's budget, in units of `currency`
  currency: ISO 4217 code of the budget and of the click costs
  starts_at: when the campaign starts
  ends_at: when it ends
  created_at: when it was created
*/
select
  campaign_key,
  campaign_id,
  advertiser_key,
  name,
  objective,
  budget,
  currency,
  starts_at,
  ends_at,
  created_at
from {{ ref('dim_campaign') }}
