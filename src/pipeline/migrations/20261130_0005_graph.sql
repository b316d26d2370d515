-- The graph's schema and tables (issue 11), so that they exist before `deno task graph sync` or `graph metrics` has
-- ever run: the ClickHouse marts read the result tables through the runner, and a fresh warehouse must build its
-- marts with empty graph tables. The columns are exactly those src/graph/store.ts (sync_state, edge_state) and
-- src/graph/results.ts (the results) create in a prefixed schema; tests/graph_schema_test.ts fails when they differ.
-- Owned by the modeller (the graph step writes them), read by the reader (20261130_0003_roles.sql).

create schema if not exists graph;

-- The watermark of `graph sync` (one row) and the folded state of every stateful relationship.
create table if not exists graph.sync_state (
  id boolean primary key default true check (id),
  processed int8multirange not null default '{}',
  snapshot_at timestamptz,
  synced_at timestamptz
);
create table if not exists graph.edge_state (
  rel text not null,
  src bigint not null,
  dst bigint not null,
  present boolean not null,
  at timestamptz not null,
  event_id text not null,
  props jsonb,
  primary key (rel, src, dst)
);

-- The results of `graph metrics`, replaced together in one transaction per run; every row carries the snapshot time
-- (the newest event the graph reflects) and the time of computation.
create table if not exists graph.user_pagerank (
  user_key bigint primary key,
  user_id uuid,
  score double precision not null,
  rank integer not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);
create table if not exists graph.user_degree (
  user_key bigint primary key,
  user_id uuid,
  friends integer not null,
  followers integer not null,
  following integer not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);
create table if not exists graph.user_friendship (
  user_key bigint primary key,
  user_id uuid,
  reach_1 integer not null,
  reach_2 integer not null,
  reach_3 integer not null,
  reach_within_3 integer not null,
  component integer not null,
  component_size integer not null,
  eccentricity integer,
  eccentricity_lower integer not null,
  eccentricity_upper integer not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);
create table if not exists graph.components (
  component integer primary key,
  size integer not null,
  is_largest boolean not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);
create table if not exists graph.network (
  users integer not null,
  friendships integer not null,
  follows integer not null,
  components integer not null,
  largest_component integer not null,
  diameter integer not null,
  diameter_lower integer not null,
  diameter_upper integer not null,
  diameter_is_estimate boolean not null,
  average_path double precision,
  average_path_is_estimate boolean not null,
  average_path_sample integer,
  avg_friends_all double precision not null,
  avg_friends_nonzero double precision,
  avg_followers_all double precision not null,
  avg_followers_nonzero double precision,
  avg_following_all double precision not null,
  avg_following_nonzero double precision,
  pagerank_damping double precision not null,
  pagerank_max_iterations integer not null,
  pagerank_tolerance double precision not null,
  timings jsonb not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);
create table if not exists graph.cascades (
  publication_key bigint primary key,
  author_user_key bigint,
  reposts integer not null,
  quotes integer not null,
  shares integer not null,
  depth integer not null,
  breadth integer not null,
  distinct_sharers integer not null,
  snapshot_at timestamptz not null,
  computed_at timestamptz not null
);

-- The modeller owns the schema and every table in it (also tables an earlier `graph` run created as the owner).
alter schema graph owner to socialpulse_modeller;
do $$
declare
  t record;
begin
  for t in
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'graph' and c.relkind in ('r', 'p') and pg_get_userbyid(c.relowner) <> 'socialpulse_modeller'
  loop
    execute format('alter table graph.%I owner to socialpulse_modeller', t.relname);
  end loop;
end $$;
grant usage on schema graph to socialpulse_reader;
grant select on all tables in schema graph to socialpulse_reader;
