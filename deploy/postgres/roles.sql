-- IOP Ops database roles and database. Idempotent: safe to run on every start.
--
-- Run as a superuser with psql, which supplies these variables (-v name=value):
--   owner_role, app_role, db_name          e.g. iop_owner, iop_app, iop (db_name '' for none)
--   owner_password, app_password           '' for none (local trust auth)
-- Used by scripts/bootstrap.sh (`make run`, `make test`) and by the postgres container's init
-- script (deploy/postgres/init-roles.sh), so local machines and deployments get the same roles.
--
-- Why two roles: migrations run as the owner; the web and the workers connect as the app role,
-- which owns nothing and has neither SUPERUSER nor BYPASSRLS, so Row-Level Security applies to
-- every query it runs. The owner is granted membership of the app role so the test suite, which
-- connects as the owner to create its database, can `SET ROLE` to the app role and run under RLS.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

SELECT format('CREATE ROLE %I', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec

-- Re-asserted on every run: a role created by hand with SUPERUSER or BYPASSRLS would silently
-- switch tenant isolation off.
ALTER ROLE :"owner_role" LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
ALTER ROLE :"app_role" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;

SELECT format('ALTER ROLE %I PASSWORD %L', :'owner_role', :'owner_password')
 WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app_role', :'app_password')
 WHERE :'app_password' <> '' \gexec

GRANT :"app_role" TO :"owner_role";

-- An empty db_name creates no database (the test suite creates its own, as the owner).
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'owner_role')
 WHERE :'db_name' <> '' AND NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name') \gexec
