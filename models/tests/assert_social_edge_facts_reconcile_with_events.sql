/*
description: >
  The three facts split from the social-edge events hold each event once, with the envelope's actor as the acting
  user: fact_social_edge_event (friend, follow, close friend), fact_safety_action (block, mute) and
  fact_subscription_event (the subscriber acts). In an increment's audit it checks the events in the increment's
  slices (`in_range`; older slices were checked when they were built), so that its cost follows the new data, not
  the warehouse's age; a full build checks them all.
  A warning, not a block: a batch the pipeline loads while a build runs is already in landing.events but reaches the
  facts only at the next build (every node works on the loaded batches of the run's start), so during that window
  the two differ by design; a difference that outlives the next build is a real break.
severity: warn
*/
with facts as (
  select event_id, actor_user_key from {{ ref('fact_social_edge_event') }} where {{ in_range('occurred_at') }}
  union all
  select event_id, actor_user_key from {{ ref('fact_safety_action') }} where {{ in_range('occurred_at') }}
  union all
  select event_id, subscriber_user_key from {{ ref('fact_subscription_event') }} where {{ in_range('occurred_at') }}
),

events as (
  select event_id, {{ surrogate_key('actor_user_id') }} as actor_user_key from {{ ref('stg_social_edge_events') }}
  where {{ in_range('occurred_at') }}
)

select coalesce(e.event_id, f.event_id) as event_id, e.actor_user_key as event_actor, f.actor_user_key as fact_actor,
  count(*) over (partition by f.event_id) as fact_rows
from events as e
full join facts as f on f.event_id = e.event_id
where e.actor_user_key is distinct from f.actor_user_key
union all
select event_id, null, null, count(*) from facts group by event_id having count(*) > 1
