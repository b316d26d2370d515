/*
description: >
  A reply's root comment is a top-level comment we know (warns while a late root has not arrived yet). In an
  increment's audit it checks the replies in the increment's slices (`in_range`); a full build checks them all.
severity: warn
*/
select r.comment_key, r.root_comment_key
from {{ ref('fact_comment') }} as r
left join {{ ref('fact_comment') }} as c on c.comment_key = r.root_comment_key
where r.is_reply and {{ in_range('r.occurred_at') }} and (c.comment_key is null or c.is_reply)
