/*
materialized: table
order_by: (created_day, kind)
partition_by: toYYYYMM(created_day)
description: >
  The distribution of spread speed (metric M11) per creation day and kind (`kind = 'all'`: every kind together):
  publications created, how many reached 1000 views so far, percentiles of seconds_to_1000 over those that did
  (exact, linear interpolation between order statistics: `quantileExactInclusive`, Excel's PERCENTILE.INC), and
  counts per bucket of time to the 1000th view. Provisional: publications of a day keep reaching 1000 views later.
grain: one row per UTC creation day and kind (post, story, reel, all)
columns:
  "(created_day, kind)": { description: the row key, tests: [unique] }
  created_day: { description: the UTC day the publications were created, tests: [not_null] }
  kind: { description: "post, story, reel or all", tests: [{ accepted_values: [post, story, reel, all] }] }
  publications: { description: publications created, tests: [{ expression: publications >= reached_1000 }] }
  reached_1000: { description: "M11: those with a 1000th view so far", tests: [{ expression: "reached_1000 = under_1h + h1_6 + h6_24 + d1_3 + over_3d" }] }
  p10_seconds: "M11: 10th percentile of seconds_to_1000 over those reached; NULL when none"
  p25_seconds: "M11: 25th percentile; NULL when none"
  p50_seconds: { description: "M11: median; NULL when none", tests: [{ expression: "p50_seconds is null or (p10_seconds <= p25_seconds and p25_seconds <= p50_seconds and p50_seconds <= p75_seconds and p75_seconds <= p90_seconds)" }] }
  p75_seconds: "M11: 75th percentile; NULL when none"
  p90_seconds: "M11: 90th percentile; NULL when none"
  under_1h: "M11: reached within [0, 1 h)"
  h1_6: "M11: reached within [1 h, 6 h)"
  h6_24: "M11: reached within [6 h, 24 h)"
  d1_3: "M11: reached within [1 day, 3 days)"
  over_3d: "M11: reached after 3 days or more"
*/
with spread as (
  select created_day, kind, seconds_to_1000 from {{ ref('mart_publication_spread') }}
),

per_kind as (
  select
    created_day,
    if(grouping(kind) = 0, kind, 'all') as kind_label,
    count() as publications,
    count(seconds_to_1000) as reached_1000,
    quantilesExactInclusive(0.1, 0.25, 0.5, 0.75, 0.9)(seconds_to_1000) as q,
    countIf(seconds_to_1000 < 3600) as under_1h,
    countIf(seconds_to_1000 >= 3600 and seconds_to_1000 < 21600) as h1_6,
    countIf(seconds_to_1000 >= 21600 and seconds_to_1000 < 86400) as h6_24,
    countIf(seconds_to_1000 >= 86400 and seconds_to_1000 < 259200) as d1_3,
    countIf(seconds_to_1000 >= 259200) as over_3d
  from spread
  group by grouping sets ((created_day, kind), (created_day))
)

select
  created_day,
  assumeNotNull(kind_label) as kind,
  publications,
  reached_1000,
  if(reached_1000 = 0, null, q[1]) as p10_seconds,
  if(reached_1000 = 0, null, q[2]) as p25_seconds,
  if(reached_1000 = 0, null, q[3]) as p50_seconds,
  if(reached_1000 = 0, null, q[4]) as p75_seconds,
  if(reached_1000 = 0, null, q[5]) as p90_seconds,
  under_1h,
  h1_6,
  h6_24,
  d1_3,
  over_3d
from per_kind
