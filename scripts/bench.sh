#!/usr/bin/env bash
# `make bench`: the performance harness (bench/README.md). Arguments go to bench/run.py
# (make bench BENCH_ARGS='--scale 10 --reuse --only "client list,roll call"').
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$IOP_ROOT"

iop_venv_ensure bench
iop_services_check
iop_db_ensure
exec "$IOP_VENV/bin/python" bench/run.py "$@"
