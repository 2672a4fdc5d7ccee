"""The scheduling-gaps worklist (clients to place) and the navigation to it."""

from __future__ import annotations

from html import escape

import pytest

from scheduling.services import placements as placement_services
from tests.common.test_layout import nav_of
from tests.conftest import login
from tests.pages import access_events

from ..conftest import schedule_url

pytestmark = pytest.mark.django_db


def test_gaps_list_unplaced_and_short_clients_with_a_link_to_place_them(
    as_va, harbor, make_group, make_active_episode, today
):
    group = make_group("Process MWF", [(0, "09:00", 90), (2, "09:00", 90), (4, "09:00", 90)])
    unplaced = make_active_episode(hours=9, days=3)
    short = make_active_episode(hours=9, days=3)
    placement_services.placement_create(episode=short, group=group, start_date=today)

    response = as_va.get(schedule_url("gaps", harbor))

    body = response.content.decode()
    assert response.status_code == 200
    rows = body.split("<tbody>")[1]
    unplaced_row = rows.split(escape(unplaced.client.sort_name))[1].split("</tr>")[0]
    short_row = rows.split(escape(short.client.sort_name))[1].split("</tr>")[0]
    assert "No group placement" in unplaced_row
    assert "No group placement" not in short_row
    assert "Next week: 4.5 of 9.0 h scheduled" in short_row
    assert schedule_url("placement_assistant", harbor, episode_id=unplaced.pk) in unplaced_row
    [event] = access_events(harbor, action="list", object_type="clients.Client")
    assert {str(unplaced.client_id), str(short.client_id)} <= set(event.object_ids)


def test_a_fully_scheduled_program_has_no_gaps(as_va, harbor):
    body = as_va.get(schedule_url("gaps", harbor)).content.decode()

    assert "Every active client is booked for their required hours and days this week and next." in body


def test_clinicians_do_not_get_the_gaps_worklist(client, harbor, harbor_clinician):
    login(client, harbor_clinician)

    assert client.get(schedule_url("gaps", harbor)).status_code == 403


def test_navigation_offers_the_schedule_to_all_and_the_gaps_to_those_who_place(
    client, harbor, harbor_va, harbor_clinician
):
    va_nav = nav_of(login(client, harbor_va).get(schedule_url("week", harbor)).content.decode())
    clinician_nav = nav_of(login(client, harbor_clinician).get(schedule_url("week", harbor)).content.decode())

    assert 'aria-current="page">Schedule</a>' in va_nav
    assert "Scheduling gaps" in va_nav
    assert "Notifications" in va_nav
    assert "Schedule" in clinician_nav
    assert "Scheduling gaps" not in clinician_nav
