#!/bin/sh
# Run once by the postgres image when its data volume is new (docker-entrypoint-initdb.d), as the superuser.
# One database per service, owned by the service's owner role (migrations run as it), and a runtime role that the
# service connects as: it may connect to its own database only, and read and write the tables the owner creates
# there, never change them. The same layout as scripts/roles.py makes for `make run`.
# Passwords come from the Docker secrets /run/secrets/<service>_db_password and <service>_db_owner_password.
set -eu

for service in gateway registry placement subsidy reporting; do
  database="qihang_${service}"
  runtime="qihang_${service}"
  owner="qihang_${service}_owner"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v runtime="$runtime" -v owner="$owner" -v database="$database" \
    -v runtime_password="$(cat "/run/secrets/${service}_db_password")" \
    -v owner_password="$(cat "/run/secrets/${service}_db_owner_password")" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'owner_password';
CREATE ROLE :"runtime" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'runtime_password';
CREATE DATABASE :"database" OWNER :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"runtime";
\connect :"database"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"runtime";
SQL
done
