/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, actor_user_key)
time_column: occurred_at
description: >
  Who acted on each day: every landed event whose envelope `actor_user_id` is not null is an action of that user
  (docs/metrics.md, "Action"), going online or offline included; system events (null actor) are not. Read from
  the star's fact_user_activity_base (one narrow row per action, the same actions as landing.events: a
  reconciliation test holds them equal) through its local copy int_action_events, not from the wide landing
  table. The base of DAU and WAU.
grain: one row per UTC day and acting user
columns:
  day: { description: the UTC day of the actions (partition), tests: [not_null] }
  actor_user_key: { description: "the acting user (dim_user's durable user_key, one per user id)" }
  actions: { description: "events of the user on the day, >= 1", tests: [{ expression: actions >= 1 }] }
  last_occurred_at: the user's last action of the day (the snapshot time of the marts is the newest of these)
  "(day, actor_user_key)": { description: the row key, tests: [unique] }
*/
select
  toDate(assumeNotNull(occurred_at)) as day,
  assumeNotNull(actor_user_key) as actor_user_key,
  count() as actions,
  max(occurred_at) as last_occurred_at
from {{ ref('int_action_events') }}
where {{ in_range('day') }}
group by day, actor_user_key
