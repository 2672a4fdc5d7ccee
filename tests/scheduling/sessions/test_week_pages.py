"""The master schedule: a week grid of sessions by day and start time, with facilitator, fill,
waitlist and warnings in words; previous/next week; filters; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.common.dates import date_short
from iop.tenancy.context import tenant_context
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services
from scheduling.services import sessions as session_services
from tests.factories import ProgramFactory

from ..conftest import book, schedule_url, sessions_of

pytestmark = pytest.mark.django_db

# 14 for every signed-in page (session, user, MFA, membership, organization switcher, session save
# in savepoints), then the sessions with their counts, their facilitators, and the two filters'
# choices: measured 18, the same however many sessions the week holds.
WEEK_QUERY_BUDGET = 14


def week_url(organization, week: dt.date, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"week": week.isoformat(), **params}.items())
    return f"{schedule_url('week', organization)}?{query}"


def grid_of(body: str) -> str:
    return body.split('<table class="table week-grid">')[1].split("</table>")[0]


def name_of(profile) -> str:
    return escape(profile.membership.user.get_full_name())


def test_week_shows_each_session_with_its_facilitator_fill_waitlist_and_warnings(
    as_va, harbor, make_group, make_active_episode, facilitators, week
):
    morning = make_group("Morning Process", [(0, "09:00", 90)], capacity=2)
    make_group("Skills Lab", [(1, "11:00", 60)], kind="skills", lead=None)
    cancelled = make_group("Friday Check-in", [(4, "09:00", 30)], kind="checkin", lead=1)
    session = sessions_of(morning, week)[0]
    seated = [make_active_episode(), make_active_episode()]
    book(session, seated)
    waiting = make_active_episode()
    roster_services.roster_book(session=session, episode=waiting, waitlist_if_full=True)
    session_services.session_cancel(session=sessions_of(cancelled, week + dt.timedelta(days=4))[0], reason="Holiday")

    response = as_va.get(week_url(harbor, week + dt.timedelta(days=2)))

    assert response.status_code == 200
    grid = grid_of(response.content.decode())
    assert f"Sessions from {date_short(week)} to" in grid and date_short(week).startswith("Mon")
    assert "Morning Process" in grid
    assert "09:00–10:30" in grid
    assert name_of(facilitators[0]) in grid
    assert '<span class="fill">2/2</span> booked <span class="tag">Full</span>' in grid
    assert "1 on the waitlist" in grid
    assert '<span class="tag tag--warning">Uncovered</span>' in grid  # Skills Lab has no lead
    assert '<span class="tag tag--muted">Cancelled</span>' in grid
    # Rows by start time, columns by day: Monday to Friday, no empty weekend.
    assert ">09:00</th>" in grid
    assert ">11:00</th>" in grid
    assert "Monday" in grid
    assert "Friday" in grid
    assert "Saturday" not in grid
    # The schedule names no client (names made unmistakable: random ones can match a facilitator's).
    from iop.clients.models import Client

    for i, episode in enumerate([*seated, waiting]):
        Client.objects.filter(pk=episode.client_id).update(last_name=f"Xylander{i}")
    body = as_va.get(week_url(harbor, week + dt.timedelta(days=2))).content.decode()
    assert "Xylander" not in body


def test_sessions_link_to_their_page(as_va, harbor, make_group, week):
    group = make_group("Morning Process", [(0, "09:00", 90)])
    session = sessions_of(group, week)[0]

    body = as_va.get(week_url(harbor, week)).content.decode()

    assert f'href="{schedule_url("session_detail", harbor, session_id=session.pk)}"' in body


def test_previous_and_next_week_keep_the_filters(as_va, harbor, harbor_program, make_group, week):
    make_group("Morning Process", [(0, "09:00", 90)])

    body = as_va.get(week_url(harbor, week, program=harbor_program.pk)).content.decode()

    previous, following = week - dt.timedelta(days=7), week + dt.timedelta(days=7)
    assert f'href="?week={previous.isoformat()}&amp;program={harbor_program.pk}" rel="prev"' in body
    assert f'href="?week={following.isoformat()}&amp;program={harbor_program.pk}" rel="next"' in body
    assert ">This week</a>" in body


def test_the_week_follows_the_organizations_week_start(as_va, harbor, make_group, week):
    make_group("Sunday Process", [(6, "10:00", 60)])
    harbor.week_start = 6  # Sunday
    harbor.save()

    grid = grid_of(as_va.get(week_url(harbor, week + dt.timedelta(days=3))).content.decode())

    sunday = week - dt.timedelta(days=1)
    assert f"Sessions from {date_short(sunday)} to" in grid and date_short(sunday).startswith("Sun")
    assert "Sunday Process" in grid


def test_filter_by_program_and_by_facilitator(as_va, harbor, group_types, facilitators, make_group, week):
    make_group("Adult Process", [(0, "09:00", 90)], lead=0)
    make_group("Adult Skills", [(0, "11:00", 60)], kind="skills", lead=1)
    with tenant_context(harbor.id):
        couples = ProgramFactory(organization=harbor, name="Couples IOP")
    group_services.group_create(
        organization=harbor,
        program=couples,
        group_type=group_types["process"],
        name="Couples Process",
        capacity=8,
    )
    group_services.slot_create(
        group=couples.groups.get(),
        weekday=2,
        start_time=dt.time(9),
        duration_minutes=60,
        effective_from=week - dt.timedelta(days=7),
        today=week - dt.timedelta(days=7),
    )

    by_program = grid_of(as_va.get(week_url(harbor, week, program=couples.pk)).content.decode())
    by_facilitator = grid_of(as_va.get(week_url(harbor, week, facilitator=facilitators[1].pk)).content.decode())

    assert "Couples Process" in by_program
    assert "Adult Process" not in by_program
    assert "Adult Skills" in by_facilitator
    assert "Adult Process" not in by_facilitator
    assert "Couples Process" not in by_facilitator


def test_a_bad_week_or_a_foreign_filter_is_explained_and_the_current_week_shown(as_va, harbor, summit_program):
    response = as_va.get(f"{schedule_url('week', harbor)}?week=31-02-2026&program={summit_program.pk}")

    body = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in body
    assert "Week of: Enter a valid date." in body
    assert "Choose one of your organization&#x27;s programs." in body


def test_a_far_off_week_is_refused_rather_than_overflowing(as_va, harbor):
    response = as_va.get(f"{schedule_url('week', harbor)}?week=9999-12-31")

    assert response.status_code == 422
    assert "Week of: Enter a date between 2000 and 2100." in response.content.decode()


def test_every_role_sees_the_schedule_and_another_organization_is_a_404(
    client, harbor, summit, harbor_clinician, harbor_intake
):
    from tests.conftest import login

    for user in (harbor_clinician, harbor_intake):
        assert login(client, user).get(schedule_url("week", harbor)).status_code == 200
    assert client.get(schedule_url("week", summit)).status_code == 404


def test_the_week_costs_the_same_number_of_queries_at_5_and_at_40_sessions(
    as_va, harbor, make_group, make_active_episode, today, week
):
    url = week_url(harbor, week)
    first = make_group("Group 0", [(d, "08:00", 50) for d in range(5)])
    for _ in range(2):
        placement_services.placement_create(episode=make_active_episode(), group=first, start_date=today)
    as_va.get(url)
    with CaptureQueriesContext(connection) as few:
        small = as_va.get(url)

    for i in range(1, 8):
        group = make_group(f"Group {i}", [(d, f"{8 + i:02d}:00", 50) for d in range(5)], lead=i % 3 if i % 4 else None)
        for _ in range(3):
            placement_services.placement_create(episode=make_active_episode(), group=group, start_date=today)
    with CaptureQueriesContext(connection) as many:
        large = as_va.get(url)

    assert grid_of(small.content.decode()).count('<li class="session-card') == 5
    assert grid_of(large.content.decode()).count('<li class="session-card') == 40
    assert len(few.captured_queries) == len(many.captured_queries)
    assert len(many.captured_queries) <= WEEK_QUERY_BUDGET
