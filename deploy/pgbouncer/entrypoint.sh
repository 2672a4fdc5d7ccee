#!/bin/sh
# The app role's password comes from the environment (.env), never from the image: written to the
# auth file PgBouncer checks clients against and logs in to PostgreSQL with (SCRAM both ways).
set -eu
: "${IOP_DB_APP_PASSWORD:?set IOP_DB_APP_PASSWORD}"
umask 077
printf '"%s" "%s"\n' "${IOP_DB_APP_ROLE:-iop_app}" "$IOP_DB_APP_PASSWORD" >/run/pgbouncer/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
