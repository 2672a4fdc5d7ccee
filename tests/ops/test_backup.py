"""`make backup` and `make restore`, run as an operator would, give back every tenant's rows.

The backup is taken of this run's test database (committed rows of two organizations), restored
into a scratch database, and read back as the app role under Row-Level Security, one organization
at a time (its tenant context set): every tenant table holds the same rows as the original, and
without a tenant context nothing at all (the policies came back with the tables).
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from django.apps import apps
from django.db import connection

from iop.tenancy.context import no_tenant_context, tenant_context
from tests.ops.databases import connected_to
from tests.workers import ROOT

pytestmark = pytest.mark.slow


def _tenant_models():
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy and any(f.name == "organization" and f.concrete for f in model._meta.fields)
    ]


def _rows_per_table(organization_id: int | None) -> dict[str, int]:
    """Each tenant table's row count as the app role sees it: with `organization_id`'s tenant
    context (pushed with every statement), or with none. Plain SQL, so nothing but RLS filters."""
    context = tenant_context(organization_id) if organization_id else no_tenant_context()
    counts = {}
    with context, connection.cursor() as cursor:
        for model in _tenant_models():
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608 - our table names
            counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts


def _make(target: str, *, db_name: str, **variables: str) -> subprocess.CompletedProcess:
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": settings_dict["HOST"] or "127.0.0.1",
        "PGPORT": str(settings_dict["PORT"] or 5432),
        "IOP_DB_NAME": db_name,
        **variables,
    }
    return subprocess.run(  # noqa: S603 - our own Makefile
        ["make", "--no-print-directory", target],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    drop = [
        "psql",
        "-X",
        "-q",
        "-h",
        connection.settings_dict["HOST"] or "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "postgres",
    ]
    sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    subprocess.run([*drop, "-c", sql], check=True, capture_output=True)  # noqa: S603
    yield name
    subprocess.run([*drop, "-c", sql], check=True, capture_output=True)  # noqa: S603


@pytest.mark.django_db(transaction=True)  # committed rows: pg_dump reads them from its own session
def test_a_backup_restores_every_tenants_rows_under_rls(
    harbor_client, summit_client, harbor_va, summit_va, harbor_clinician, scratch_database, tmp_path
):
    organizations = [harbor_client.organization_id, summit_client.organization_id]
    original = {org: _rows_per_table(org) for org in organizations}
    assert all(sum(counts.values()) > 0 for counts in original.values())

    backup = tmp_path / "iop.dump"
    started = time.monotonic()
    made = _make("backup", db_name=connection.settings_dict["NAME"], BACKUP=str(backup))
    assert made.returncode == 0, made.stderr
    assert f"Backup written: {backup}" in made.stdout
    restored = _make("restore", db_name=scratch_database, BACKUP=str(backup))
    assert restored.returncode == 0, restored.stderr
    print(f"backup + restore: {time.monotonic() - started:.1f} s, dump {backup.stat().st_size} bytes")

    with connected_to(NAME=scratch_database):
        copy = {org: _rows_per_table(org) for org in organizations}
        unscoped = _rows_per_table(None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            role = cursor.fetchone()[0]
    assert role == "iop_app"  # read as the web and the workers read, under RLS
    assert copy == original
    assert sum(unscoped.values()) == 0  # no tenant context, no rows: the policies were restored too

    # Restoring again over the restored database is refused: an existing database is never
    # overwritten without REPLACE=1.
    again = _make("restore", db_name=scratch_database, BACKUP=str(backup))
    assert again.returncode != 0
    assert "already exists: nothing was restored" in again.stderr
    with connected_to(NAME=scratch_database):
        assert _rows_per_table(organizations[0]) == original[organizations[0]]


@pytest.mark.django_db
def test_a_backup_that_fails_leaves_no_file(tmp_path):
    backup = tmp_path / "missing.dump"
    failed = _make("backup", db_name="no_such_database_here", BACKUP=str(backup))
    assert failed.returncode != 0
    assert "nothing was written" in failed.stderr
    assert list(tmp_path.iterdir()) == []
