/*
materialized: incremental
incremental_strategy: delete+insert
unique_key: event_id
time_column: occurred_at
indexes: [[event_id]]
description: >
  Replays: every occurrence of an entity after its first (first by `occurred_at`, then `event_id`), with the
  occurrence that wins. The staging views of entity-creating events leave these events out, so a replayed entity
  neither fails a fact's `unique` test nor stalls the build. An increment looks only at the entities its window
  touches; a replay stays a replay whatever arrives later (an earlier occurrence only adds losers).
grain: one row per losing occurrence of a replayed entity
columns:
  event_id: { tests: [unique, not_null] }
  winner_event_id: { description: the occurrence that stays, tests: [not_null] }
  occurrence: { description: "the rank of this occurrence: 2 for the first replay, 3 for the next" }
tests:
  - expression: occurrence > 1 and event_id <> winner_event_id
*/
with touched as (
  select entity_id
  from {{ ref('stg_entity_occurrences') }}
  where entity_id in (select entity_id from {{ ref('stg_entity_occurrences') }} where {{ in_range('occurred_at') }})
  group by entity_id
  having count(*) > 1
),

ranked as (
  select
    o.event_id,
    o.event_type,
    o.entity_id,
    o.occurred_at,
    o.batch_id,
    row_number() over w as occurrence,
    first_value(o.event_id) over w as winner_event_id
  from {{ ref('stg_entity_occurrences') }} as o
  where o.entity_id in (select entity_id from touched)
  window w as (partition by o.entity_id order by o.occurred_at, o.event_id)
)

select event_id, event_type, entity_id, occurred_at, batch_id, occurrence, winner_event_id
from ranked
where occurrence > 1
