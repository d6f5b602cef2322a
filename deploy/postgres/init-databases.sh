#!/usr/bin/env bash
# Creates the roles and databases of the deployment. The postgres image runs this once, as the superuser, when it
# initialises an empty data volume (/docker-entrypoint-initdb.d); it never runs again on an existing volume, so a
# password changed later in .env must also be changed in the database (ALTER ROLE ... PASSWORD ...).
#
#   temporal   owns temporal and temporal_visibility (Temporal's persistence and visibility stores; the
#              temporal-schema-setup service creates their tables, and the visibility schema's btree_gin extension is
#              a trusted one, which a database owner may create: no superuser needed).
#   enrollment owns enrollment (the service's own tables; the worker and API apply its migrations at start).
set -euo pipefail

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set on the postgresql service}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set on the postgresql service}"

# psql variables (:'x' quotes a literal, :"x" an identifier) keep passwords out of the SQL text's quoting.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE enrollment LOGIN PASSWORD :'app_password';
CREATE DATABASE enrollment OWNER enrollment;
SQL
