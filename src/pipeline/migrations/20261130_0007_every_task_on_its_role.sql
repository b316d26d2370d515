-- Every task on its role (issue 14, item 8): the model runner and the graph step work as socialpulse_modeller, notify
-- and cleanup as socialpulse_loader, etl:report and the dashboard's PostgreSQL reads as socialpulse_reader.
--
-- 1. The modeller owns everything in its schemas. Until now the runner ran as the warehouse owner, so a warehouse
--    built before this migration holds tables, views, indexes and sequences in staging, core and runner that the
--    owner created after 20261130_0003_roles.sql handed the schemas over; the modeller could read and write them but
--    not replace or drop them, which every full refresh does. Each such object changes owner here (indexes and
--    identity sequences follow their table). A later migration that creates objects in staging, core, graph or
--    runner must hand them to the modeller the same way (tests/db_roles_test.ts checks that nothing is left behind).
-- 2. The reader reads what etl:report and the dashboard's pipeline page need, and nothing that holds a raw line:
--    the batch and file accounting of etl, etl.rejected without its raw_line and detail columns, and staging (the
--    replay counts of staging.stg_replayed_events; the runner replaces that table on a full refresh, so only a
--    default privilege on the schema survives it). Staging holds the landed events typed, as core does.
-- 3. The modeller reads what the owner creates: the migrations' etl and landing tables (already granted by name)
--    and a test's private, prefixed copies of them (src/runner/testing.ts), which the runner then builds from.

do $$
declare
  s text;
  obj record;
begin
  foreach s in array array['staging', 'core', 'graph', 'runner'] loop
    execute format('create schema if not exists %I', s);
    execute format('alter schema %I owner to socialpulse_modeller', s);
    -- Relations: tables, views, materialized views, foreign tables and sequences that belong to no column.
    for obj in
      select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = s and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
         and c.relowner <> 'socialpulse_modeller'::regrole and pg_has_role(current_user, c.relowner, 'member')
         and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                          and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i'))
    loop
      execute format('alter %s %I.%I owner to socialpulse_modeller',
        case obj.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table'
          when 'S' then 'sequence' else 'table' end, s, obj.relname);
    end loop;
    -- Functions and procedures (the runner creates none today; a hand-made one must not block a full refresh).
    for obj in
      select p.oid::regprocedure::text as sig, p.prokind from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = s and p.proowner <> 'socialpulse_modeller'::regrole
         and pg_has_role(current_user, p.proowner, 'member')
    loop
      execute format('alter %s %s owner to socialpulse_modeller',
        case obj.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end, obj.sig);
    end loop;
    -- Types of their own (enums, domains, ranges, composite types), not the row types of relations.
    for obj in
      select t.oid::regtype::text as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
       where n.nspname = s and t.typowner <> 'socialpulse_modeller'::regrole
         and pg_has_role(current_user, t.typowner, 'member')
         and t.typtype in ('e', 'd', 'r', 'c') and t.typelem = 0
         and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
    loop
      execute format('alter type %s owner to socialpulse_modeller', obj.name);
    end loop;
  end loop;
end $$;

-- The reader: the pipeline's accounting (no raw line), staging, core and graph; and what the modeller creates there.
grant usage on schema etl, staging, core, graph to socialpulse_reader;
grant select on etl.batches, etl.batch_days, etl.files to socialpulse_reader;
grant select (batch_id, file_key, line_no, reason, raw_bytes, raw_truncated) on etl.rejected to socialpulse_reader;
grant select on all tables in schema staging, core, graph to socialpulse_reader;
alter default privileges for role socialpulse_modeller in schema staging, core, graph
  grant select on tables to socialpulse_reader;

-- The modeller: what the migrations' owner creates later is readable by it, schemas included.
alter default privileges grant usage on schemas to socialpulse_modeller;
alter default privileges grant select on tables to socialpulse_modeller;
