/*
materialized: table
order_by: tuple()
description: >
  A local ClickHouse copy of the star's membership and moderator intervals (fact_membership_interval,
  fact_moderator_interval), rebuilt whole on every build (both are small and change by community, not by day), so that
  mart_community_daily reads each from PostgreSQL once per build: ClickHouse inlines a CTE wherever it is used, and
  the mart's CTEs read the intervals about nine times over.
grain: one row per membership interval or moderator role interval
columns:
  role: { description: "'member' (fact_membership_interval) or 'moderator' (fact_moderator_interval)", tests: [{ accepted_values: { values: [member, moderator] } }] }
  community_key: the community (dim_community)
  user_key: the member or the moderator (dim_user's durable user_key)
  started_at: "when the membership or the role started (joined_at, started_at; UTC)"
  ended_at: "when it ended (left_at, ended_at); NULL while it lasts"
*/
select 'member' as role, community_key, member_user_key as user_key, joined_at as started_at, left_at as ended_at
from {{ ref('fact_membership_interval') }}
union all
select 'moderator', community_key, moderator_user_key, started_at, ended_at
from {{ ref('fact_moderator_interval') }}
