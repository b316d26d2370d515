/*
description: >
  Every user has exactly one current version in dim_user, and it is the one without a valid_to. In an increment's
  audit it checks the users with a version in the increment's window (`in_range`); a full build checks them all.
*/
with touched as (
  select distinct user_key from {{ ref('dim_user') }} where {{ in_range('valid_from') }}
)

select u.user_key, count(*) filter (where u.is_current) as current_versions
from {{ ref('dim_user') }} as u
join touched as t on t.user_key = u.user_key
group by u.user_key
having count(*) filter (where u.is_current) <> 1
  or count(*) filter (where u.is_current and u.valid_to is not null) > 0
