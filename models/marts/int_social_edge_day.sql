/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, edge_type, user_key, other_user_key)
time_column: occurred_at
description: >
  The state of every friendship and follow at the end of each UTC day on which it changed: whether the pair's last
  `added` or `removed` event of the day (by occurred_at, then event_id) added it. Friendships are undirected, stored
  as (smaller user key, larger user key); a follow is directed, `user_key` follows `other_user_key`. Friend requests
  and close friends are left out (a request makes no friends). From fact_social_edge_event. The base of
  mart_network_daily (metric M8 per day at day end). Incremental: a late edge event recomputes its day.
grain: one row per UTC day, edge type and pair of users with at least one added or removed event that day
columns:
  "(day, edge_type, user_key, other_user_key)": { description: the row key, tests: [unique] }
  day: { description: the UTC day of the events (partition), tests: [not_null] }
  edge_type: { description: "'friend' or 'follow'", tests: [{ accepted_values: [friend, follow] }] }
  user_key: "friend: the smaller of the two user keys; follow: the follower"
  other_user_key: "friend: the larger of the two user keys; follow: the followed user"
  present: true when the edge exists at the end of the day (the day's last event added it)
*/
with edge_events as (
  select
    toDate(assumeNotNull(occurred_at)) as day,
    assumeNotNull(edge_type) as kind,
    if(kind = 'friend', least(user_key, other_user_key), user_key) as a,
    if(kind = 'friend', greatest(user_key, other_user_key), other_user_key) as b,
    action,
    occurred_at,
    toString(event_id) as event_text
  from {{ ref('fact_social_edge_event') }}
  where edge_type in ('friend', 'follow') and action in ('added', 'removed') and {{ in_range('occurred_at') }}
)

select
  day,
  kind as edge_type,
  assumeNotNull(a) as user_key,
  assumeNotNull(b) as other_user_key,
  argMax(action, (occurred_at, event_text)) = 'added' as present
from edge_events
group by day, kind, a, b
