# shellcheck shell=bash
# Shared steps of `make run` and `make test` (sourced, not executed).
#
# Everything is idempotent and quick when already done: the virtualenv is only reinstalled when
# pyproject.toml changes, roles are re-asserted with one psql call, Debian packages are only
# installed when one is missing.
#
# Configuration (environment variables, all optional):
#   PYTHON            interpreter for the virtualenv           (python3.11)
#   PGHOST, PGPORT    local PostgreSQL                          (127.0.0.1, 5432)
#   PGSUPERUSER       superuser that creates roles and database (postgres)
#   IOP_DB_NAME       database of `make run`                    (iop)
#   IOP_DB_OWNER      owner role: runs migrations               (iop_owner)
#   IOP_DB_APP_ROLE   app role: web, workers, tests; under RLS  (iop_app)
#   REDIS_HOST, REDIS_PORT  local Redis                         (127.0.0.1, 6379)

IOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IOP_VENV="$IOP_ROOT/.venv"

: "${PYTHON:=python3.11}"
: "${PGHOST:=127.0.0.1}"
: "${PGPORT:=5432}"
: "${PGSUPERUSER:=postgres}"
: "${IOP_DB_NAME:=iop}"
: "${IOP_DB_OWNER:=iop_owner}"
: "${IOP_DB_APP_ROLE:=iop_app}"
: "${REDIS_HOST:=127.0.0.1}"
: "${REDIS_PORT:=6379}"
export PGHOST PGPORT IOP_DB_APP_ROLE

# No prompts, ever: CI runs without stdin.
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive
export PYTHONUNBUFFERED=1

if [[ -t 1 ]]; then
    _IOP_BOLD=$'\e[1m' _IOP_RED=$'\e[31m' _IOP_YELLOW=$'\e[33m' _IOP_RESET=$'\e[0m'
else
    _IOP_BOLD="" _IOP_RED="" _IOP_YELLOW="" _IOP_RESET=""
fi

iop_step() { printf '%s==> %s%s\n' "$_IOP_BOLD" "$*" "$_IOP_RESET"; }
iop_warn() { printf '%sWARNING: %s%s\n' "$_IOP_YELLOW" "$*" "$_IOP_RESET" >&2; }
iop_die() {
    printf '%sERROR: %s%s\n' "$_IOP_RED" "$1" "$_IOP_RESET" >&2
    shift
    local line
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}

# --- Python virtualenv -------------------------------------------------------------------------

_iop_python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }

# iop_venv_ensure [EXTRA]: .venv with the project installed (EXTRA: "" or "test").
iop_venv_ensure() {
    local extra="${1:-}"
    if [[ -x "$IOP_VENV/bin/python" ]] && ! _iop_python_ok "$IOP_VENV/bin/python"; then
        iop_step "Recreating .venv (it is not Python 3.11)"
        rm -rf "$IOP_VENV"
    fi
    if [[ ! -x "$IOP_VENV/bin/python" ]]; then
        command -v "$PYTHON" >/dev/null 2>&1 || iop_die "$PYTHON not found: IOP Ops needs Python 3.11." \
            "Install it (Debian 12: apt-get install python3.11 python3.11-venv), or point PYTHON at one:" \
            "  PYTHON=/path/to/python3.11 make ..."
        _iop_python_ok "$PYTHON" || iop_die "$PYTHON is not Python 3.11 (set PYTHON=/path/to/python3.11)."
        iop_step "Creating .venv with $("$PYTHON" --version 2>&1)"
        "$PYTHON" -m venv "$IOP_VENV" || iop_die "Could not create .venv." \
            "On Debian: apt-get install python3.11-venv"
    fi

    # Reinstall only when the dependencies changed; `test` includes everything `run` needs.
    local digest stamp
    digest="$(sha256sum "$IOP_ROOT/pyproject.toml" | cut -d" " -f1)"
    if [[ -z "$extra" && -f "$IOP_VENV/.iop-installed-test" ]] \
        && [[ "$(cat "$IOP_VENV/.iop-installed-test")" == "$digest" ]]; then
        return 0
    fi
    stamp="$IOP_VENV/.iop-installed-${extra:-base}"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
        return 0
    fi
    local target="."
    [[ -n "$extra" ]] && target=".[$extra]"
    iop_step "Installing IOP Ops into .venv (pip install -e '$target')"
    local log="$IOP_VENV/pip-install.log"
    if ! (cd "$IOP_ROOT" && "$IOP_VENV/bin/python" -m pip install --progress-bar off -e "$target") >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        iop_die "pip install failed (full log: $log)."
    fi
    printf '%s' "$digest" >"$stamp"
}

