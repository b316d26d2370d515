/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, rank_day, topic)
time_column: day
lookahead: 6 days
description: >
  Most discussed topics (metric M15): comments (replies included) per topic per UTC day and over the 7 days
  D-6..D, with dense ranks (1, 2, 2, 3: equal counts share a rank; rows are ordered by count descending, then topic
  label, then key). A comment's topic is the topic of the publication it is on. Every topic has a row on every day
  from the first to the last loaded day, zeros included, so the 7-day sums never miss a day. From int_topic_day (a
  local table). Incremental by day: a build recomputes the days the new batches touch and the six days after each
  (the days whose 7-day windows contain it), reading those days and the six before them, and replaces those
  partitions.
grain: one row per UTC day and topic (from the topics seed)
columns:
  "(day, topic_key)": { description: the row key, tests: [unique] }
  day: { description: the UTC day, tests: [not_null] }
  topic_key: the topic (dim_topic)
  topic: the topic's code as events carry it
  topic_label: the topic's display label
  comments: { description: "M15: comments and replies on the topic's publications on the day", tests: [{ expression: comments >= 0 }] }
  replies: { description: "the replies among them", tests: [{ expression: replies <= comments }] }
  comments_7d: { description: "M15: comments and replies on D-6..D (fewer days before the first loaded day)", tests: [{ expression: comments_7d >= comments }] }
  rank_day: { description: "M15: dense rank of the topic by comments on the day (1 = most)", tests: [{ expression: rank_day >= 1 }] }
  rank_7d: { description: "M15: dense rank of the topic by comments_7d on the day", tests: [{ expression: rank_7d >= 1 }] }
*/
with bounds as (
  select min(day) as first_day, max(day) as last_day from {{ ref('int_daily_actors') }}
),

days as (
  -- the recomputed days and the six before each (their 7-day windows)
  select day from (
    select arrayJoin(arrayMap(i -> first_day + i, range(toUInt32(last_day - first_day + 1)))) as day from bounds
  )
  where {{ in_range('day', '6 days') }}
),

topics as (
  select topic_key, topic, label from {{ ref('dim_topic') }} where topic_key <> -1
),

grid as (
  select d.day as day, t.topic_key as topic_key, t.topic as topic, t.label as label,
    coalesce(c.comments, 0) as comments, coalesce(c.replies, 0) as replies
  from days as d
  cross join topics as t
  left join (select * from {{ ref('int_topic_day') }} where {{ in_range('day', '6 days') }}) as c
    on c.day = d.day and c.topic_key = t.topic_key
),

windows as (
  select *, sum(comments) over (partition by topic_key order by day range between 6 preceding and current row) as c7
  from grid
)

select
  day,
  assumeNotNull(topic_key) as topic_key,
  assumeNotNull(topic) as topic,
  label as topic_label,
  toUInt64(comments) as comments,
  toUInt64(replies) as replies,
  toUInt64(c7) as comments_7d,
  dense_rank() over (partition by day order by comments desc) as rank_day,
  dense_rank() over (partition by day order by c7 desc) as rank_7d
from windows
where {{ in_range('day') }}
