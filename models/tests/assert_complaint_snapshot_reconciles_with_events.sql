/*
description: >
  fact_complaint (an accumulating snapshot) agrees with the events: one row per complaint filed, and each complaint
  resolution completes its complaint's row with the same resolver, resolution and time.
  A warning, not a block: the events side reads landing.events, where a batch the pipeline loads while a build runs
  is already visible though the facts get it only at the next build; a difference that outlives the next build is a
  real break.
severity: warn
*/
with filed as (
  select {{ surrogate_key('complaint_id') }} as complaint_key, occurred_at from {{ ref('stg_complaints') }}
),

resolved as (
  select distinct on (complaint_id) {{ surrogate_key('complaint_id') }} as complaint_key,
    {{ surrogate_key('moderator_user_id') }} as resolver_user_key, resolution, occurred_at
  from {{ ref('stg_complaint_resolutions') }}
  order by complaint_id, occurred_at, event_id
)

select f.complaint_key, 'filed' as check_failed
from filed as f
left join {{ ref('fact_complaint') }} as c on c.complaint_key = f.complaint_key and c.filed_at = f.occurred_at
where c.complaint_key is null
union all
select c.complaint_key, 'no filing'
from {{ ref('fact_complaint') }} as c
left join filed as f on f.complaint_key = c.complaint_key
where f.complaint_key is null
union all
select r.complaint_key, 'resolution'
from resolved as r
join filed as f on f.complaint_key = r.complaint_key
left join {{ ref('fact_complaint') }} as c
  on c.complaint_key = r.complaint_key and c.resolver_user_key = r.resolver_user_key
  and c.resolution = r.resolution and c.resolved_at = r.occurred_at
where c.complaint_key is null
union all
select c.complaint_key, 'resolved without an event'
from {{ ref('fact_complaint') }} as c
left join resolved as r on r.complaint_key = c.complaint_key
where c.is_resolved and r.complaint_key is null
