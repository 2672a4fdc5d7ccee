"""The shared steps of `make run` / `make test` (scripts/bootstrap.sh), driven as a user would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bootstrap(call: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed commands of our own
        ["bash", "-c", f"source scripts/bootstrap.sh && {call}"],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_services_check_passes_when_postgres_and_redis_answer():
    result = bootstrap("iop_services_check")
    assert result.returncode == 0, result.stderr


def test_services_check_says_what_is_missing_and_how_to_start_it():
    # Nothing listens on port 1: both services count as down.
    result = bootstrap("iop_services_check", PGPORT="1", REDIS_PORT="1")
    assert result.returncode == 1
    assert "PostgreSQL is not reachable at 127.0.0.1:1." in result.stderr
    assert "pg_ctlcluster" in result.stderr
    assert "main start" in result.stderr
    assert "Redis is not reachable at 127.0.0.1:1." in result.stderr
    assert "redis-server --daemonize yes" in result.stderr


def test_only_the_missing_service_is_reported():
    result = bootstrap("iop_services_check", REDIS_PORT="1")
    assert result.returncode == 1
    assert "Redis is not reachable" in result.stderr
    assert "PostgreSQL" not in result.stderr


def test_scripts_are_valid_bash():
    for script in (
        "scripts/bootstrap.sh",
        "scripts/run.sh",
        "scripts/test.sh",
        "scripts/backup.sh",
        "scripts/restore.sh",
        ".ci/run",
    ):
        result = subprocess.run(["bash", "-n", script], cwd=ROOT, capture_output=True, text=True)  # noqa: S603,S607
        assert result.returncode == 0, f"{script}: {result.stderr}"
