"""Booking beyond what is authorized warns wherever a client is placed: the placements API and a
single seat added on a session page, not only the placement assistant."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scheduling.models import Placement

from ...scheduling.conftest import _monday_after

pytestmark = pytest.mark.django_db


def test_the_placements_api_answers_with_the_warnings(in_harbor, harbor_va, make_group, make_active_episode, today):
    group = make_group("Process", [(0, "09:00", 180)])
    episode = make_active_episode()
    api = APIClient()
    api.force_authenticate(harbor_va)
    response = api.post(
        reverse("api:placement-list", kwargs={"org_slug": "harbor"}),
        {"episode": str(episode.pk), "group": str(group.pk), "start_date": str(_monday_after(today))},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Placement.objects.filter(episode=episode).exists()
    (warning,) = response.json()["warnings"]
    assert warning.startswith("No authorization covers any of the") and "flagged as unauthorized" in warning


def test_adding_one_seat_says_when_no_authorization_covers_it(as_va, make_group, make_active_episode, week):
    group = make_group("Process", [(0, "09:00", 180)])
    session = group.sessions.get(local_date=week)
    episode = make_active_episode()
    response = as_va.post(
        reverse("scheduling:roster_add", kwargs={"org_slug": "harbor", "session_id": session.pk}),
        {"roster-episode": str(episode.pk)},
        follow=True,
    )
    body = response.content.decode()
    assert "The client was added to the roster." in body
    assert '<p class="message message--warning">No authorization covers any of the 1 booked' in body
