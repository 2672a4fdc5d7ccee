"""Another organization's sessions, roster entries, placements and episodes under harbor's URLs
are a 404 for every scheduling page and action, read or write, and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iop.tenancy.context import tenant_context
from scheduling.models import Placement, RosterEntry, Session

pytestmark = pytest.mark.django_db

OBJECT_PAGES = {
    "session_detail": ("session_id",),
    "roster_add": ("session_id",),
    "roster_remove": ("session_id", "entry_id"),
    "roster_undo": ("session_id", "entry_id"),
    "session_topic": ("session_id",),
    "session_move": ("session_id",),
    "session_cancel": ("session_id",),
    "session_facilitator_assign": ("session_id",),
    "placement_assistant": ("episode_id",),
    "placement_end": ("placement_id",),
}


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
def test_summit_objects_under_harbors_url_are_a_404(client, harbor, harbor_admin, summit, summit_objects, name):
    client.force_login(harbor_admin)
    kwargs = {key: summit_objects[key] for key in OBJECT_PAGES[name]}
    url = reverse(f"scheduling:{name}", kwargs={"org_slug": "harbor", **kwargs})

    assert client.get(url).status_code == 404
    assert client.post(url, {"roster-episode": summit_objects["episode_id"]}).status_code == 404
    with tenant_context(summit.id):
        assert Session.objects.get(pk=summit_objects["session_id"]).status == "scheduled"
        assert RosterEntry.objects.get(pk=summit_objects["entry_id"]).status == "booked"
        assert Placement.objects.get(pk=summit_objects["placement_id"]).end_date is None


@pytest.mark.parametrize("name", ["week", "absences", "gaps", "groups"])
def test_another_organizations_scheduling_pages_are_a_404(client, harbor, harbor_admin, summit, name):
    client.force_login(harbor_admin)

    assert client.get(reverse(f"scheduling:{name}", kwargs={"org_slug": "summit"})).status_code == 404
