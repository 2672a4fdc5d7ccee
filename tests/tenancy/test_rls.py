"""Row-Level Security under the app role: isolation, fail-closed, WITH CHECK, composite FKs."""

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from iop.clients.models import Client, Episode
from iop.tenancy.context import NoTenantContext, tenant_context
from iop.tenancy.models import Program

pytestmark = pytest.mark.django_db


def test_suite_runs_as_the_app_role_without_bypass():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, is_super, bypass = cursor.fetchone()
    assert user == "iop_app"
    assert not is_super and not bypass


def test_each_tenant_sees_only_its_own_rows(harbor_client, summit_client, harbor, summit):
    with tenant_context(harbor.id):
        assert list(Client.objects.values_list("pk", flat=True)) == [harbor_client.pk]
        # Even the unscoped manager and raw SQL are filtered by the database.
        assert list(Client.all_objects.values_list("pk", flat=True)) == [harbor_client.pk]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM clients_client")
            assert cursor.fetchone()[0] == 1
    with tenant_context(summit.id):
        assert list(Client.all_objects.values_list("pk", flat=True)) == [summit_client.pk]


def test_switching_tenants_inside_one_transaction_does_not_leak(harbor_client, summit_client, harbor, summit):
    with transaction.atomic():
        with tenant_context(summit.id):
            assert Client.all_objects.count() == 1
        with tenant_context(harbor.id):
            assert list(Client.all_objects.values_list("pk", flat=True)) == [harbor_client.pk]
        assert Client.all_objects.count() == 0


def test_without_a_tenant_queries_return_nothing_and_the_scoped_manager_fails_loudly(harbor_client):
    assert Client.all_objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM clients_client")
        assert cursor.fetchone()[0] == 0
    with pytest.raises(NoTenantContext):
        Client.objects.count()


def test_insert_into_another_tenant_is_refused(harbor, summit, summit_program):
    with tenant_context(harbor.id):
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Program.all_objects.create(organization=summit, name="Smuggled")
    with tenant_context(summit.id):
        assert not Program.all_objects.filter(name="Smuggled").exists()


def test_moving_a_row_to_another_tenant_is_refused(harbor, summit, harbor_program):
    with tenant_context(harbor.id):
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Program.all_objects.filter(pk=harbor_program.pk).update(organization=summit)


def test_composite_foreign_key_refuses_a_cross_tenant_reference(harbor, summit_client, harbor_program):
    """A plain FK would accept this: Postgres checks referential integrity with RLS off."""

    def smuggle():
        Episode.all_objects.create(
            organization=harbor, client_id=summit_client.pk, program=harbor_program, referral_date="2026-01-05"
        )
        # The composite FKs are DEFERRABLE INITIALLY DEFERRED, like Django's: check now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with tenant_context(harbor.id):
        with pytest.raises(IntegrityError), transaction.atomic():
            smuggle()
