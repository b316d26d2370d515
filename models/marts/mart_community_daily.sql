/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, community_key)
time_column: day
lookahead: unbounded
description: >
  Communities per UTC day: growth (M12), activity (M13), moderation load (M14) and group engagement (M16). Every
  community has a row on every day from its creation (or the first loaded day) to the last loaded day; the
  platform-level complaints (content outside any community, resolved by staff) form their own row per day with
  `community_key = -1`. Membership and moderator roles come from the star's intervals (the owner is a member and a
  moderator from the creation; a role ends by removal or when the moderator leaves), so members and moderators at
  day end are running sums of starts minus ends. Activity counts anyone (members or not); engagement counts only
  members at the end of the period. From int_community_activity (local), the star's intervals (through their local copy int_community_intervals) and complaints.
  Incremental by day: members and moderators at day end are running totals, so a build recomputes every day from
  the first one the new batches touch to the last (reading the 29 days before it for the 7- and 30-day windows,
  and the totals of the days before those), and replaces those partitions.
grain: one row per UTC day and community, plus one per UTC day for the platform (community_key = -1)
columns:
  "(day, community_key)": { description: the row key, tests: [unique] }
  day: { description: the UTC day, tests: [not_null] }
  community_key: "the community (dim_community); -1 for the platform-level complaints row"
  community_name: "the community's name; '(platform)' on the platform row"
  community_kind: "community or group; 'platform' on the platform row"
  topic: "the community's topic code"
  joins: { description: "M12: joins on the day (the owner's implicit join on the creation day included)", tests: [{ expression: joins >= 0 }] }
  leaves: { description: "M12: leaves on the day", tests: [{ expression: leaves >= 0 }] }
  growth: "M12: joins - leaves"
  growth_7d: "M12: growth summed over D-6..D"
  growth_30d: "M12: growth summed over D-29..D"
  rank_growth_7d: { description: "M12: dense rank by growth_7d among the communities on the day (1 = fastest); NULL on the platform row", tests: [{ expression: "rank_growth_7d is null or rank_growth_7d >= 1" }] }
  rank_growth_30d: "M12: dense rank by growth_30d; NULL on the platform row"
  publications: { description: "M13: publications posted in the community on the day", tests: [{ expression: publications >= 0 }] }
  comments: "M13: comments and replies on its publications"
  replies: "M13: the replies among them"
  reactions: "M13: reactions on its publications and on their comments"
  actors: { description: "M13: distinct users who posted in it, commented or replied on its publications or reacted to them (anyone)", tests: [{ expression: actors >= 0 }] }
  moderators: { description: "M14: moderators at the end of the day (the owner plus appointed moderators whose role has not ended)", tests: [{ expression: moderators >= 0 }] }
  complaints_filed: { description: "M14: complaints filed on the day against the community's content", tests: [{ expression: complaints_filed >= 0 }] }
  complaints_resolved: { description: "M14: complaints resolved on the day (whenever filed)", tests: [{ expression: "complaints_resolved = arraySum(mapValues(resolved_by))" }] }
  resolved_by: "M14: complaints resolved on the day per resolver (map user_key -> count)"
  complaints_per_moderator: { description: "M14: complaints_filed / moderators; NULL when there are none", tests: [{ expression: "complaints_per_moderator is null or complaints_per_moderator >= 0" }] }
  members: { description: "M16: members at the end of the day, owner included", tests: [{ expression: members >= 0 }] }
  active_members: { description: "M16: members at the end of the day who posted in it, commented or replied on its publications, reacted to them or shared them on the day", tests: [{ expression: active_members <= members }] }
  engagement: { description: "M16: active_members / members, in [0, 1]; NULL when no members", tests: [{ expression: "engagement is null or (engagement >= 0 and engagement <= 1)" }] }
  active_members_7d: { description: "M16: members at the end of the day who did such an action on D-6..D", tests: [{ expression: "active_members_7d <= members and active_members_7d >= active_members" }] }
  engagement_7d: { description: "M16: active_members_7d / members, in [0, 1]; NULL when no members", tests: [{ expression: "engagement_7d is null or (engagement_7d >= 0 and engagement_7d <= 1)" }] }
