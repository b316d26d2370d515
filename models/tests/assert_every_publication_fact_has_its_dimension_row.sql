/*
description: >
  fact_publication and dim_publication describe the same publications (one fact row per dimension row). In an
  increment's audit it checks the publications created in the increment's slices (`in_range`); a full build checks
  them all.
*/
with facts as (
  select publication_key from {{ ref('fact_publication') }} where {{ in_range('occurred_at') }}
),

dimension as (
  select publication_key from {{ ref('dim_publication') }}
  where publication_key <> -1 and {{ in_range('created_at') }}
)

select coalesce(f.publication_key, d.publication_key) as publication_key
from facts as f
full join dimension as d on d.publication_key = f.publication_key
where f.publication_key is null or d.publication_key is null
