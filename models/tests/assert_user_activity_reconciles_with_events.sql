/*
description: >
  fact_user_activity holds exactly the actions of landing.events (events with a non-null actor), per day: the same
  number of rows and of distinct actors, and the same community wherever the event names one. Checked over the newest
  three hours of events (the late window, where increments rewrite rows; older hours were checked when they were
  built), so that the audit of a one-minute increment stays cheap however large the warehouse grows.
*/
with since as (
  select max(occurred_at) - interval '3 hours' as t from {{ source('landing', 'events') }}
),

events as (
  select {{ date_key('occurred_at') }} as date_key, count(*) as actions, count(distinct actor_user_id) as actors,
    count(*) filter (where payload ->> 'community_id' is not null) as named_community
  from {{ source('landing', 'events') }}
  where actor_user_id is not null and occurred_at >= (select t from since)
  group by 1
),

facts as (
  select a.date_key, count(*) as actions, count(distinct a.actor_user_key) as actors,
    count(*) filter (where b.event_community_key <> -1 and a.community_key = b.event_community_key) as named_community
  from {{ ref('fact_user_activity') }} as a
  join {{ ref('fact_user_activity_base') }} as b on b.event_id = a.event_id
  where a.occurred_at >= (select t from since)
  group by 1
)

select coalesce(e.date_key, f.date_key) as date_key, e.actions as event_actions, f.actions as fact_actions,
  e.actors as event_actors, f.actors as fact_actors, e.named_community as event_named, f.named_community as fact_named
from events as e
full join facts as f on f.date_key = e.date_key
where e.actions is distinct from f.actions or e.actors is distinct from f.actors
  or e.named_community is distinct from f.named_community
