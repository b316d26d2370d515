/*
materialized: table
order_by: day
partition_by: toYYYYMM(day)
description: >
  The social network per UTC day (metric M8 per day, M7 network-wide): signed-up users, friendships and follows at
  the end of the day, from the edge events (a pair's state at day end is its last added or removed event up to then,
  late events included); the average number of friends, followers and following over all signed-up users
  (zero-degree users included) and over the users with at least one. On the row of the graph snapshot's day (the
  newest event `deno task graph metrics` reflects), the friendship graph's figures from Neo4j (M7): components,
  the largest one's size, its diameter and average shortest path, exact or labelled an estimate with the sample
  size; NULL on other days and before the first graph run. Rebuilt whole from its incremental base
  (int_social_edge_day, local), int_user and the graph tables.
grain: one row per UTC day since the first loaded event (days with a loaded action, and the graph snapshot's day)
unique_key: day
columns:
  day: { description: the UTC calendar day, tests: [unique, not_null] }
  users: { description: "users signed up by the end of the day", tests: [{ expression: users >= users_with_friends and users >= users_with_followers and users >= users_with_following }] }
  friendships: { description: "friendships (undirected) at the end of the day", tests: [{ expression: friendships >= 0 }] }
  follows: { description: "follows (directed) at the end of the day", tests: [{ expression: follows >= 0 }] }
  users_with_friends: { description: "users with at least one friend at the end of the day", tests: [{ expression: users_with_friends <= 2 * friendships }] }
  users_with_followers: { description: "users with at least one follower at the end of the day", tests: [{ expression: users_with_followers <= follows }] }
  users_with_following: { description: "users who follow at least one user at the end of the day", tests: [{ expression: users_with_following <= follows }] }
  avg_friends: { description: "M8: 2 * friendships / users (zero-degree users included); NULL when no user", tests: [{ expression: avg_friends is null or avg_friends >= 0 }] }
  avg_friends_nonzero: { description: "M8: 2 * friendships / users_with_friends; NULL when none", tests: [{ expression: avg_friends_nonzero is null or avg_friends_nonzero >= 1 }] }
  avg_followers: "M8: follows / users; NULL when no user"
  avg_followers_nonzero: { description: "M8: follows / users_with_followers; NULL when none", tests: [{ expression: avg_followers_nonzero is null or avg_followers_nonzero >= 1 }] }
  avg_following: "M8: follows / users (equal to avg_followers: every follow has one follower and one followee); NULL when no user"
  avg_following_nonzero: { description: "M8: follows / users_with_following; NULL when none", tests: [{ expression: avg_following_nonzero is null or avg_following_nonzero >= 1 }] }
  is_final: { description: "true once the day ended more than the late window (var late_window_hours: the pipeline's PIPELINE_LATE_WINDOW_HOURS unless --vars sets it, default 3) before the newest loaded action; false while late events may still change it", tests: [{ expression: "not is_final or day < toDate(snapshot_at)" }] }
  snapshot_at: "the clock finality is measured against (UTC): the newest loaded action while the day is provisional; once it is final, the moment it became so (its end plus the late window)"
  graph_snapshot_at: "the newest event the graph metrics reflect (graph.network); set only on that day's row"
  components: "M7: connected components of the friendship graph at graph_snapshot_at (isolated users are components of one)"
  largest_component: "M7: users in the largest component"
  diameter: "M7: the largest component's diameter (longest shortest path), exact unless diameter_is_estimate"
  diameter_lower: "M7: a lower bound of the diameter (equal to diameter when exact)"
  diameter_upper: { description: "M7: an upper bound of the diameter (equal to diameter when exact)", tests: [{ expression: diameter_upper is null or (diameter_lower <= diameter and diameter <= diameter_upper) }] }
  diameter_is_estimate: "M7: true when the diameter comes from bounds, not from every user's eccentricity"
  average_path: "M7: average shortest-path length between users of the largest component; NULL when it has one user"
  average_path_is_estimate: "M7: true when average_path is the mean over a seeded random sample of sources"
  average_path_sample: "M7: the number of sources sampled for an estimate (NULL when exact)"
*/
with pair_changes as (
  -- +1 when an edge exists at the end of a day and did not at the end of its previous event day, -1 the other way.
  select
    day,
    edge_type,
    user_key,
    other_user_key,
    toInt64(present) - toInt64(lagInFrame(present, 1, false) over (
      partition by edge_type, user_key, other_user_key order by day rows between unbounded preceding and current row
    )) as delta
  from {{ ref('int_social_edge_day') }}
),

degree_deltas as (
  select day, user_key, 'friends' as kind, delta from pair_changes where edge_type = 'friend' and delta <> 0
  union all
  select day, other_user_key, 'friends', delta from pair_changes where edge_type = 'friend' and delta <> 0
  union all
  select day, other_user_key, 'followers', delta from pair_changes where edge_type = 'follow' and delta <> 0
  union all
  select day, user_key, 'following', delta from pair_changes where edge_type = 'follow' and delta <> 0
),

