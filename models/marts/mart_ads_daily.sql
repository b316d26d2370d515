/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, level, campaign_key, ad_key)
time_column: occurred_at
description: >
  Ads per day (metric M17), at two levels: one row per ad (`level = 'ad'`) and one per campaign (`level =
  'campaign'`, `ad_key = -1`, the campaign's ads together). Impressions and clicks by the UTC day they happened;
  spend is what the clicks cost the advertiser, in minor units (cents) of the campaign's currency and in USD
  through the fx_rates seed. Incremental: a late impression or click recomputes its day. Campaigns are read
  through int_campaign (dim_campaign without its array column, which ClickHouse cannot read from an empty table).
grain: one row per UTC day and ad, plus one per UTC day and campaign
columns:
  "(day, level, campaign_key, ad_key)": { description: the row key, tests: [unique] }
  day: { description: the UTC day, tests: [not_null] }
  level: { description: "'ad' or 'campaign'", tests: [{ accepted_values: [ad, campaign] }] }
  campaign_key: the campaign (dim_campaign)
  campaign_name: the campaign's name
  advertiser_key: the advertiser (dim_advertiser)
  advertiser_name: the advertiser's name
  ad_key: "the ad (dim_ad); -1 on campaign rows"
  ad_headline: "the ad's headline; empty on campaign rows"
  impressions: { description: "M17: ad impressions on the day", tests: [{ expression: impressions >= 0 }] }
  clicks: { description: "M17: ad clicks on the day", tests: [{ expression: clicks >= 0 }] }
  ctr: { description: "M17: clicks / impressions, in [0, 1]; NULL when no impressions", tests: [{ expression: "ctr is null or (ctr >= 0 and ctr <= 1)" }] }
  currency: the campaign's currency (ISO 4217)
  spend_minor: { description: "M17: spend, the cost of the day's clicks, in minor units (cents) of `currency`", tests: [{ expression: spend_minor >= 0 }] }
  spend_usd: "M17: spend in USD: spend_minor / 100 / units_per_usd of the currency (fx_rates seed)"
*/
with impressions as (
  select toDate(assumeNotNull(occurred_at)) as day, assumeNotNull(ad_key) as ad, assumeNotNull(campaign_key) as campaign,
    1 as impression, 0 as click,
    toInt64(0) as cost_minor
  from {{ ref('fact_ad_impression') }}
  where {{ in_range('occurred_at') }}
),

clicks as (
  select toDate(assumeNotNull(occurred_at)) as day, assumeNotNull(ad_key) as ad, assumeNotNull(campaign_key) as campaign,
    0 as impression, 1 as click,
    toInt64(round(cost * 100)) as cost_minor
  from {{ ref('fact_ad_click') }}
  where {{ in_range('occurred_at') }}
),

events as (
  select * from impressions
  union all
  select * from clicks
),

per_level as (
  select
    day,
    if(grouping(ad) = 0, 'ad', 'campaign') as level,
    campaign as campaign_key,
    if(grouping(ad) = 0, ad, -1) as ad_key,
    toUInt64(sum(impression)) as impressions,
    toUInt64(sum(click)) as clicks,
    sum(cost_minor) as spend_minor
  from events
  group by grouping sets ((day, campaign, ad), (day, campaign))
)

select
  p.day as day,
  p.level as level,
  p.campaign_key as campaign_key,
  c.name as campaign_name,
  c.advertiser_key as advertiser_key,
  a.name as advertiser_name,
  p.ad_key as ad_key,
  d.headline as ad_headline,
  p.impressions as impressions,
  p.clicks as clicks,
  if(p.impressions = 0, null, p.clicks / p.impressions) as ctr,
  c.currency as currency,
  p.spend_minor as spend_minor,
  toFloat64(p.spend_minor) / 100 / toFloat64(fx.units_per_usd) as spend_usd
from per_level as p
left join {{ ref('int_campaign') }} as c on c.campaign_key = p.campaign_key
left join {{ ref('dim_advertiser') }} as a on a.advertiser_key = c.advertiser_key
left join {{ ref('dim_ad') }} as d on d.ad_key = p.ad_key
left join {{ ref('fx_rates') }} as fx on fx.currency = c.currency