# --- Debian packages ---------------------------------------------------------------------------

# What WeasyPrint needs to make the PDFs (the Dockerfile installs the same): Pango, HarfBuzz's
# subsetter (embeds only the glyphs used: without it, subsetting the CJK fonts takes seconds), and
# fonts for the scripts clients' names are written in — DejaVu, then Noto for Latin, Greek,
# Cyrillic, Arabic, Hebrew, Ethiopic, Devanagari (fonts-noto-core) and Chinese, Japanese, Korean
# (fonts-noto-cjk). static/pdf/report.css names them.
IOP_PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk)

# iop_debian_packages_ensure PKG...: install the missing ones when root; otherwise say how.
iop_debian_packages_ensure() {
    command -v dpkg-query >/dev/null 2>&1 || {
        iop_warn "Not a Debian system: make sure these are installed: $*"
        return 0
    }
    local pkg missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    if [[ "$(id -u)" -ne 0 ]]; then
        iop_warn "Missing Debian packages: ${missing[*]} (browser, PDF and pooling tests need them)." \
            && printf '  Install them with:  sudo apt-get install -y %s\n' "${missing[*]}" >&2
        return 0
    fi
    iop_step "Installing Debian packages: ${missing[*]}"
    apt-get update -qq </dev/null || iop_die "apt-get update failed."
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null \
        || iop_die "apt-get install ${missing[*]} failed."
}

# --- PostgreSQL and Redis ----------------------------------------------------------------------

_iop_tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

_iop_postgres_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 3
    else
        _iop_tcp_open "$PGHOST" "$PGPORT"
    fi
}

_iop_redis_up() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
    else
        local reply=""
        exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" 2>/dev/null || return 1
        printf 'PING\r\n' >&3
        read -r -t 3 reply <&3 || true
        exec 3>&-
        [[ "$reply" == "+PONG"* ]]
    fi
}

_iop_pg_version() {
    local v
    v="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
    printf '%s' "${v:-15}"
}

# iop_services_check: PostgreSQL and Redis must answer; otherwise say exactly what to start, and fail.
iop_services_check() {
    local problems=()
    if ! _iop_postgres_up; then
        problems+=(
            "PostgreSQL is not reachable at $PGHOST:$PGPORT."
            "  Start it (Debian):    pg_ctlcluster $(_iop_pg_version) main start      (as root or with sudo)"
            "  Not installed?        apt-get install postgresql"
        )
    fi
    if ! _iop_redis_up; then
        problems+=(
            "Redis is not reachable at $REDIS_HOST:$REDIS_PORT."
            "  Start it (Debian):    redis-server --daemonize yes"
            "  Not installed?        apt-get install redis-server"
        )
    fi
    if ! command -v psql >/dev/null 2>&1; then
        problems+=(
            "psql (the PostgreSQL client) is not installed; it creates the database roles."
            "  Install it (Debian):  apt-get install postgresql-client"
        )
    fi
    ((${#problems[@]} == 0)) || iop_die "Services that IOP Ops needs are missing:" "${problems[@]}"
}

# iop_db_ensure [DBNAME]: the owner and app roles (and DBNAME, owned by the owner, when given).
iop_db_ensure() {
    local db_name="${1:-}"
    iop_step "Ensuring database roles $IOP_DB_OWNER, $IOP_DB_APP_ROLE${db_name:+ and database $db_name}"
    psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" -d postgres \
        -v owner_role="$IOP_DB_OWNER" -v app_role="$IOP_DB_APP_ROLE" -v db_name="$db_name" \
        -v owner_password="${IOP_DB_OWNER_PASSWORD:-}" -v app_password="${IOP_DB_APP_PASSWORD:-}" \
        -f "$IOP_ROOT/deploy/postgres/roles.sql" </dev/null \
        || iop_die "Could not create the database roles as PostgreSQL superuser '$PGSUPERUSER' on $PGHOST:$PGPORT." \
            "Set PGSUPERUSER to a superuser that can connect (local Debian default: postgres with trust auth)," \
            "or run deploy/postgres/roles.sql yourself as a superuser."
}
