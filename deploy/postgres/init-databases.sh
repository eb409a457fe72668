#!/usr/bin/env bash
# One database and one login role per service, each role owning only its own database.
#
# Run by the official postgres image from /docker-entrypoint-initdb.d/ on the FIRST start of an
# empty data volume only (docker-compose.yml mounts it there). The passwords come from the
# container environment (<SERVICE>_DB_PASSWORD, set in .env).
#
# Safe to run again by hand, e.g. after adding a service or to rotate passwords:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-init-databases.sh
# (existing roles get their password reset to the current value, existing databases are kept).
#
# The gateway has a database too because gateway.config.Settings requires GATEWAY_DATABASE_URL
# in production (outbox/inbox tables today). Where its server-side sessions live (Redis or
# PostgreSQL) is decided in the gateway's own issue; if that drops the database, remove the
# gateway line below and GATEWAY_DATABASE_URL / GATEWAY_DB_PASSWORD from docker-compose.yml.
set -euo pipefail

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

create_service_db() {
    local name="$1" password="$2"
    if [[ -z "$password" ]]; then
        echo "init-databases: no password for role '$name' (set ${name^^}_DB_PASSWORD)" >&2
        exit 1
    fi
    echo "init-databases: database and role '$name'"

    # Identifiers and the password are passed as psql variables and quoted by format(%I/%L),
    # never spliced into SQL text. \gexec runs each generated statement outside a transaction,
    # as CREATE DATABASE requires.
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        --set=name="$name" --set=password="$password" <<'EOSQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', :'name')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'name', :'name', 'UTF8')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'name', :'name') \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'name') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'name', :'name') \gexec
EOSQL

    # Inside the new database: the public schema belongs to the service role alone.
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$name" \
        --set=name="$name" <<'EOSQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'name') \gexec
REVOKE ALL ON SCHEMA public FROM PUBLIC;
EOSQL
}

# name (= database = role)   password (from the container environment)
create_service_db sso       "${SSO_DB_PASSWORD:-}"
create_service_db gateway   "${GATEWAY_DB_PASSWORD:-}"
create_service_db insurance "${INSURANCE_DB_PASSWORD:-}"
create_service_db risk      "${RISK_DB_PASSWORD:-}"
create_service_db valueadd  "${VALUEADD_DB_PASSWORD:-}"
create_service_db orders    "${ORDERS_DB_PASSWORD:-}"
create_service_db finance   "${FINANCE_DB_PASSWORD:-}"

# Service roles may not connect to the maintenance database either.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=db="$POSTGRES_DB" <<'EOSQL'
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \gexec
EOSQL
