/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, actor_user_id)
time_column: occurred_at
description: >
  Who acted on each day: every landed event whose envelope `actor_user_id` is not null is an action of that user
  (docs/metrics.md, "Action"), going online or offline included; system events (null actor) are not. The base of
  DAU and WAU.
grain: one row per UTC day and acting user
columns:
  day: { description: the UTC day of the actions (partition), tests: [not_null] }
  actor_user_id: { description: the acting user's id }
  actions: { description: "events of the user on the day, >= 1", tests: [{ expression: actions >= 1 }] }
  last_occurred_at: the user's last action of the day (the snapshot time of the marts is the newest of these)
  "(day, actor_user_id)": { description: the row key, tests: [unique] }
*/
with actions as (
  -- A separate step: ClickHouse lets a select alias shadow a column in WHERE, so the null test runs first.
  select occurred_at, actor_user_id
  from {{ source('landing', 'events') }}
  where actor_user_id is not null and {{ in_range('occurred_at') }}
)

select
  toDate(assumeNotNull(occurred_at)) as day,
  assumeNotNull(actor_user_id) as actor_user_id,
  count() as actions,
  max(occurred_at) as last_occurred_at
from actions
group by day, actor_user_id
