/*
description: >
  fact_user_activity_base (the table under the fact_user_activity view) holds exactly the actions of
  landing.events (events with a non-null actor), per day: the same number of rows and of distinct actors. In an
  increment's audit it checks the increment's slices (`in_range`; older slices were checked when they were built),
  so that its cost follows the new data however large the warehouse grows; a full build checks every day. The
  community each action was inside is proven against the generator's ledger by tests/star_metrics_test.ts.
  A warning, not a block: a batch the pipeline loads while a build runs is already in landing.events but reaches the
  facts only at the next build (every node works on the loaded batches of the run's start), so during that window
  the two differ by design; a difference that outlives the next build is a real break.
severity: warn
*/
with events as (
  select {{ date_key('occurred_at') }} as date_key, count(*) as actions, count(distinct actor_user_id) as actors
  from {{ source('landing', 'events') }}
  where actor_user_id is not null and {{ in_range('occurred_at') }}
  group by 1
),

facts as (
  select date_key, count(*) as actions, count(distinct actor_user_key) as actors
  from {{ ref('fact_user_activity_base') }}
  where {{ in_range('occurred_at') }}
  group by 1
)

select coalesce(e.date_key, f.date_key) as date_key, e.actions as event_actions, f.actions as fact_actions,
  e.actors as event_actors, f.actors as fact_actors
from events as e
full join facts as f on f.date_key = e.date_key
where e.actions is distinct from f.actions or e.actors is distinct from f.actors
