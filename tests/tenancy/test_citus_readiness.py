"""The Citus readiness check (`manage.py citus_readiness`) reads the catalogue: what would stop the
schema from being distributed by organization_id, on the real schema and on tables built to fail."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from iop.tenancy.citus import Finding, ReferenceLink, citus_readiness_check

pytestmark = pytest.mark.django_db

# Built in the test's transaction as the owner (the app role may not create tables), rolled back.
PROBE_TABLES = """
CREATE TABLE citus_probe_ready (
    organization_id bigint NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, code)
);
CREATE TABLE citus_probe_unready (
    id uuid CONSTRAINT citus_probe_unready_pkey PRIMARY KEY,
    organization_id bigint,
    ready_id uuid NOT NULL,
    parent_id uuid CONSTRAINT citus_probe_unready_parent_fk REFERENCES citus_probe_unready (id),
    user_id bigint CONSTRAINT citus_probe_unready_user_fk REFERENCES accounts_user (id),
    code text CONSTRAINT citus_probe_unready_code_key UNIQUE,
    during tstzrange,
    CONSTRAINT citus_probe_unready_ready_fk
        FOREIGN KEY (organization_id, ready_id) REFERENCES citus_probe_ready (organization_id, id),
    CONSTRAINT citus_probe_unready_no_overlap EXCLUDE USING gist (during WITH &&)
);
CREATE UNIQUE INDEX citus_probe_unready_live_code ON citus_probe_unready (code) WHERE during IS NOT NULL;
CREATE TABLE citus_probe_lookup (
    id uuid PRIMARY KEY,
    unready_id uuid CONSTRAINT citus_probe_lookup_unready_fk REFERENCES citus_probe_unready (id)
);
"""


@pytest.fixture
def probe_tables():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # back to the session's owner role, for this transaction
        cursor.execute(PROBE_TABLES)
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(settings.IOP_DB_APP_ROLE)}")


def _probe(readiness) -> set[tuple[str, str, str]]:
    return {(f.table, f.constraint, f.kind) for f in readiness.findings if f.table.startswith("citus_probe_")}


def test_the_real_schema_is_read_and_its_known_blockers_are_named():
    readiness = citus_readiness_check()

    assert readiness.schema == "public"
    assert {"clients_client", "clients_episode", "scheduling_rosterentry"} <= set(readiness.tenant_tables)
    assert {"accounts_user", "tenancy_organization", "django_session"} <= set(readiness.reference_tables)
    assert not set(readiness.tenant_tables) & set(readiness.reference_tables)
    # Known today: Django's single-column primary keys, and the roster's exclusion constraint.
    assert (
        Finding(
            table="clients_episode",
            constraint="clients_episode_pkey",
            kind="primary key",
            why="primary key (id) lacks organization_id; the unique (organization_id, id) "
            "clients_episode_org_id_uniq could become the primary key",
        )
        in readiness.findings
    )
    assert ("scheduling_rosterentry", "roster_no_overlapping_sessions", "exclusion") in {
        (f.table, f.constraint, f.kind) for f in readiness.findings
    }
    # Every tenant → tenant foreign key Django made has the composite twin iop/tenancy/rls.py adds.
    plain = [f for f in readiness.findings if f.kind == "foreign key"]
    assert plain and all("the composite key" in f.why for f in plain)
    # A tenant table's key to a reference table is fine: listed, never a finding.
    assert any(
        link.table == "clients_episode" and link.target == "tenancy_organization" for link in readiness.reference_links
    )
    assert not readiness.ready


def test_a_constructed_table_fails_for_each_reason_and_a_ready_one_passes(probe_tables):
    readiness = citus_readiness_check()

    assert "citus_probe_ready" in readiness.tenant_tables
    assert "citus_probe_lookup" in readiness.reference_tables
    assert _probe(readiness) == {
        ("citus_probe_unready", "organization_id", "column"),
        ("citus_probe_unready", "citus_probe_unready_pkey", "primary key"),
        ("citus_probe_unready", "citus_probe_unready_code_key", "unique"),
        ("citus_probe_unready", "citus_probe_unready_live_code", "unique index"),
        ("citus_probe_unready", "citus_probe_unready_no_overlap", "exclusion"),
        ("citus_probe_unready", "citus_probe_unready_parent_fk", "foreign key"),
        ("citus_probe_lookup", "citus_probe_lookup_unready_fk", "foreign key"),
    }
    assert ReferenceLink("citus_probe_unready", "citus_probe_unready_user_fk", "accounts_user") in (
        readiness.reference_links
    )


def test_the_command_fails_on_what_is_not_ready_and_reports_it_with_report(probe_tables):
    with pytest.raises(CommandError, match="not ready"):
        call_command("citus_readiness", stdout=io.StringIO())

    out = io.StringIO()
    call_command("citus_readiness", "--report", stdout=out)
    text = out.getvalue()
    assert "citus_probe_unready_parent_fk" in text
    assert "citus_probe_lookup_unready_fk: reference table points at tenant table citus_probe_unready" in text
    assert not [line for line in text.splitlines() if line.split()[:1] == ["citus_probe_ready"]]


def test_a_schema_where_every_key_includes_organization_id_is_ready(probe_tables):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("CREATE SCHEMA citus_probe")
        cursor.execute(
            "CREATE TABLE citus_probe.item (organization_id bigint NOT NULL, id uuid NOT NULL, "
            "PRIMARY KEY (organization_id, id))"
        )
        cursor.execute(
            "CREATE TABLE citus_probe.line (organization_id bigint NOT NULL, id uuid NOT NULL, item_id uuid, "
            "PRIMARY KEY (organization_id, id), "
            "FOREIGN KEY (organization_id, item_id) REFERENCES citus_probe.item (organization_id, id))"
        )

    readiness = citus_readiness_check(schema="citus_probe")

    assert readiness.tenant_tables == ["item", "line"]
    assert readiness.findings == []
    assert readiness.ready
    out = io.StringIO()
    call_command("citus_readiness", "--schema", "citus_probe", stdout=out)
    assert "Ready:" in out.getvalue()
