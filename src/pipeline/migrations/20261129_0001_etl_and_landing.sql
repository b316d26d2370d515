-- Batch bookkeeping (schema etl) and the landing table of validated, cleaned, de-duplicated events (schema landing).
-- Every input line of every claimed file ends in exactly one place: landing.events (loaded), etl.rejected
-- (quarantined, with a reason) or etl.duplicates (counted, not loaded).

create schema if not exists etl;
create schema if not exists landing;

-- One run of extract claims a set of new raw files into a batch; later steps move the batch forward.
-- status is the last step that completed; failed_step/error hold the last failure (cleared on success).
create table etl.batches (
  batch_id      bigint generated always as identity primary key,
  status        text not null default 'claimed'
                check (status in ('claimed', 'extracted', 'validated', 'cleaned', 'loaded')),
  created_at    timestamptz not null default now(),
  extracted_at  timestamptz,
  validated_at  timestamptz,
  cleaned_at    timestamptz,
  loaded_at     timestamptz,
  files         int not null default 0,
  bytes         bigint not null default 0,
  lines_in      bigint,
  valid         bigint,
  quarantined   bigint,
  duplicates    bigint,
  loaded        bigint,
  late          bigint,
  step_ms       jsonb not null default '{}'::jsonb,
  failed_step   text,
  error         text,
  updated_at    timestamptz not null default now()
);

-- A raw object version (key + etag) is claimed by exactly one batch: the primary key makes two concurrent
-- extract runs race safely (the loser's insert conflicts and it skips the file).
create table etl.files (
  key          text not null,
  etag         text not null,
  size         bigint not null,
  batch_id     bigint not null references etl.batches (batch_id),
  file_minute  timestamptz,            -- the minute in the file name; events before it are late
  staged_key   text,                   -- copy in the staging area, set once staged
  lines_in     int,
  claimed_at   timestamptz not null default now(),
  primary key (key, etag)
);
create index files_batch_idx on etl.files (batch_id);

-- Quarantine: one row per rejected line, with a reason code and the raw line (truncated past 64 KiB; the whole
-- line is in the bucket under quarantine/).
create table etl.rejected (
  batch_id       bigint not null references etl.batches (batch_id),
  file_key       text not null,
  line_no        int not null,
  reason         text not null,
  detail         text,
  raw_line       text,
  raw_bytes      int not null,
  raw_truncated  boolean not null default false,
  primary key (batch_id, file_key, line_no)
);
create index rejected_reason_idx on etl.rejected (reason);

-- Duplicates by event_id: within the batch (first_batch_id = batch_id) or of an event already loaded earlier.
create table etl.duplicates (
  batch_id        bigint not null references etl.batches (batch_id),
  file_key        text not null,
  line_no         int not null,
  event_id        uuid not null,
  first_batch_id  bigint,
  primary key (batch_id, file_key, line_no)
);

-- Days (of occurred_at) that a batch's events touch: incremental models recompute exactly these.
create table etl.batch_days (
  batch_id  bigint not null references etl.batches (batch_id),
  day       date not null,
  events    bigint not null,
  late      bigint not null,
  primary key (batch_id, day)
);

-- Landing: one row per distinct valid event. The payload stays JSON; staging models type it per event type.
create table landing.events (
  event_id        uuid primary key,
  event_type      text not null,
  schema_version  smallint not null,
  occurred_at     timestamptz not null,
  actor_user_id   uuid,
  payload         jsonb not null,
  batch_id        bigint not null references etl.batches (batch_id),
  file_key        text not null,
  line_no         int not null,
  file_minute     timestamptz,
  is_late         boolean not null,
  loaded_at       timestamptz not null default now()
);
create index events_type_time_idx on landing.events (event_type, occurred_at);
create index events_time_idx on landing.events (occurred_at);
create index events_batch_idx on landing.events (batch_id);
