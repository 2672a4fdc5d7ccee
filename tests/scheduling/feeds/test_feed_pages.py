"""Facilitators' calendar feeds, through the browser UI (the feed URLs are in the "reminders"
namespace). The reminders' world gives the feed sessions with clients whose names must not leak."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iop.tenancy.context import tenant_context
from scheduling.models import CalendarFeed, Session
from scheduling.services import sessions as session_services
from tests.conftest import login
from tests.pages import get_goes_to_page

from ..reminders.conftest import TUESDAY, WEDNESDAY

pytestmark = pytest.mark.django_db


def _url(name: str, org, **kwargs) -> str:
    return reverse(f"reminders:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def facilitator(facilitators):
    return facilitators[0]


def _create_feed(client, organization, profile) -> str:
    login(client, profile.membership.user)
    response = client.post(_url("calendar_feed", organization))
    assert response.status_code == 200
    assert "shown only this once" in response.content.decode()
    return response.context["issued_url"]


def test_a_facilitators_feed_lists_their_sessions_without_clients(client, harbor, world, facilitator):
    url = _create_feed(client, harbor, facilitator)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    ics = response.content.decode()
    with tenant_context(harbor.id):
        tuesday = Session.objects.get(group=world["process"], local_date=TUESDAY)
    assert f"UID:{tuesday.pk}" in ics
    assert "SUMMARY:Process group" in ics
    assert "DTSTART:20260414T130000Z" in ics  # 09:00 in New York
    assert "LOCATION:https://video.example.test/room" in ics
    assert "Skills training" not in ics  # another facilitator's group
    for name in ("ana", "ben", "cara", "dan", "eve"):
        assert world[name].last_name not in ics
        assert world[name].first_name not in ics
    assert "STATUS:CANCELLED" not in ics

    # A cancelled session stays in the calendar, marked cancelled.
    with tenant_context(harbor.id):
        session_services.session_cancel(session=Session.objects.get(group=world["process"], local_date=WEDNESDAY))
    assert "STATUS:CANCELLED" in client.get(url).content.decode()


def test_the_feed_url_is_stored_only_as_a_digest(client, harbor, world, facilitator):
    url = _create_feed(client, harbor, facilitator)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    with tenant_context(harbor.id):
        feed = CalendarFeed.objects.get()
    assert token not in feed.digest
    assert len(feed.digest) == 64


def test_a_new_feed_replaces_the_old_and_revoking_turns_it_off(client, harbor, world, facilitator):
    old = _create_feed(client, harbor, facilitator)
    new = _create_feed(client, harbor, facilitator)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    with tenant_context(harbor.id):
        feed = CalendarFeed.objects.get(revoked_at__isnull=True)
    page = client.get(_url("calendar_feed", harbor)).content.decode()
    assert "Your feed is on" in page
    assert new not in page

    revoke = _url("calendar_feed_revoke", harbor, feed_id=feed.pk)
    get_goes_to_page(client, revoke, page=_url("calendar_feed", harbor))
    assert client.get(new).status_code == 200
    response = client.post(revoke)
    assert response.status_code == 302
    assert client.get(new).status_code == 404
    assert "You have no calendar feed." in client.get(_url("calendar_feed", harbor)).content.decode()


def test_the_feed_token_is_unknown_under_another_organization(client, harbor, summit, world, facilitator):
    url = _create_feed(client, harbor, facilitator)
    client.logout()
    assert client.get(url.replace("/o/harbor/", "/o/summit/")).status_code == 404
    assert client.get(url.replace(".ics", "x.ics")).status_code == 404
    assert client.post(url).status_code == 405


def test_only_facilitators_have_a_feed_and_only_their_own(client, harbor, harbor_va, world, facilitators):
    _create_feed(client, harbor, facilitators[1])
    with tenant_context(harbor.id):
        others = CalendarFeed.objects.get()
    client.logout()
    login(client, harbor_va)
    page = client.get(_url("calendar_feed", harbor)).content.decode()
    assert "Calendar feeds are for facilitators." in page
    assert client.post(_url("calendar_feed", harbor)).status_code == 403

    login(client, facilitators[0].membership.user)
    assert client.post(_url("calendar_feed_revoke", harbor, feed_id=others.pk)).status_code == 404
    with tenant_context(harbor.id):
        assert CalendarFeed.objects.get(pk=others.pk).revoked_at is None
        assert CalendarFeed.objects.count() == 1
