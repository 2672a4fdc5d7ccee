"""The in-app inbox: one's own notifications only, unread first, and marking them read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iop.notifications.models import Notification
from iop.notifications.selectors import unread_count
from iop.notifications.services import notice_send
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import login
from tests.pages import get_goes_to_page

pytestmark = pytest.mark.django_db


def _membership(organization, user) -> Membership:
    with tenant_context(organization.id):
        return Membership.objects.get(user=user)


def _notify(organization, membership, title: str, key: str, link: str = "") -> Notification:
    with tenant_context(organization.id):
        notice_send(
            organization=organization,
            recipients=[membership],
            kind="test",
            title=title,
            link=link,
            dedupe_key=key,
        )
        return Notification.objects.get(recipient=membership, dedupe_key=key)


def _inbox(org) -> str:
    return reverse("notifications:inbox", kwargs={"org_slug": org.slug})


def _read(org, notification) -> str:
    return reverse("notifications:notification_read", kwargs={"org_slug": org.slug, "notification_id": notification.pk})


@pytest.fixture
def inboxes(harbor, harbor_va, harbor_admin):
    va, admin = _membership(harbor, harbor_va), _membership(harbor, harbor_admin)
    old = _notify(harbor, va, "Older: waitlisted client seated", "a", link="/o/harbor/schedule/")
    new = _notify(harbor, va, "Newer: no facilitator for Process group", "b")
    theirs = _notify(harbor, admin, "For the admin only", "c")
    return {"va": va, "admin": admin, "old": old, "new": new, "theirs": theirs}


def test_the_inbox_shows_only_ones_own_notifications_unread_first(client, harbor, harbor_va, inboxes):
    with tenant_context(harbor.id):
        Notification.objects.filter(pk=inboxes["new"].pk).update(read_at=inboxes["new"].created_at)
    login(client, harbor_va)
    response = client.get(_inbox(harbor))
    assert response.status_code == 200
    page = response.content.decode()
    assert "For the admin only" not in page
    assert page.index("Older: waitlisted client seated") < page.index("Newer: no facilitator")  # unread first
    assert "1 unread" in page
    assert 'href="/o/harbor/schedule/"' in page
    assert "no-store" in response["Cache-Control"]


def test_mark_read(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    response = client.post(_read(harbor, inboxes["old"]))
    assert response.status_code == 302
    assert response["Location"] == _inbox(harbor)
    with tenant_context(harbor.id):
        read = Notification.objects.get(pk=inboxes["old"].pk)
        assert read.read_at is not None
        assert unread_count(membership=inboxes["va"]) == 1
    first = read.read_at
    client.post(_read(harbor, inboxes["old"]))  # a second click keeps the first read time
    with tenant_context(harbor.id):
        assert Notification.objects.get(pk=read.pk).read_at == first


def test_another_members_notification_is_not_found(client, harbor, harbor_va, inboxes):
    login(client, harbor_va)
    assert client.post(_read(harbor, inboxes["theirs"])).status_code == 404
    # A GET (a reload, a bookmark) is the inbox, not an empty 405; it marks nothing read.
    get_goes_to_page(client, _read(harbor, inboxes["old"]), page=_inbox(harbor))
    with tenant_context(harbor.id):
        assert Notification.objects.get(pk=inboxes["theirs"].pk).read_at is None
        assert Notification.objects.get(pk=inboxes["old"].pk).read_at is None


def test_another_organizations_notification_is_not_found(client, harbor, harbor_va, summit, summit_va):
    foreign = _notify(summit, _membership(summit, summit_va), "Summit only", "s")
    login(client, harbor_va)
    assert client.post(_read(harbor, foreign)).status_code == 404
    assert client.get(_inbox(summit)).status_code == 404
    with tenant_context(summit.id):
        assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_unread_count_for_the_layout(harbor, inboxes):
    with tenant_context(harbor.id):
        assert unread_count(membership=inboxes["va"]) == 2
        assert unread_count(membership=inboxes["admin"]) == 1
    assert unread_count(membership=None) == 0
