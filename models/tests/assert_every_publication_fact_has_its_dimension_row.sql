/*
description: fact_publication and dim_publication describe the same publications (one fact row per dimension row).
*/
select coalesce(f.publication_key, d.publication_key) as publication_key
from {{ ref('fact_publication') }} as f
full join (select publication_key from {{ ref('dim_publication') }} where publication_key <> -1) as d
  on d.publication_key = f.publication_key
where f.publication_key is null or d.publication_key is null
