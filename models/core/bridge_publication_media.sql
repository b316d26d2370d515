/*
materialized: incremental
incremental_strategy: time_range
time_column: occurred_at
indexes: [[occurred_at]]
description: >
  Which media are attached to which publication, at which position (a many-to-many bridge between
  dim_publication and dim_media).
grain: one row per attachment (publication x media item)
unique_key: attachment_id
tags: [bridge]
columns:
  attachment_id: { tests: [unique, not_null] }
  publication_key: { tests: [not_null, { relationships: { to: dim_publication, field: publication_key } }] }
  media_key: { tests: [not_null, { relationships: { to: dim_media, field: media_key, severity: warn } }] }
*/
select
  attachment_id,
  {{ surrogate_key('publication_id') }} as publication_key,
  {{ surrogate_key('media_id') }} as media_key,
  media_type,
  position,
  occurred_at
from {{ ref('stg_publication_attachments') }}
where {{ in_range('occurred_at') }}
