"""The placement assistant: the plan's requirement and availability, the proposal (ticked), the
VA's edits, acceptance booking every future session, refusals that name the full dates, and
ending a placement."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iop.clients.models import EpisodeStatus
from scheduling.models import Placement, RosterEntry, Session
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services
from tests.conftest import login
from tests.pages import post_refused

from ..conftest import schedule_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def program_groups(make_group):
    """Six hours over Monday/Wednesday/Friday plus four over Tuesday/Thursday, all mornings."""
    return {
        "process": make_group("Process MWF", [(0, "09:00", 120), (2, "09:00", 120), (4, "09:00", 120)]),
        "skills": make_group("Skills TT", [(1, "09:00", 120), (3, "09:00", 120)], kind="skills", lead=1),
    }


def assistant_url(episode) -> str:
    return schedule_url("placement_assistant", episode.organization, episode_id=episode.pk)


def checkbox_of(body: str, group) -> str:
    return re.search(rf'<input type="checkbox" name="groups" value="{group.pk}"[^>]*>', body).group(0)


def test_the_assistant_shows_the_requirement_and_proposes_groups_ticked(
    as_va, harbor, program_groups, make_active_episode
):
    episode = make_active_episode(hours=9, days=3)

    response = as_va.get(assistant_url(episode))

    body = response.content.decode()
    assert response.status_code == 200
    assert "9.0 hours on 3 days" in body
    assert "Monday" in body
    assert "12:30" in body
    assert "2 groups: 10.0 hours a week on Monday, Tuesday, Wednesday, Thursday, Friday" in body
    for group in program_groups.values():
        assert "checked" in checkbox_of(body, group)
    assert "Monday 09:00–11:00" in body


def test_accepting_places_the_client_and_books_every_future_session(
    as_va, harbor, harbor_va, program_groups, make_active_episode, today
):
    episode = make_active_episode(hours=9, days=3)

    response = as_va.post(
        assistant_url(episode),
        {"groups": [g.pk for g in program_groups.values()], "start_date": today.isoformat()},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/o/harbor/clients/{episode.client_id}/"
    placements = Placement.objects.filter(episode=episode)
    assert {p.group_id for p in placements} == {g.pk for g in program_groups.values()}
    assert all(p.created_by_id == harbor_va.pk for p in placements)
    booked = RosterEntry.objects.filter(episode=episode, status="booked")
    assert booked.count() > 5
    body = as_va.get(response["Location"]).content.decode()
    assert f"Placed into 2 groups: {booked.count()} sessions booked." in body
    upcoming = body.split('id="sessions-title"')[1].split("</section>")[0]
    assert "Process MWF" in upcoming
    assert "Skills TT" in upcoming


def test_choosing_no_group_is_refused(as_va, program_groups, make_active_episode, today):
    episode = make_active_episode()

    response = as_va.post(assistant_url(episode), {"start_date": today.isoformat()})

    body = response.content.decode()
    assert response.status_code == 422
    assert '<a href="#id_groups_0">Groups: Choose at least one group.</a>' in body
    assert not Placement.objects.filter(episode=episode).exists()


def test_a_full_group_is_refused_naming_the_dates_or_waitlisted_when_chosen(
    as_va, make_group, make_active_episode, today
):
    small = make_group("Small Process", [(0, "09:00", 120)], capacity=1)
    placement_services.placement_create(episode=make_active_episode(), group=small, start_date=today)
    episode = make_active_episode()
    data = {"groups": [small.pk], "start_date": today.isoformat()}

    refused = as_va.post(assistant_url(episode), data)

    body = refused.content.decode()
    assert refused.status_code == 422
    assert "Small Process is full on" in body
    assert "Choose other groups or add the client to the waitlist." in body
    assert not Placement.objects.filter(episode=episode).exists()

    accepted = as_va.post(assistant_url(episode), {**data, "waitlist_if_full": "on"})

    assert accepted.status_code == 302
    assert RosterEntry.objects.filter(episode=episode).exclude(status="waitlisted").count() == 0
    assert RosterEntry.objects.filter(episode=episode, status="waitlisted").exists()


def test_an_impossible_plan_says_why(as_va, program_groups, make_active_episode):
    episode = make_active_episode(hours=20, days=5)

    body = as_va.get(assistant_url(episode)).content.decode()

    assert "No set of groups meets the plan." in body
    assert "the plan requires 20.0 h over 5 day(s)" in body


def test_a_short_proposal_says_how_short_above_it_and_can_be_accepted(
    as_va, harbor, program_groups, make_active_episode
):
    episode = make_active_episode(hours=12, days=5)  # the program's groups give 10 h at most

    body = as_va.get(assistant_url(episode)).content.decode()

    notice = body.split('data-testid="proposal-short"')[1].split("</div>")[0]
    assert "This proposal gives 10.0 of 12.0 h a week — 2.0 h short." in notice
    assert "the plan requires 12.0 h over 5 day(s)" in notice
    assert body.index("This proposal gives") < body.index('name="groups"')  # above the proposal
    for group in program_groups.values():
        assert "checked" in checkbox_of(body, group)

    data = {"groups": [g.pk for g in program_groups.values()], "start_date": harbor.local_today().isoformat()}
    accepted = as_va.post(assistant_url(episode), data)

    assert accepted.status_code == 302
    assert Placement.objects.filter(episode=episode).count() == 2


def test_current_groups_show_where_the_client_is_waitlisted_with_the_position(
    as_va, harbor, make_group, make_active_episode, today
):
    full = make_group("Relapse Prevention", [(0, "09:00", 180), (2, "09:00", 180)], capacity=1)
    open_group = make_group("Skills TT", [(1, "09:00", 120), (3, "09:00", 120)], kind="skills", lead=1)
    manual = make_group("Evening Process", [(4, "09:00", 120)], capacity=1, lead=2)
    seated = make_active_episode()
    placement_services.placement_create(episode=seated, group=full, start_date=today)
    placement_services.placement_create(episode=seated, group=manual, start_date=today)
    first_waiting = make_active_episode()
    placement_services.placement_create(episode=first_waiting, group=full, start_date=today, waitlist_if_full=True)
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=full, start_date=today, waitlist_if_full=True)
    placement_services.placement_create(episode=episode, group=open_group, start_date=today)
    # Waitlisted by staff on one session's page, without a placement in the group.
    friday = Session.objects.filter(group=manual, starts_at__gt=timezone.now()).order_by("starts_at").first()
    roster_services.roster_book(session=friday, episode=episode, source="manual", waitlist_if_full=True)

    body = as_va.get(assistant_url(episode)).content.decode()

    current = body.split('id="placements-title"')[1].split('id="proposal-title"')[0]
    relapse = current.split("Relapse Prevention")[1].split("</li>")[0]
    assert "Waitlisted, position 2" in relapse  # behind the client waitlisted first
    assert "no seat yet, so its hours do not count toward the plan" in relapse
    assert "Waitlisted" not in current.split("Skills TT")[1].split("</li>")[0]
    evening = current.split("Evening Process")[1].split("</li>")[0]
    assert "not placed" in evening and "Waitlisted, position 1" in evening
    assert f"{friday.local_date:%a} {friday.local_date.day} {friday.local_date:%b}" in evening
    # The waitlisted group's hours are not counted toward the plan.
    assert "Relapse Prevention (6.0 h a week) is not counted" in body


def test_the_assistant_costs_the_same_queries_with_one_or_three_waitlisted_groups(
    as_va, make_group, make_active_episode, today
):
    seated, episode = make_active_episode(), make_active_episode(hours=20, days=5)

    def waitlist_in_a_full_group(name: str, weekday: int) -> None:
        group = make_group(name, [(weekday, "09:00", 120)], capacity=1)
        placement_services.placement_create(episode=seated, group=group, start_date=today)
        placement_services.placement_create(episode=episode, group=group, start_date=today, waitlist_if_full=True)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            body = as_va.get(assistant_url(episode)).content.decode()
        return len(ctx.captured_queries), body.count("Waitlisted, position 1")

    waitlist_in_a_full_group("Full Monday", 0)
    one = count()
    waitlist_in_a_full_group("Full Tuesday", 1)
    waitlist_in_a_full_group("Full Wednesday", 2)
    three = count()
    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


def test_ending_a_placement_removes_the_later_sessions(as_va, harbor, program_groups, make_active_episode, today, week):
    episode = make_active_episode()
    placement = placement_services.placement_create(
        episode=episode, group=program_groups["process"], start_date=today
    ).placement
    assert "Process MWF" in as_va.get(assistant_url(episode)).content.decode().split('id="placements-title"')[1]

    response = as_va.post(
        schedule_url("placement_end", harbor, placement_id=placement.pk),
        {f"end-{placement.pk}-end_date": week.isoformat()},
    )

    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.end_date == week
    live = RosterEntry.objects.filter(episode=episode, status="booked")
    assert live.exists()
    assert not live.filter(session__local_date__gt=week).exists()
    assert "later sessions removed." in as_va.get(response["Location"]).content.decode()


def test_a_refused_end_date_comes_back_to_the_assistant_as_typed(
    as_va, harbor, program_groups, make_active_episode, today
):
    episode = make_active_episode()
    placement = placement_services.placement_create(
        episode=episode, group=program_groups["process"], start_date=today
    ).placement

    response = post_refused(
        as_va,
        schedule_url("placement_end", harbor, placement_id=placement.pk),
        {f"end-{placement.pk}-end_date": "31/02/2026"},
        page=assistant_url(episode),
    )

    body = response.content.decode()
    assert "There is a problem" in body and f'id="id_end-{placement.pk}-end_date_error"' in body
    assert 'value="31/02/2026"' in body and '<details class="disclosure" open>' in body
    placement.refresh_from_db()
    assert placement.end_date is None
    # A reload (a GET of the endpoint) is the assistant page, not an error.
    reload = as_va.get(schedule_url("placement_end", harbor, placement_id=placement.pk))
    assert (reload.status_code, reload["Location"]) == (302, assistant_url(episode))


def test_a_discharged_episode_cannot_be_placed(as_va, program_groups, make_active_episode):
    episode = make_active_episode()
    episode.status = EpisodeStatus.DISCHARGED
    episode.save()

    body = as_va.get(assistant_url(episode)).content.decode()

    assert "Only clients in intake or active care can be placed into groups" in body
    assert "Place into the ticked groups" not in body


def test_clinicians_do_not_place_clients(client, harbor_clinician, program_groups, make_active_episode, today):
    episode = make_active_episode()
    login(client, harbor_clinician)

    assert client.get(assistant_url(episode)).status_code == 403
    response = client.post(assistant_url(episode), {"groups": [program_groups["process"].pk], "start_date": today})
    assert response.status_code == 403
    assert not Placement.objects.filter(episode=episode).exists()


def test_proposal_from_another_start_date(as_va, make_group, make_active_episode, today):
    later = today + dt.timedelta(days=21)
    make_group("Later Process", [(d, "09:00", 180) for d in (0, 2, 4)], effective_from=later)
    episode = make_active_episode()

    now_body = as_va.get(assistant_url(episode)).content.decode()
    later_body = as_va.get(f"{assistant_url(episode)}?start={later.isoformat()}").content.decode()

    assert "No set of groups meets the plan." in now_body
    assert "1 group: 9.0 hours a week on Monday, Wednesday, Friday" in later_body
    assert f'value="{later.isoformat()}"' in later_body
