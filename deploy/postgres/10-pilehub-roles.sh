#!/bin/sh
# Run once by the postgres image, on first start with an empty data volume:
# the two roles of README "A real PostgreSQL" (the owner runs migrations;
# the app role runs tenant queries and may not bypass row-level security)
# and the database the owner owns. Passwords come from deploy/.env.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$PILEHUB_OWNER_PASSWORD" \
  -v app_password="$PILEHUB_APP_PASSWORD" <<'SQL'
CREATE ROLE pilehub LOGIN PASSWORD :'owner_password';
CREATE ROLE pilehub_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOBYPASSRLS;
CREATE DATABASE pilehub OWNER pilehub;
SQL
