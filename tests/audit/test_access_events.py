import pytest
from django.db import ProgrammingError, connection, transaction

from iop.audit.models import AccessEvent, SecurityEvent
from iop.clients.models import Client
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(harbor, harbor_client, harbor_va, rf):
    from iop.audit.services import access_record

    request = rf.get("/o/harbor/clients/x/")
    request.organization = harbor
    request.user = harbor_va
    request.membership = None
    with tenant_context(harbor.id):
        return access_record(request=request, action="view", obj=harbor_client, client_id=harbor_client.pk)


def test_app_role_cannot_update_an_access_event(harbor, event):
    with tenant_context(harbor.id):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            AccessEvent.objects.filter(pk=event.pk).update(action="list")


def test_app_role_cannot_delete_an_access_event(harbor, event):
    with tenant_context(harbor.id):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            AccessEvent.objects.filter(pk=event.pk).delete()
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_accessevent")
        assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_security_events_are_append_only(harbor_va):
    SecurityEvent.objects.create(kind="login", user=harbor_va)
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        SecurityEvent.objects.all().delete()


def test_access_events_are_tenant_scoped(harbor, summit, event):
    with tenant_context(summit.id):
        assert not AccessEvent.objects.exists()
    with tenant_context(harbor.id):
        assert AccessEvent.objects.count() == 1


def test_client_changes_are_kept_in_history(harbor, harbor_client):
    from iop.clients.models import ClientEvent
    from iop.clients.services import client_update

    with tenant_context(harbor.id):
        client_update(client=Client.objects.get(), data={"phone": "555-0199"})
        history = list(ClientEvent.objects.order_by("pgh_created_at").values_list("pgh_label", "phone"))
    assert history[0][0] == "insert"
    assert history[-1] == ("update", "555-0199")


def test_login_logout_and_failed_login_are_logged(client, harbor_va):
    from .. import factories

    client.post("/accounts/login/", {"login": "va@harbor.test", "password": "wrong-password"})
    failed = SecurityEvent.objects.get(kind="login_failed")
    assert failed.email == "va@harbor.test"
    assert "wrong-password" not in str(failed.detail)
    response = client.post("/accounts/login/", {"login": "va@harbor.test", "password": factories.TEST_PASSWORD})
    assert response.status_code == 302  # on to the MFA code page
    # Signing in completes after the TOTP code; force the session to test logout.
    client.force_login(harbor_va)
    client.post("/accounts/logout/")
    assert SecurityEvent.objects.filter(kind="logout", user=harbor_va).exists()


@pytest.mark.django_db(transaction=True)
def test_change_history_records_who_changed_it_outside_a_test_transaction(harbor_client, harbor, harbor_va):
    """The tenant prefix must not hide a write from pghistory: in a plain (non-nested) transaction,
    as in production, the history event carries the request context."""
    import pghistory

    from iop.clients.models import ClientEvent
    from iop.clients.services import client_update

    with tenant_context(harbor.id):
        with pghistory.context(user=harbor_va.pk, url="/o/harbor/clients/x/edit/"):
            client_update(client=Client.objects.get(), data={"phone": "555-0177"})
        event = ClientEvent.objects.filter(pgh_label="update").select_related("pgh_context").get()
    assert event.pgh_context is not None
    assert event.pgh_context.metadata["user"] == harbor_va.pk
