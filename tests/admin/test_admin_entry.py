"""Getting into Django admin (issue #13): an admin of one organization goes straight in, an admin of
several chooses (the one acting for preselected), and a signed-in member who is no admin gets a
page that leads back to the app instead of a refusal or Django's login page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from iop.audit.models import SecurityEvent, SecurityEventKind
from iop.tenancy.context import tenant_context
from iop.tenancy.middleware import ADMIN_ORG_SESSION_KEY
from iop.tenancy.models import Membership

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db

CHOOSER = "/admin/organization/"
BACK_TO_APP = re.compile(r'<a class="button" href="/">Back to IOP Ops</a>')


RADIO = re.compile(r'<input type="radio" name="organization" value="([^"]+)"[^>]*>')


def _radios(page) -> dict[str, bool]:
    """The chooser's organizations (their ids) and whether each is selected."""
    return {m.group(1): " checked" in m.group(0) for m in RADIO.finditer(page.content.decode())}


def _make_admin(organization, user) -> None:
    with tenant_context(organization.id):
        MembershipFactory(organization=organization, user=user, role="org_admin")


def _redirects(response) -> list[str]:
    return [url for url, _status in response.redirect_chain]


def test_an_admin_of_one_organization_goes_straight_in(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert _redirects(response) == [f"{CHOOSER}?next=%2Fadmin%2F", "/admin/"]
    assert "<h1>Configuration</h1>" in response.content.decode()  # the admin index
    assert client.session[ADMIN_ORG_SESSION_KEY] == harbor.pk
    # Choosing for them is still a choice of organization: in the security log.
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ADMIN_ORG_SWITCH)
    assert (event.user, event.detail) == (harbor_admin, {"organization": harbor.slug})


def test_a_deep_link_lands_on_the_page_asked_for(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    programs = reverse("admin:tenancy_program_changelist")
    response = client.get(programs, follow=True)
    assert response.status_code == 200
    assert _redirects(response)[-1] == programs


def test_switching_with_one_organization_shows_it_chosen(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.get("/admin/", follow=True)  # in, acting for harbor
    page = client.get(CHOOSER)  # "Switch organization"
    assert page.status_code == 200
    assert _radios(page) == {str(harbor.pk): True}


def test_an_admin_of_two_organizations_chooses_with_the_current_one_preselected(client, harbor, summit, harbor_admin):
    _make_admin(summit, harbor_admin)
    client.force_login(harbor_admin)
    first = client.get("/admin/", follow=True)
    assert first.status_code == 200 and _redirects(first) == [f"{CHOOSER}?next=%2Fadmin%2F"]
    assert _radios(first) == {str(harbor.pk): False, str(summit.pk): False}  # nothing chosen for them
    assert ADMIN_ORG_SESSION_KEY not in client.session

    programs = reverse("admin:tenancy_program_changelist")
    chosen = client.post(CHOOSER, {"organization": summit.pk, "next": programs})
    assert chosen.status_code == 302 and chosen["Location"] == programs
    assert _radios(client.get(CHOOSER)) == {str(harbor.pk): False, str(summit.pk): True}


@pytest.mark.parametrize("next_url", ["https://elsewhere.test/admin/", "//elsewhere.test/admin/", "/o/harbor/"])
def test_the_chooser_only_returns_to_admin_pages(client, harbor, harbor_admin, next_url):
    client.force_login(harbor_admin)
    response = client.post(CHOOSER, {"organization": harbor.pk, "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("path", ["/admin/", "/admin/clients/client/", "/admin/login/", CHOOSER])
def test_a_member_who_is_no_admin_is_led_back_to_the_app(client, harbor, harbor_va, path):
    client.force_login(harbor_va)
    response = client.get(path, follow=True)
    assert response.status_code == 403
    assert not any(url.startswith(reverse("account_login")) for url in _redirects(response))  # no login loop
    html = response.content.decode()
    assert "not an administrator of any organization" in html
    assert BACK_TO_APP.search(html)
    assert ADMIN_ORG_SESSION_KEY not in client.session
    # The way back leads to their organization.
    home = client.get("/", follow=True)
    assert home.status_code == 200 and _redirects(home)[-1].startswith(f"/o/{harbor.slug}/")


def test_an_admin_whose_role_changed_while_acting_is_led_back_too(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    assert client.get("/admin/", follow=True).status_code == 200
    with tenant_context(harbor.id):
        Membership.objects.filter(user=harbor_admin).update(role="va")
    response = client.get(reverse("admin:tenancy_program_changelist"), follow=True)
    assert response.status_code == 403
    assert BACK_TO_APP.search(response.content.decode())
    assert not any(url.startswith(reverse("account_login")) for url in _redirects(response))


def test_an_admin_of_another_organization_is_taken_to_that_one(client, harbor, summit, harbor_admin):
    """Acting for harbor, then made a VA there and an admin of summit: /admin/ moves them to summit."""
    client.force_login(harbor_admin)
    client.get("/admin/", follow=True)
    with tenant_context(harbor.id):
        Membership.objects.filter(user=harbor_admin).update(role="va")
    _make_admin(summit, harbor_admin)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert f"— {summit.name}</div>" in response.content.decode()  # the header names who they act for
    assert client.session[ADMIN_ORG_SESSION_KEY] == summit.pk
