-- Log-in and password of the warehouse's three roles, for both stacks: the `postgres-roles` one-shot of
-- docker/compose.yml and the native stack (dev/services/postgres.ts) run it with psql on every start, as the
-- warehouse owner (or a superuser), with the passwords in the environment (never on a command line):
--   POSTGRES_LOADER_PASSWORD=... POSTGRES_MODELLER_PASSWORD=... POSTGRES_READER_PASSWORD=... \
--     psql -v ON_ERROR_STOP=1 -f role_logins.sql
-- What each role may do is the migration's business (src/pipeline/migrations/20261130_0003_roles.sql); this file
-- only creates a missing role, so that the password can be set before the first migration, and sets the password.
-- Idempotent. Passwords never appear in migrations, images, command lines or logs.
\set ECHO none
\getenv loader_password POSTGRES_LOADER_PASSWORD
\getenv modeller_password POSTGRES_MODELLER_PASSWORD
\getenv reader_password POSTGRES_READER_PASSWORD
\if :{?loader_password}
\else
  do $$ begin raise exception 'POSTGRES_LOADER_PASSWORD is not set'; end $$;
\endif
\if :{?modeller_password}
\else
  do $$ begin raise exception 'POSTGRES_MODELLER_PASSWORD is not set'; end $$;
\endif
\if :{?reader_password}
\else
  do $$ begin raise exception 'POSTGRES_READER_PASSWORD is not set'; end $$;
\endif
select format('create role %I', r)
  from unnest(array['socialpulse_loader', 'socialpulse_modeller', 'socialpulse_reader']) as r
 where not exists (select from pg_roles where rolname = r)
\gexec
alter role socialpulse_loader login password :'loader_password';
alter role socialpulse_modeller login password :'modeller_password';
alter role socialpulse_reader login password :'reader_password';