*/
with bounds as (
  select min(day) as first_day, max(day) as last_day from {{ ref('int_daily_actors') }}
),

communities as (
  select community_key, name, kind, topic, toDate(assumeNotNull(created_at)) as created_day
  from {{ ref('dim_community') }}
  where community_key <> -1
  union all
  select -1, '(platform)', 'platform', '', toDate('1970-01-01')
),

grid as (
  -- the recomputed days and the 29 before them (their 30-day windows), from each community's creation on
  select * from (
    select c.community_key as community_key, c.name as name, c.kind as kind, c.topic as topic,
      arrayJoin(arrayMap(i -> greatest(c.created_day, b.first_day) + i,
        range(toUInt32(greatest(0, toInt32(b.last_day - greatest(c.created_day, b.first_day)) + 1))))) as day
    from communities as c
    cross join bounds as b
  )
  where {{ in_range('day', '29 days') }}
),

intervals as (
  select community_key, user_key as member_user_key, started_at as joined_at, ended_at as left_at
  from {{ ref('int_community_intervals') }}
  where role = 'member'
),

moderator_intervals as (
  select community_key, started_at, ended_at from {{ ref('int_community_intervals') }} where role = 'moderator'
),

member_moves as (
  select community_key, day, toInt64(sum(j)) as joins, toInt64(sum(l)) as leaves
  from (
    select community_key, toDate(assumeNotNull(joined_at)) as day, 1 as j, 0 as l from intervals
    union all
    select community_key, toDate(assumeNotNull(left_at)), 0, 1 from intervals where left_at is not null
  )
  group by community_key, day
),

moderator_moves as (
  select community_key, day, toInt64(sum(d)) as delta
  from (
    select community_key, toDate(assumeNotNull(started_at)) as day, 1 as d from moderator_intervals
    union all
    select community_key, toDate(assumeNotNull(ended_at)), -1 from moderator_intervals
    where ended_at is not null
  )
  group by community_key, day
),

before_grid as (
  -- members and moderators at the end of the day before the grid starts (nothing on a full build)
  select community_key, sum(members) as members, sum(moderators) as moderators
  from (
    select community_key, joins - leaves as members, toInt64(0) as moderators from member_moves
    where not {{ in_range('day', '29 days') }}
    union all
    select community_key, toInt64(0), delta from moderator_moves where not {{ in_range('day', '29 days') }}
  )
  group by community_key
),

activity as (
  select x.day as day, x.community_key as community_key, sum(x.publications) as n_publications,
    sum(x.comments) as n_comments, sum(x.replies) as n_replies, sum(x.reactions) as n_reactions,
    countIf(x.publications + x.comments + x.reactions > 0) as n_actors
  from {{ ref('int_community_activity') }} as x
  where {{ in_range('x.day') }}
  group by x.day, x.community_key
),

engaged_7d as (
  -- each day a user acted in a community makes them engaged on that day and the six after it
  select * from (
    select distinct arrayJoin(arrayMap(i -> day + i, range(7))) as window_end, day, community_key, actor_user_key
    from {{ ref('int_community_activity') }}
    where {{ in_range('day', '6 days') }}
  )
  where {{ in_range('window_end') }}
),

active as (
  select e.window_end as day, e.community_key as community_key,
    uniqExactIf(e.actor_user_key, e.day = e.window_end) as active_members,
    uniqExact(e.actor_user_key) as active_members_7d
  from engaged_7d as e
  inner join intervals as m on m.community_key = e.community_key and m.member_user_key = e.actor_user_key
  where m.joined_at < toDateTime64(e.window_end + 1, 6, 'UTC')
    and (m.left_at is null or m.left_at >= toDateTime64(e.window_end + 1, 6, 'UTC'))
  group by e.window_end, e.community_key
),

