/*
engine: postgres
schema: core
materialized: view
description: >
  The users as the ClickHouse marts read them: the current version of every user in core.dim_user (its -1 member
  left out), without the array column `badges`. ClickHouse's postgresql() cannot read the structure of a table whose
  array column has no declared dimensions (a table made by CREATE TABLE AS) when its first row holds an empty
  array, as dim_user's rows without badges do (see int_campaign). The names beside the ids of mart_user_influence,
  and the signed-up users of mart_network_daily.
grain: one row per user
columns:
  user_key: { description: durable surrogate key of the user (dim_user), tests: [unique, not_null] }
  user_id: natural key
  username: the user's handle (fixed at sign-up)
  display_name: the user's current display name
  signed_up_at: when the user signed up (UTC)
*/
select
  user_key,
  user_id,
  username,
  display_name,
  signed_up_at
from {{ ref('dim_user') }}
where is_current and user_key <> -1
