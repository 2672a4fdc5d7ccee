#!/usr/bin/env bash
# `make run`: the whole app on the local PostgreSQL and Redis, in the foreground.
#
# Installs into .venv, creates the roles and the database when missing, migrates as the owner
# role, seeds the demo, then runs web, Celery worker and Celery beat as the app role (under
# Row-Level Security, as in production). Ctrl-C stops all three.
#
# Extra configuration (see also scripts/bootstrap.sh):
#   PORT                 web port on 127.0.0.1           (8000)
#   DEMO_PASSWORD        password of the demo logins     (printed at start)
#   IOP_REQUIRE_MFA      1 to enforce MFA in the demo    (off in iop.settings.dev)
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$IOP_ROOT"

PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE=iop.settings.dev
PY="$IOP_VENV/bin/python"

iop_venv_ensure ""
# The worker renders the PDFs: Pango, HarfBuzz's subsetter and the fonts (scripts/bootstrap.sh).
iop_debian_packages_ensure "${IOP_PDF_PACKAGES[@]}"
iop_services_check
iop_db_ensure "$IOP_DB_NAME"

owner_url="postgres://$IOP_DB_OWNER@$PGHOST:$PGPORT/$IOP_DB_NAME"
app_url="postgres://$IOP_DB_APP_ROLE@$PGHOST:$PGPORT/$IOP_DB_NAME"
if [[ "$REDIS_HOST:$REDIS_PORT" != "127.0.0.1:6379" ]]; then
    : "${REDIS_URL:=redis://$REDIS_HOST:$REDIS_PORT/0}" "${CACHE_URL:=redis://$REDIS_HOST:$REDIS_PORT/1}"
    export REDIS_URL CACHE_URL
fi

iop_step "Migrating database $IOP_DB_NAME as $IOP_DB_OWNER"
DATABASE_URL="$owner_url" "$PY" manage.py migrate --noinput

# Everything from here on connects as the app role: RLS applies to the seed, web and workers.
export DATABASE_URL="$app_url"

iop_step "Collecting static files"
"$PY" manage.py collectstatic --noinput --verbosity 0

iop_step "Seeding the demo organizations"
seed_output="$("$PY" manage.py seed_demo)"
printf '%s\n' "$seed_output"

# Fresh rows have no planner statistics until autovacuum gets to them (never, on a cluster where it
# is off): the worklist took 2 s a request on the seeded demo before the first ANALYZE. Only the
# owner may analyze the tables (the shared catalogs it skips, with a warning each, are left quiet).
iop_step "Updating the planner's statistics (ANALYZE as $IOP_DB_OWNER)"
PGOPTIONS="-c client_min_messages=error" psql -X -q -d "$owner_url" -c ANALYZE

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    iop_die "Port $PORT on 127.0.0.1 is already in use." "Stop what is listening there, or choose another port:  PORT=8001 make run"
fi

mkdir -p "$IOP_ROOT/var"

# Each process runs in its own session (setsid), so stopping it reaches its children too (the
# gunicorn workers, Celery's pool processes). The output prefixers ignore Ctrl-C so the
# last lines of a stopping process are not lost.
pids=()
names=()
banner_pid=""
start() {
    local name="$1"
    shift
    setsid "$@" > >(trap '' INT TERM; exec sed -u "s/^/[$name] /") 2>&1 &
    pids+=("$!")
    names+=("$name")
}

stopping=0
stop_all() {
    ((stopping)) && return 0
    stopping=1
    trap '' INT TERM HUP
    echo
    iop_step "Stopping web, worker and beat"
    [[ -n "$banner_pid" ]] && kill "$banner_pid" 2>/dev/null || true
    local pid
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    # Celery's warm shutdown finishes the running task; give it a little time, then insist.
    local waited=0
    while ((waited < 100)); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
        waited=$((waited + 1))
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
# Ctrl-C is how the demo is meant to end: a clean stop is a success.
trap 'stop_all; exit 0' INT
trap 'stop_all; exit 143' TERM HUP

iop_step "Starting web (127.0.0.1:$PORT), Celery worker and Celery beat"
# gunicorn, as in production, not runserver: a fixed number of request threads bounds the database
# connections (gunicorn.conf.py); --reload restarts it when the code changes.
start web "$IOP_VENV/bin/gunicorn" --config gunicorn.conf.py --bind "127.0.0.1:$PORT" --reload
start worker "$IOP_VENV/bin/celery" -A iop worker -Q default,notifications,pdf --concurrency=2 --loglevel=INFO
start beat "$IOP_VENV/bin/celery" -A iop beat --loglevel=INFO --schedule "$IOP_ROOT/var/celerybeat-schedule"

print_banner() {
    local url="http://127.0.0.1:$PORT/"
    "$PY" - "$url" <<'PYEOF' || return 0
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1] + "healthz", timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError as exc:  # 503: up, but the database or Redis is not healthy
        print(f"WARNING: {sys.argv[1]}healthz answered {exc.code}: {exc.read().decode(errors='replace')}")
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(1)
PYEOF
    local rule="=================================================================================="
    printf '\n%s%s\n' "$_IOP_BOLD" "$rule"
    printf '  IOP Ops is running:  %s\n' "$url"
    printf '%s\n' "$seed_output" | sed -n '/^Demo logins/,$p' | sed 's/^/  /'
    printf '  Ctrl-C stops web, worker and beat.\n'
    printf '%s%s\n\n' "$rule" "$_IOP_RESET"
}
print_banner &
banner_pid=$!

set +e
wait -n "${pids[@]}"
status=$?
set -e
for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        iop_warn "${names[$i]} stopped (exit status $status); stopping the others."
        break
    fi
done
stop_all
exit "$((status == 0 ? 1 : status))"
