"""Django admin: only org admins, one acting organization at a time, sign-in through allauth."""

import pytest
from django.urls import reverse

from iop.audit.models import AccessEvent, SecurityEvent, SecurityEventKind
from iop.tenancy.context import tenant_context

from ..conftest import make_member

pytestmark = pytest.mark.django_db


def _act_as(client, org):
    return client.post(reverse("admin:select_organization"), {"organization": org.pk})


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_org_admin_picks_an_organization_then_sees_only_its_clients(client, harbor_admin, harbor_client, summit_client):
    client.force_login(harbor_admin)
    assert client.get("/admin/")["Location"].startswith(reverse("admin:select_organization"))
    assert _act_as(client, harbor_client.organization).status_code == 302
    page = client.get(reverse("admin:clients_client_changelist"))
    assert page.status_code == 200
    assert str(harbor_client.pk) in page.content.decode()
    assert str(summit_client.pk) not in page.content.decode()
    # Summit's record is simply not there.
    url = reverse("admin:clients_client_change", args=[summit_client.pk])
    assert client.get(url).status_code in (302, 404)


def test_cannot_act_for_an_organization_one_does_not_administer(client, harbor_admin, summit, summit_client):
    client.force_login(harbor_admin)
    response = _act_as(client, summit)
    assert response.status_code == 200  # the form again, with an error
    assert "Choose one of your organizations" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(reverse("admin:select_organization"))


def test_choosing_the_acting_organization_is_a_security_event(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    _act_as(client, harbor)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ADMIN_ORG_SWITCH)
    assert (event.user, event.detail) == (harbor_admin, {"organization": harbor.slug})


def test_va_cannot_use_admin(client, harbor, harbor_va):
    client.force_login(harbor_va)
    response = client.get(reverse("admin:select_organization"))
    assert "not an administrator" in response.content.decode()


def test_opening_a_client_in_admin_is_audited(client, harbor, harbor_admin, harbor_client):
    client.force_login(harbor_admin)
    _act_as(client, harbor)
    assert client.get(reverse("admin:clients_client_change", args=[harbor_client.pk])).status_code == 200
    with tenant_context(harbor.id):
        event = AccessEvent.objects.get()
    assert (event.channel, event.action, event.client_id) == ("admin", "view", harbor_client.pk)


def test_admin_creates_program_in_acting_organization(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    _act_as(client, harbor)
    response = client.post(
        reverse("admin:tenancy_program_add"),
        {
            "name": "Adolescent IOP",
            "level_of_care": "iop",
            "default_min_weekly_hours": "6",
            "default_min_days_per_week": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(harbor.id):
        from iop.tenancy.models import Program

        assert Program.objects.get(name="Adolescent IOP").organization == harbor


def test_admin_loses_access_when_membership_is_deactivated(client, harbor, harbor_admin):
    other_admin = make_member(harbor, "org_admin", "second@harbor.test")
    client.force_login(other_admin)
    _act_as(client, harbor)
    assert client.get("/admin/").status_code == 200
    with tenant_context(harbor.id):
        from iop.tenancy.models import Membership

        Membership.objects.filter(user=other_admin).update(is_active=False)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)


def test_the_client_list_in_admin_is_audited_and_has_no_name_search(client, harbor, harbor_admin, harbor_client):
    client.force_login(harbor_admin)
    _act_as(client, harbor)
    page = client.get(reverse("admin:clients_client_changelist"))
    assert page.status_code == 200
    assert 'name="q"' not in page.content.decode()  # names would land in the URL's query string
    with tenant_context(harbor.id):
        event = AccessEvent.objects.get(action="list")
    assert (event.channel, event.object_ids) == ("admin", [str(harbor_client.pk)])
