#!/bin/sh
# One-shot job (temporal-schema-setup, temporalio/admin-tools image) run before the Temporal server starts: brings
# Temporal's two PostgreSQL databases to the schema of this Temporal version, the way Temporal's own compose samples
# (temporalio/samples-server, compose/scripts/setup-postgres.sh) do it with temporal-sql-tool. Idempotent: on a
# database already at this version both steps do nothing, and after an image upgrade update-schema applies the
# new versions' migrations. The databases themselves are created by deploy/postgres/init-databases.sh.
set -eu

host="${POSTGRES_SEEDS:-postgresql}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
# temporal-sql-tool reads the password from SQL_PASSWORD, which keeps it off the command line.
SQL_PASSWORD="${POSTGRES_PWD:?POSTGRES_PWD must be set}"
export SQL_PASSWORD
schema_dir=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${host}:${port}"
tries=0
until nc -z -w 5 "$host" "$port"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "PostgreSQL at ${host}:${port} did not answer within 2 minutes" >&2
    exit 1
  fi
  sleep 2
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"
}

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  kind="${pair#*:}"
  echo "schema of ${db} (${kind})"
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "${schema_dir}/${kind}/versioned"
done
echo "Temporal schema is up to date"
