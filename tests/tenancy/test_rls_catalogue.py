"""The database catalogue agrees with the models: every tenant table is protected."""

import pytest
from django.apps import apps
from django.db import connection

from iop.tenancy.models import TenantModel
from iop.tenancy.rls import POLICY_NAME, TENANT_EXPR, tenant_models

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


def test_app_role_cannot_update_or_delete_append_only_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, 'audit_accessevent', 'UPDATE'),"
            " has_table_privilege(current_user, 'audit_accessevent', 'DELETE'),"
            " has_table_privilege(current_user, 'audit_accessevent', 'INSERT'),"
            " has_table_privilege(current_user, 'clients_clientevent', 'UPDATE')"
        )
        assert cursor.fetchone() == (False, False, True, False)