user_days as (
  select user_key, kind, day, sum(delta) as delta
  from degree_deltas
  group by user_key, kind, day
),

user_degrees as (
  -- A user's degree of each kind at the end of every day on which it changed.
  select
    user_key, kind, day, delta,
    sum(delta) over (partition by user_key, kind order by day rows between unbounded preceding and current row) as degree
  from user_days
),

daily_changes as (
  -- What changes on each day: edge ends (friend degrees sum to 2 x friendships), users becoming non-zero (+1) or
  -- zero (-1), sign-ups.
  select
    day,
    sumIf(delta, kind = 'friends') as friend_ends,
    sumIf(delta, kind = 'followers') as follows,
    sumIf(toInt64(degree > 0) - toInt64(degree - delta > 0), kind = 'friends') as with_friends,
    sumIf(toInt64(degree > 0) - toInt64(degree - delta > 0), kind = 'followers') as with_followers,
    sumIf(toInt64(degree > 0) - toInt64(degree - delta > 0), kind = 'following') as with_following,
    toInt64(0) as signups
  from user_degrees
  group by day
  union all
  select toDate(assumeNotNull(signed_up_at)) as day, 0, 0, 0, 0, 0, toInt64(count()) as signups
  from {{ ref('int_user') }}
  where signed_up_at is not null
  group by day
),

calendar as (
  -- The days with a loaded action, and the graph snapshot's day (a system event may be newer than every action).
  select distinct day from {{ ref('int_daily_actors') }}
  union distinct
  select toDate(snapshot_at) from {{ source('graph', 'network') }}
),

running as (
  select
    day,
    sum(sum(friend_ends)) over w as friend_ends,
    sum(sum(follows)) over w as follows,
    sum(sum(with_friends)) over w as with_friends,
    sum(sum(with_followers)) over w as with_followers,
    sum(sum(with_following)) over w as with_following,
    sum(sum(signups)) over w as users
  from (select * from daily_changes union all select day, 0, 0, 0, 0, 0, 0 from calendar)
  group by day
  window w as (order by day rows between unbounded preceding and current row)
),

bounds as (
  select max(last_occurred_at) as newest_action from {{ ref('int_daily_actors') }}
),

graph as (
  -- Nullable, so that the days without the snapshot get NULL from the left join, not zeros.
  select
    toNullable(snapshot_at) as snapshot_at,
    toNullable(components) as components,
    toNullable(largest_component) as largest_component,
    toNullable(diameter) as diameter,
    toNullable(diameter_lower) as diameter_lower,
    toNullable(diameter_upper) as diameter_upper,
    toNullable(toBool(diameter_is_estimate)) as diameter_is_estimate,
    average_path,
    toNullable(toBool(average_path_is_estimate)) as average_path_is_estimate,
    average_path_sample
  from {{ source('graph', 'network') }}
)

select
  c.day as day,
  toUInt64(r.users) as users,
  toUInt64(intDiv(r.friend_ends, 2)) as friendships,
  toUInt64(r.follows) as follows,
  toUInt64(r.with_friends) as users_with_friends,
  toUInt64(r.with_followers) as users_with_followers,
  toUInt64(r.with_following) as users_with_following,
  if(r.users = 0, null, r.friend_ends / r.users) as avg_friends,
  if(r.with_friends = 0, null, r.friend_ends / r.with_friends) as avg_friends_nonzero,
  if(r.users = 0, null, r.follows / r.users) as avg_followers,
  if(r.with_followers = 0, null, r.follows / r.with_followers) as avg_followers_nonzero,
  if(r.users = 0, null, r.follows / r.users) as avg_following,
  if(r.with_following = 0, null, r.follows / r.with_following) as avg_following_nonzero,
  toBool(toDateTime64(c.day, 6, 'UTC') + toIntervalHour(24 + {{ var('late_window_hours', 'number', '3') }}) <= b.newest_action)
    as is_final,
  least(b.newest_action, toDateTime64(c.day, 6, 'UTC') + toIntervalHour(24 + {{ var('late_window_hours', 'number', '3') }}))
    as snapshot_at,
  g.snapshot_at as graph_snapshot_at,
  g.components as components,
  g.largest_component as largest_component,
  g.diameter as diameter,
  g.diameter_lower as diameter_lower,
  g.diameter_upper as diameter_upper,
  g.diameter_is_estimate as diameter_is_estimate,
  g.average_path as average_path,
  g.average_path_is_estimate as average_path_is_estimate,
  g.average_path_sample as average_path_sample
from calendar as c
cross join bounds as b
inner join running as r on r.day = c.day
left join graph as g on toDate(g.snapshot_at) = c.day
