/*
description: >
  fact_complaint (an accumulating snapshot) agrees with the events: one row per complaint filed, and each complaint
  resolution completes its complaint's row with the same resolver, resolution and time. In an increment's audit it
  checks the complaints filed or resolved in the increment's slices (`in_range`); a full build checks them all.
  A warning, not a block: the events side reads landing.events, where a batch the pipeline loads while a build runs
  is already visible though the facts get it only at the next build; a difference that outlives the next build is a
  real break.
severity: warn
*/
with touched as (
  select complaint_id from {{ ref('stg_complaints') }} where {{ in_range('occurred_at') }}
  union
  select complaint_id from {{ ref('stg_complaint_resolutions') }} where {{ in_range('occurred_at') }}
),

touched_keys as (
  select {{ surrogate_key('complaint_id') }} as complaint_key from touched
),

filed as (
  select {{ surrogate_key('f.complaint_id') }} as complaint_key, f.occurred_at
  from {{ ref('stg_complaints') }} as f
  join touched as t on t.complaint_id = f.complaint_id
),

resolved as (
  select distinct on (r.complaint_id) {{ surrogate_key('r.complaint_id') }} as complaint_key,
    {{ surrogate_key('r.moderator_user_id') }} as resolver_user_key, r.resolution, r.occurred_at
  from {{ ref('stg_complaint_resolutions') }} as r
  join touched as t on t.complaint_id = r.complaint_id
  order by r.complaint_id, r.occurred_at, r.event_id
),

complaints as (
  select c.* from {{ ref('fact_complaint') }} as c join touched_keys as k on k.complaint_key = c.complaint_key
)

select f.complaint_key, 'filed' as check_failed
from filed as f
left join complaints as c on c.complaint_key = f.complaint_key and c.filed_at = f.occurred_at
where c.complaint_key is null
union all
select c.complaint_key, 'no filing'
from complaints as c
left join filed as f on f.complaint_key = c.complaint_key
where f.complaint_key is null
union all
select r.complaint_key, 'resolution'
from resolved as r
join filed as f on f.complaint_key = r.complaint_key
left join complaints as c
  on c.complaint_key = r.complaint_key and c.resolver_user_key = r.resolver_user_key
  and c.resolution = r.resolution and c.resolved_at = r.occurred_at
where c.complaint_key is null
union all
select c.complaint_key, 'resolved without an event'
from complaints as c
left join resolved as r on r.complaint_key = c.complaint_key
where c.is_resolved and r.complaint_key is null
