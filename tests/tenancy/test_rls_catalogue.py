"""The database catalogue agrees with the models: every tenant table is protected."""

import pytest
from django.apps import apps
from django.db import connection

from iop.tenancy.models import TenantModel
from iop.tenancy.rls import (
    HISTORY_CONTEXT_GUARD,
    HISTORY_CONTEXT_UPDATABLE_COLUMNS,
    POLICY_NAME,
    TENANT_EXPR,
    append_only_tables,
    history_context_table,
    tenant_models,
)

pytestmark = pytest.mark.django_db


def _tables_with_organization_id():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
            """,
            [POLICY_NAME],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_every_table_with_organization_id_has_forced_rls_and_the_policy():
    tables = _tables_with_organization_id()
    assert len(tables) >= 12  # tenant models and their change-history tables
    unprotected = {name: state for name, state in tables.items() if state != (True, True, 1)}
    assert unprotected == {}


def test_every_tenant_model_table_is_in_the_catalogue():
    tables = _tables_with_organization_id()
    missing = [m._meta.db_table for m in tenant_models() if m._meta.db_table not in tables]
    assert missing == []
    # and the helper does not miss a concrete subclass
    concrete = {m for m in apps.get_models() if issubclass(m, TenantModel)}
    assert concrete == set(tenant_models())


def test_policy_is_inline_and_checks_writes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = %s", [POLICY_NAME])
        rows = cursor.fetchall()
    assert rows
    for table, using, with_check in rows:
        assert "current_setting('app.tenant_id'" in using, table
        assert with_check is not None and "current_setting('app.tenant_id'" in with_check, table
    assert "NULLIF" in TENANT_EXPR


def test_every_foreign_key_between_tenant_models_is_composite():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, array_agg(a.attname ORDER BY a.attname)
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 2
            GROUP BY c.oid, conrelid
            """
        )
        composite = {(table, tuple(cols)) for table, cols in cursor.fetchall()}
    expected = set()
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            if getattr(field, "related_model", None) and issubclass(field.related_model, TenantModel):
                expected.add((model._meta.db_table, tuple(sorted(["organization_id", field.column]))))
    assert expected - composite == set()


def _history_and_audit_tables() -> set[str]:
    """Found without asking the code that grants: every change-history table in the catalogue (it
    has pghistory's `pgh_created_at`), pghistory's context table (who made each change), every
    table of the audit app, and every model that declares itself append-only (the episode status
    log, the disclosure log)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'pgh_created_at' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
            """
        )
        tables = {row[0] for row in cursor.fetchall()}
    tables.add(history_context_table())
    tables |= {m._meta.db_table for m in apps.get_app_config("audit").get_models()}
    tables |= {m._meta.db_table for m in apps.get_models() if getattr(m, "append_only", False)}
    return tables


def _privileges(table: str) -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"has_table_privilege(current_user, %s, '{p}')" for p in PRIVILEGES),
            [table] * len(PRIVILEGES),
        )
        return dict(zip(PRIVILEGES, cursor.fetchone(), strict=True))


PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")


def test_every_history_and_audit_table_is_append_only_to_the_app_role():
    tables = _history_and_audit_tables()
    assert {"audit_accessevent", "audit_securityevent", "clients_clientevent", "pghistory_context"} <= tables
    assert {"discharge_disclosure", "clients_episodestatuschange"} <= tables
    assert len(tables) >= 25
    append_only = {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}
    writable = {table: privileges for table in sorted(tables) if (privileges := _privileges(table)) != append_only}
    assert writable == {}
    # A new history or audit table fails above unless the grants know it: the code's list is the catalogue's.
    assert append_only_tables() | {history_context_table()} == tables


def test_the_history_context_is_updatable_only_by_pghistorys_upsert_under_its_guard():
    table = history_context_table()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0"
            " AND NOT a.attisdropped AND has_column_privilege(current_user, a.attrelid, a.attnum, 'UPDATE')",
            [table],
        )
        updatable = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT t.tgenabled FROM pg_trigger t WHERE t.tgrelid = %s::regclass AND t.tgname = %s",
            [table, HISTORY_CONTEXT_GUARD],
        )
        guard = cursor.fetchall()
    assert updatable == set(HISTORY_CONTEXT_UPDATABLE_COLUMNS) == {"metadata", "updated_at"}
    assert guard == [("O",)]  # present and enabled
