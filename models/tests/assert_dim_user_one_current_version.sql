/*
description: Every user has exactly one current version in dim_user, and it is the one without a valid_to.
*/
select user_key, count(*) filter (where is_current) as current_versions
from {{ ref('dim_user') }}
group by user_key
having count(*) filter (where is_current) <> 1
  or count(*) filter (where is_current and valid_to is not null) > 0
