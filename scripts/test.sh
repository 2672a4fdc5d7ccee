#!/usr/bin/env bash
# `make test`: install what the tests need and run the whole suite against the local PostgreSQL
# and Redis, as the RLS app role. Arguments are passed to pytest (make test PYTEST_ARGS="-k rls").
#
# Each run creates and drops its own test database, named by IOP_TEST_DB_NAME (default test_iop);
# give concurrent runs on one machine different names.
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$IOP_ROOT"

iop_venv_ensure test
# Browser tests drive Debian's Chromium (never a browser downloaded by Playwright); the PDF tests need what
# WeasyPrint needs, fonts included (scripts/bootstrap.sh); the pooling test starts a private PgBouncer, the
# version deploy/pgbouncer/Dockerfile installs (tests/ops/test_pgbouncer.py).
iop_debian_packages_ensure chromium pgbouncer "${IOP_PDF_PACKAGES[@]}"
iop_services_check
# pytest-django creates the test database itself, as the owner role.
iop_db_ensure ""

# The suite's settings come from pyproject.toml; a DJANGO_SETTINGS_MODULE left in the shell
# (e.g. iop.settings.dev) would otherwise win over it.
unset DJANGO_SETTINGS_MODULE DATABASE_URL

if (($# == 0)); then
    # The whole suite also checks the code's lint and format (quick; skipped for narrowed runs).
    iop_step "Checking lint and format (ruff)"
    "$IOP_VENV/bin/ruff" check iop scheduling attendance authorizations discharge demo tests bench
    "$IOP_VENV/bin/ruff" format --check --quiet iop scheduling attendance authorizations discharge demo tests bench
    # Files and settings in pyproject.toml ([tool.mypy]); the cache in .venv keeps reruns quick.
    iop_step "Checking types (mypy)"
    "$IOP_VENV/bin/mypy"
fi

# Spread the tests over the machine's cores (pytest-xdist): each worker process has its own test
# database (`test_iop_gw0`, ...) and Redis key prefix. IOP_TEST_WORKERS=0 runs them in this one
# process (quicker for a handful of tests); an -n among the arguments wins.
workers="${IOP_TEST_WORKERS:-auto}"
xdist=()
if [[ "$workers" != "0" && " $* " != *" -n "* && " $* " != *" -n="* ]]; then
    xdist=(-n "$workers")
fi

iop_step "Running the test suite (test database ${IOP_TEST_DB_NAME:-test_iop}, workers: ${workers})"
set +e
"$IOP_VENV/bin/pytest" "${xdist[@]}" "$@"
status=$?
set -e
if ((status == 5)); then
    iop_die "pytest collected no tests: the suite must not be empty."
fi
exit "$status"
