-- Least privilege: three roles instead of one all-powerful user. The migration owns what each role may do; the
-- stacks give the roles their log-in and password (docker/postgres/role_logins.sql, run by compose's postgres-roles
-- one-shot and by the native stack), so that no secret is ever part of a migration.
--   socialpulse_loader    extract, validate, clean, load: reads and writes etl and landing, nothing else
--   socialpulse_modeller  the model runner and the graph step: reads etl and landing; owns staging, core, graph and
--                         runner (the runner's state), so it may create, replace and drop what is in them
--   socialpulse_reader    the dashboard and exports: reads core and graph
-- The user that applies migrations (POSTGRES_USER, the database owner) must be allowed to create roles: the Docker
-- image's user is a superuser; the native stack gives its user CREATEROLE. Roles belong to the whole server, so
-- several databases (the tests' private ones) share them; every statement here may run again, and concurrently.

do $$
declare
  r text;
begin
  foreach r in array array['socialpulse_loader', 'socialpulse_modeller', 'socialpulse_reader'] loop
    if not exists (select from pg_roles where rolname = r) then
      begin
        execute format('create role %I', r);
      exception when duplicate_object or unique_violation then
        null; -- another database's migration created it a moment ago
      end;
    end if;
  end loop;
  -- The owner becomes a member of the modeller: needed to hand it schemas and to set its default privileges.
  if not pg_has_role(current_user, 'socialpulse_modeller', 'member') then
    begin
      execute format('grant socialpulse_modeller to %I', current_user);
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end $$;

-- The modeller's schemas. An existing schema, and what it holds, changes owner (a warehouse from before the roles).
create schema if not exists staging;
create schema if not exists core;
create schema if not exists graph;
create schema if not exists runner;
do $$
declare
  s text;
  rel record;
begin
  foreach s in array array['staging', 'core', 'graph', 'runner'] loop
    execute format('alter schema %I owner to socialpulse_modeller', s);
    for rel in
      select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = s and c.relkind in ('r', 'p', 'v', 'm', 'f')
         and pg_get_userbyid(c.relowner) <> 'socialpulse_modeller'
    loop
      execute format('alter %s %I.%I owner to socialpulse_modeller',
        case rel.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table'
          else 'table' end, s, rel.relname);
    end loop;
  end loop;
end $$;

-- Loader: etl and landing, rows only (no DDL: the migrations own those tables).
grant usage on schema etl, landing to socialpulse_loader;
grant select, insert, update, delete on all tables in schema etl, landing to socialpulse_loader;
grant usage, select, update on all sequences in schema etl, landing to socialpulse_loader;
alter default privileges in schema etl, landing grant select, insert, update, delete on tables to socialpulse_loader;
alter default privileges in schema etl, landing grant usage, select, update on sequences to socialpulse_loader;
-- The migrations' bookkeeping: every task checks it before it starts.
grant select on public.schema_migrations to socialpulse_loader, socialpulse_modeller;

-- Modeller: reads what the loader wrote; creates its schemas' objects (CREATE on the database for `create schema
-- if not exists`, which checks that privilege before it sees that the schema exists).
grant usage on schema etl, landing to socialpulse_modeller;
grant select on all tables in schema etl, landing to socialpulse_modeller;
alter default privileges in schema etl, landing grant select on tables to socialpulse_modeller;
do $$
begin
  execute format('grant create, connect on database %I to socialpulse_modeller', current_database());
  execute format('grant connect on database %I to socialpulse_loader, socialpulse_reader', current_database());
end $$;

-- What later migrations create in the modeller's schemas (the owner's objects) stays the modeller's to write.
alter default privileges in schema staging, core, graph, runner grant all on tables to socialpulse_modeller;
alter default privileges in schema staging, core, graph, runner grant all on sequences to socialpulse_modeller;

-- Reader: core and graph, read only, including what the modeller creates there later.
grant usage on schema core, graph to socialpulse_reader;
grant select on all tables in schema core, graph to socialpulse_reader;
alter default privileges for role socialpulse_modeller in schema core, graph grant select on tables to socialpulse_reader;
alter default privileges in schema core, graph grant select on tables to socialpulse_reader;
