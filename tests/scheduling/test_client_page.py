"""The client page's upcoming sessions and link to placement (the panel scheduling registers)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.services import placements as placement_services

from .conftest import schedule_url

pytestmark = pytest.mark.django_db


def test_client_page_lists_upcoming_sessions_and_links_to_placement(
    as_va, harbor, make_group, make_active_episode, today
):
    group = make_group("Process MWF", [(0, "09:00", 90), (2, "09:00", 90)])
    episode = make_active_episode()
    url = f"/o/harbor/clients/{episode.client_id}/"
    body = as_va.get(url).content.decode()
    assert "No upcoming sessions." in body
    assert schedule_url("placement_assistant", harbor, episode_id=episode.pk) in body

    placement_services.placement_create(episode=episode, group=group, start_date=today)
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

    placement_services.placement_create(episode=episode, group=groups[0], start_date=today)
    with CaptureQueriesContext(connection) as one:
        as_va.get(url)
    for placed in groups[1:]:
        placement_services.placement_create(episode=episode, group=placed, start_date=today)
    with CaptureQueriesContext(connection) as three:
        as_va.get(url)

    assert len(one.captured_queries) == len(three.captured_queries)
    # Without any placement a prefetch has nothing to fetch, so it may cost one query less.
    assert len(none.captured_queries) <= len(one.captured_queries)
