/*
materialized: table
order_by: user_key
description: >
  Influence per user (metrics M7-M10), one row per user of the graph snapshot (every signed-up user the last
  `deno task graph metrics` saw): friends, followers and following (M8); PageRank over the directed follow graph,
  GDS's unnormalised score with damping 0.85, and its dense rank (M9); users at friendship distance exactly 1, 2
  and 3 and within 3, the component and its size, and the eccentricity within it, exact or between bounds (M7); the
  reposts and quotes of the user's publications by other users, all-time (M10, per day in
  mart_user_reposts_daily). The graph figures are copied from the `graph` tables as of graph_snapshot_at; the
  reposts and quotes count every loaded share (they may be newer than the graph snapshot). Names beside ids from
  the user's current version. Empty until the first graph metrics run. Rebuilt whole.
grain: one row per user in the graph snapshot
unique_key: user_key
columns:
  user_key: { description: the user (dim_user's durable user_key), tests: [unique, not_null] }
  user_id: the user's natural id
  username: the user's handle
  display_name: the user's current display name
  friends: { description: "M8: friends at the snapshot", tests: [{ expression: friends >= 0 }] }
  followers: { description: "M8: followers at the snapshot", tests: [{ expression: followers >= 0 }] }
  following: { description: "M8: users the user follows at the snapshot", tests: [{ expression: following >= 0 }] }
  pagerank: { description: "M9: PageRank score over the follow graph (GDS, damping 0.85, 20 iterations, tolerance 1e-7, unnormalised)", tests: [{ expression: pagerank > 0 }] }
  pagerank_rank: { description: "M9: dense rank by pagerank, 1 = most central (equal scores share a rank)", tests: [{ expression: pagerank_rank >= 1 }] }
  reach_1: { description: "M7: users at friendship distance exactly 1 (the friends)", tests: [{ expression: reach_1 = friends }] }
  reach_2: "M7: users at friendship distance exactly 2"
  reach_3: "M7: users at friendship distance exactly 3"
  reach_within_3: { description: "M7: users within friendship distance 3", tests: [{ expression: reach_within_3 = reach_1 + reach_2 + reach_3 }] }
  component: "M7: the user's component of the friendship graph (0 = the largest)"
  component_size: { description: "M7: users in that component, the user included", tests: [{ expression: component_size >= reach_within_3 + 1 }] }
  eccentricity: { description: "M7: the longest shortest path from the user within its component; NULL where only bounds are known", tests: [{ expression: eccentricity is null or (eccentricity_lower <= eccentricity and eccentricity <= eccentricity_upper) }] }
  eccentricity_lower: "M7: lower bound of the eccentricity (equal to it when exact)"
  eccentricity_upper: "M7: upper bound of the eccentricity (equal to it when exact)"
  reposts_received: { description: "M10: reposts by other users of the user's publications, all-time (since the first loaded event)", tests: [{ expression: reposts_received >= 0 }] }
  quotes_received: { description: "M10: quotes by other users of the user's publications, all-time", tests: [{ expression: quotes_received >= 0 }] }
  graph_snapshot_at: "the newest event the graph figures reflect (UTC)"
*/
with shares as (
  select author_user_key, sum(reposts) as reposts, sum(quotes) as quotes
  from {{ ref('int_author_shares_day') }}
  group by author_user_key
)

select
  d.user_key as user_key,
  d.user_id as user_id,
  u.username as username,
  u.display_name as display_name,
  d.friends as friends,
  d.followers as followers,
  d.following as following,
  p.score as pagerank,
  p.rank as pagerank_rank,
  f.reach_1 as reach_1,
  f.reach_2 as reach_2,
  f.reach_3 as reach_3,
  f.reach_within_3 as reach_within_3,
  f.component as component,
  f.component_size as component_size,
  f.eccentricity as eccentricity,
  f.eccentricity_lower as eccentricity_lower,
  f.eccentricity_upper as eccentricity_upper,
  toUInt64(coalesce(s.reposts, 0)) as reposts_received,
  toUInt64(coalesce(s.quotes, 0)) as quotes_received,
  d.snapshot_at as graph_snapshot_at
from {{ source('graph', 'user_degree') }} as d
inner join {{ source('graph', 'user_pagerank') }} as p on p.user_key = d.user_key
inner join {{ source('graph', 'user_friendship') }} as f on f.user_key = d.user_key
left join {{ ref('int_user') }} as u on u.user_key = d.user_key
left join shares as s on s.author_user_key = d.user_key
