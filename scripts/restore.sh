#!/usr/bin/env bash
# `make restore BACKUP=file.dump`: a `make backup` file into the app database.
#
#   make restore BACKUP=var/backups/iop-....dump                     into IOP_DB_NAME (iop)
#   make restore BACKUP=... IOP_DB_NAME=iop_check                     into another database
#   make restore BACKUP=... REPLACE=1                                 drop an existing one first
#
# The roles are created first (deploy/postgres/roles.sql, as `make run` does): the dump names the
# owner role as the owner of every table and grants the app role its rights, and the restored
# tables keep their Row-Level Security policies, so the app reads the copy exactly as the
# original. The restore is one transaction: it ends with the whole backup or, on an error, with an
# empty database. An existing database is never overwritten unless REPLACE=1 says so (stop the
# web and workers first: its connections are closed).
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

backup="${1:-${BACKUP:-}}"
[[ -n "$backup" ]] || iop_die "Which backup? make restore BACKUP=var/backups/<file>.dump"
[[ -r "$backup" ]] || iop_die "Cannot read the backup file $backup."
command -v pg_restore >/dev/null 2>&1 || iop_die "pg_restore is not installed." "Install it (Debian):  apt-get install postgresql-client"

# SQL on stdin, so the database name travels as a psql variable (:'db' quotes it), never spliced in.
psql_super() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" -d postgres -v db="$IOP_DB_NAME"; }

exists="$(psql_super <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")"
if [[ "$exists" == "1" ]]; then
    [[ "${REPLACE:-}" == "1" ]] || iop_die "Database $IOP_DB_NAME already exists: nothing was restored." \
        "Restore into another database (IOP_DB_NAME=iop_restored make restore BACKUP=...)," \
        "or replace it (stop the web and workers first): REPLACE=1 make restore BACKUP=..."
    iop_step "Dropping the existing database $IOP_DB_NAME (REPLACE=1)"
    psql_super <<<'DROP DATABASE :"db" WITH (FORCE)'
fi

iop_db_ensure "$IOP_DB_NAME"
iop_step "Restoring $backup into $IOP_DB_NAME"
pg_restore --no-password --exit-on-error --single-transaction -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" \
    -d "$IOP_DB_NAME" "$backup" \
    || iop_die "pg_restore into $IOP_DB_NAME failed: the restore was rolled back (the database is empty)."
printf 'Restored %s into %s\n' "$backup" "$IOP_DB_NAME"
