"""The scheduling-gaps worklist, the groups page, the navigation, and the client page's upcoming
sessions and link to placement."""

from __future__ import annotations

from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import services
from tests.conftest import login
from tests.ui.test_layout import nav_of

from .conftest import access_events, schedule_url

pytestmark = pytest.mark.django_db


def test_gaps_list_unplaced_and_short_clients_with_a_link_to_place_them(
    as_va, harbor, make_group, make_active_episode, today
):
    group = make_group("Process MWF", [(0, "09:00", 90), (2, "09:00", 90), (4, "09:00", 90)])
    unplaced = make_active_episode(hours=9, days=3)
    short = make_active_episode(hours=9, days=3)
    services.placement_create(episode=short, group=group, start_date=today)

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


def test_groups_page_shows_type_capacity_facilitators_and_weekly_times(
    client, harbor, harbor_clinician, make_group, facilitators
):
    make_group("Process MWF", [(0, "09:00", 90), (2, "13:00", 60)], capacity=12, co=1)

    body = login(client, harbor_clinician).get(schedule_url("groups", harbor)).content.decode()

    row = body.split('<th scope="row">Process MWF</th>')[1].split("</tr>")[0]
    assert "Process group" in row
    assert ">12<" in row
    assert f"{escape(facilitators[0].membership.user.get_full_name())} (lead)" in row
    assert f"{escape(facilitators[1].membership.user.get_full_name())} (co)" in row
    assert "Monday 09:00–10:30" in row
    assert "Wednesday 13:00–14:00" in row


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


def test_client_page_lists_upcoming_sessions_and_links_to_placement(
    as_va, harbor, make_group, make_active_episode, today
):
    group = make_group("Process MWF", [(0, "09:00", 90), (2, "09:00", 90)])
    episode = make_active_episode()
    url = f"/o/harbor/clients/{episode.client_id}/"
    body = as_va.get(url).content.decode()
    assert "No upcoming sessions." in body
    assert schedule_url("placement_assistant", harbor, episode_id=episode.pk) in body

    services.placement_create(episode=episode, group=group, start_date=today)
    body = as_va.get(url).content.decode()

    section = body.split('id="sessions-title"')[1].split("</section>")[0]
    assert section.count("Process MWF") == 10  # the next ten sessions only
    assert "/o/harbor/schedule/sessions/" in section


def test_client_page_costs_the_same_number_of_queries_with_or_without_sessions(
    as_va, make_group, make_active_episode, today
):
    groups = [
        make_group("Process MWF", [(0, "09:00", 90), (2, "09:00", 90)]),
        make_group("Skills TT", [(1, "09:00", 90), (3, "09:00", 90)], kind="skills", lead=1),
        make_group("Process late", [(0, "11:00", 60), (4, "11:00", 60)], lead=2),
    ]
    episode = make_active_episode()
    url = f"/o/harbor/clients/{episode.client_id}/"
    as_va.get(url)
    with CaptureQueriesContext(connection) as none:
        as_va.get(url)

    services.placement_create(episode=episode, group=groups[0], start_date=today)
    with CaptureQueriesContext(connection) as one:
        as_va.get(url)
    for placed in groups[1:]:
        services.placement_create(episode=episode, group=placed, start_date=today)
    with CaptureQueriesContext(connection) as three:
        as_va.get(url)

    assert len(one.captured_queries) == len(three.captured_queries)
    # Without any placement a prefetch has nothing to fetch, so it may cost one query less.
    assert len(none.captured_queries) <= len(one.captured_queries)


def test_org_admins_are_pointed_to_administration_to_change_groups(client, harbor, harbor_admin, harbor_va):
    admin_body = login(client, harbor_admin).get(schedule_url("groups", harbor)).content.decode()
    va_body = login(client, harbor_va).get(schedule_url("groups", harbor)).content.decode()

    assert 'href="/admin/scheduling/group/"' in admin_body
    assert "/admin/scheduling/group/" not in va_body
