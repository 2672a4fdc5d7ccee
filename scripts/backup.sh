#!/usr/bin/env bash
# `make backup`: the app database in pg_dump's custom format (compressed; `make restore` reads it).
#
#   make backup                          -> var/backups/iop-<UTC time>.dump
#   make backup BACKUP=/path/file.dump   -> that file
#
# Connection settings are those of `make run` (scripts/bootstrap.sh: PGHOST, PGPORT, PGSUPERUSER,
# IOP_DB_NAME). The dump runs as the PostgreSQL superuser: every tenant table has FORCE ROW LEVEL
# SECURITY, so neither the owner nor the app role can read all tenants' rows (pg_dump as the owner
# stops with "query would be affected by row-level security policy"), and a backup must hold every
# tenant. The file is written beside its final name and renamed when pg_dump succeeded, so a
# failed or interrupted backup never leaves a file that looks complete.
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

backup="${1:-${BACKUP:-}}"
if [[ -z "$backup" ]]; then
    mkdir -p "$IOP_ROOT/var/backups"
    backup="$IOP_ROOT/var/backups/$IOP_DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi
command -v pg_dump >/dev/null 2>&1 || iop_die "pg_dump is not installed." "Install it (Debian):  apt-get install postgresql-client"

iop_step "Backing up database $IOP_DB_NAME on $PGHOST:$PGPORT to $backup"
partial="$backup.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-password -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" -d "$IOP_DB_NAME" -f "$partial" \
    || iop_die "pg_dump of $IOP_DB_NAME failed (nothing was written to $backup)."
mv "$partial" "$backup"
printf 'Backup written: %s (%s bytes)\n' "$backup" "$(stat -c %s "$backup")"
