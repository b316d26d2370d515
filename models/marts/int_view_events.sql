/*
materialized: incremental
incremental_strategy: time_range
partition_by: day
order_by: (publication_key, occurred_at)
time_column: occurred_at
description: >
  A local ClickHouse copy of the view events (fact_view), only the columns spread speed needs, so the marts read
  the biggest fact from ClickHouse instead of PostgreSQL. Incremental by minute (`time_range`): each build reads
  from PostgreSQL only the minutes fact_view recomputed for the new batches, and rewrites the days holding them
  from their other rows plus those minutes.
grain: one row per publication view event
columns:
  day: the UTC day of the view (partition)
  publication_key: the viewed publication (dim_publication)
  occurred_at: when the view happened (UTC)
*/
select
  toDate(assumeNotNull(occurred_at)) as day,
  assumeNotNull(publication_key) as publication_key,
  assumeNotNull(occurred_at) as occurred_at
from {{ ref('fact_view') }} as f
-- qualified: the bare name would be the alias above (assumeNotNull), which postgresql() cannot push down
where {{ in_range('f.occurred_at') }}
