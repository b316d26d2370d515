/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, topic_key)
time_column: occurred_at
description: >
  Comments (replies included) per UTC day and topic of the publication they are on (a community post carries the
  community's topic). Comments on publications without a topic are left out. The base of mart_topic_daily.
grain: one row per UTC day and topic with at least one comment
columns:
  "(day, topic_key)": { description: the row key, tests: [unique] }
  comments: { description: comments and replies on the day, tests: [{ expression: comments > 0 }] }
  replies: { description: the replies among them, tests: [{ expression: replies <= comments }] }
*/
with comments as (
  select toDate(assumeNotNull(occurred_at)) as day, publication_key, is_reply
  from {{ ref('fact_comment') }}
  where {{ in_range('occurred_at') }}
),

publications as (
  select publication_key, topic_key
  from {{ ref('dim_publication') }}
  where topic_key <> -1 and publication_key in (select publication_key from comments)
)

select
  c.day as day,
  assumeNotNull(p.topic_key) as topic_key,
  count() as comments,
  countIf(c.is_reply) as replies
from comments as c
inner join publications as p on p.publication_key = c.publication_key
group by c.day, p.topic_key
