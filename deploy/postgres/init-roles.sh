#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory
# (/docker-entrypoint-initdb.d). Creates the IOP Ops roles and database from the same SQL that
# `make run` uses locally, with the passwords from the container's environment.
set -euo pipefail

: "${IOP_DB_OWNER_PASSWORD:?set IOP_DB_OWNER_PASSWORD}"
: "${IOP_DB_APP_PASSWORD:?set IOP_DB_APP_PASSWORD}"

psql -X -q --username "$POSTGRES_USER" --dbname postgres \
    -v owner_role="${IOP_DB_OWNER:-iop_owner}" -v app_role="${IOP_DB_APP_ROLE:-iop_app}" \
    -v db_name="${IOP_DB_NAME:-iop}" \
    -v owner_password="$IOP_DB_OWNER_PASSWORD" -v app_password="$IOP_DB_APP_PASSWORD" \
    -f /iop/roles.sql
