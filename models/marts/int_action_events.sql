/*
materialized: incremental
incremental_strategy: time_range
partition_by: day
order_by: (day, actor_user_key)
time_column: occurred_at
description: >
  A local ClickHouse copy of every action (fact_user_activity_base), only the columns DAU and WAU need, so that
  int_daily_actors recomputes a touched day from ClickHouse instead of re-reading the whole day from PostgreSQL.
  Incremental by minute (`time_range`): each build reads from PostgreSQL only the minutes fact_user_activity_base
  recomputed for the new batches.
grain: one row per action (an event with a non-null actor)
columns:
  day: { description: the UTC day of the action (partition), tests: [not_null] }
  actor_user_key: { description: "the acting user (dim_user's durable user_key)", tests: [not_null] }
  occurred_at: when the action happened (UTC)
*/
select
  toDate(assumeNotNull(occurred_at)) as day,
  assumeNotNull(actor_user_key) as actor_user_key,
  assumeNotNull(occurred_at) as occurred_at
from {{ ref('fact_user_activity_base') }} as f
-- qualified: the bare name would be the alias above (assumeNotNull), which postgresql() cannot push down
where {{ in_range('f.occurred_at') }}