filed as (
  select community_key, toDate(assumeNotNull(filed_at)) as day, count() as complaints_filed
  from {{ ref('fact_complaint') }}
  where {{ in_range('filed_at') }}
  group by community_key, day
),

resolved as (
  select community_key, day, toUInt64(sum(n)) as complaints_resolved,
    mapFromArrays(groupArray(resolver_user_key), groupArray(n)) as resolved_by
  from (
    select community_key, toDate(assumeNotNull(resolved_at)) as day, assumeNotNull(resolver_user_key) as resolver_user_key,
      count() as n
    from {{ ref('fact_complaint') }}
    where resolved_at is not null and {{ in_range('resolved_at') }}
    group by community_key, day, resolver_user_key
  )
  group by community_key, day
),

daily as (
  select
    g.day as day,
    assumeNotNull(g.community_key) as community_key,
    g.name as community_name,
    g.kind as community_kind,
    g.topic as topic,
    coalesce(mm.joins, 0) as joins,
    coalesce(mm.leaves, 0) as leaves,
    joins - leaves as growth,
    sum(growth) over (partition by community_key order by day range between 6 preceding and current row) as growth_7d,
    sum(growth) over (partition by community_key order by day range between 29 preceding and current row)
      as growth_30d,
    bg.members + sum(growth) over (partition by community_key order by day
      range between unbounded preceding and current row) as members_signed,
    bg.moderators + sum(coalesce(md.delta, 0)) over (partition by community_key order by day
      range between unbounded preceding and current row) as moderators_signed,
    coalesce(a.n_publications, 0) as publications,
    coalesce(a.n_comments, 0) as comments,
    coalesce(a.n_replies, 0) as replies,
    coalesce(a.n_reactions, 0) as reactions,
    coalesce(a.n_actors, 0) as actors,
    coalesce(f.complaints_filed, 0) as complaints_filed,
    coalesce(r.complaints_resolved, 0) as complaints_resolved,
    r.resolved_by as resolved_by,
    coalesce(x.active_members, 0) as active_members,
    coalesce(x.active_members_7d, 0) as active_members_7d
  from grid as g
  left join before_grid as bg on bg.community_key = g.community_key
  left join member_moves as mm on mm.community_key = g.community_key and mm.day = g.day
  left join moderator_moves as md on md.community_key = g.community_key and md.day = g.day
  left join activity as a on a.community_key = g.community_key and a.day = g.day
  left join filed as f on f.community_key = g.community_key and f.day = g.day
  left join resolved as r on r.community_key = g.community_key and r.day = g.day
  left join active as x on x.community_key = g.community_key and x.day = g.day
)

select
  day,
  community_key,
  community_name,
  community_kind,
  topic,
  toUInt64(joins) as joins,
  toUInt64(leaves) as leaves,
  growth,
  growth_7d,
  growth_30d,
  if(community_key = -1, null,
    dense_rank() over (partition by day, community_key = -1 order by growth_7d desc)) as rank_growth_7d,
  if(community_key = -1, null,
    dense_rank() over (partition by day, community_key = -1 order by growth_30d desc)) as rank_growth_30d,
  toUInt64(publications) as publications,
  toUInt64(comments) as comments,
  toUInt64(replies) as replies,
  toUInt64(reactions) as reactions,
  toUInt64(actors) as actors,
  toUInt64(moderators_signed) as moderators,
  toUInt64(complaints_filed) as complaints_filed,
  complaints_resolved,
  resolved_by,
  if(moderators = 0, null, complaints_filed / moderators) as complaints_per_moderator,
  toUInt64(members_signed) as members,
  toUInt64(active_members) as active_members,
  if(members = 0, null, active_members / members) as engagement,
  toUInt64(active_members_7d) as active_members_7d,
  if(members = 0, null, active_members_7d / members) as engagement_7d
from daily
where {{ in_range('day') }}
