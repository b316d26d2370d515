-- Log-in and password of the warehouse's three roles, for both stacks: the `postgres-roles` one-shot of
-- docker/compose.yml and the native stack (dev/services/postgres.ts) run it with psql on every start, as the
-- warehouse owner (or a superuser), with the passwords from the configuration:
--   psql -v ON_ERROR_STOP=1 -v loader_password=... -v modeller_password=... -v reader_password=... -f role_logins.sql
-- What each role may do is the migration's business (src/pipeline/migrations/20261130_0003_roles.sql); this file
-- only creates a missing role, so that the password can be set before the first migration, and sets the password.
-- Idempotent. Passwords never appear in migrations, images or logs.
\set ECHO none
select format('create role %I', r)
  from unnest(array['socialpulse_loader', 'socialpulse_modeller', 'socialpulse_reader']) as r
 where not exists (select from pg_roles where rolname = r)
\gexec
alter role socialpulse_loader login password :'loader_password';
alter role socialpulse_modeller login password :'modeller_password';
alter role socialpulse_reader login password :'reader_password';
