-- The durable state of the alerts (src/alerts/), in schema etl: every step summary and run the Airflow callbacks
-- report, the incidents of failing tasks, the digests sent and the batches warned about. `deno task notify` used to
-- create these tables on first use; it now works as the loader, which may write etl's rows but create nothing, so
-- the tables come from this migration (a warehouse where notify already created them keeps them as they are).

create table if not exists etl.alert_steps (
  dag_id       text not null,
  run_id       text not null,
  task_id      text not null,
  try_number   int not null,
  summary      jsonb not null,
  duration_ms  bigint,
  finished_at  timestamptz not null default now(),
  primary key (dag_id, run_id, task_id)
);
create table if not exists etl.alert_runs (
  dag_id       text not null,
  run_id       text not null,
  state        text not null check (state in ('success', 'failed')),
  started_at   timestamptz,
  finished_at  timestamptz not null,
  digested_at  timestamptz,
  primary key (dag_id, run_id)
);
create table if not exists etl.alert_incidents (
  incident_id    bigint generated always as identity primary key,
  dag_id         text not null,
  task_id        text not null,
  first_run_id   text not null,
  last_run_id    text not null,
  failures       int not null default 1,
  opened_at      timestamptz not null default now(),
  last_failed_at timestamptz not null default now(),
  try_number     int not null,
  error          text not null,
  log_url        text not null,
  log_tail       text not null,
  notified_at    timestamptz,
  closed_at      timestamptz,
  closed_run_id  text
);
create unique index if not exists alert_incidents_open_idx on etl.alert_incidents (dag_id, task_id)
  where closed_at is null;
create table if not exists etl.alert_quality (
  batch_id   bigint primary key,
  run_id     text not null,
  ratio      double precision not null,
  warned_at  timestamptz not null default now()
);

-- notify works as the loader: rows only. (The default privileges of 20261130_0003_roles.sql grant the same to what
-- the migrations' owner creates in etl; tables notify created earlier need it said.)
grant select, insert, update, delete on etl.alert_steps, etl.alert_runs, etl.alert_incidents, etl.alert_quality
  to socialpulse_loader;
grant usage, select, update on all sequences in schema etl to socialpulse_loader;
