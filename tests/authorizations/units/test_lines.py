"""Burn-down per authorization line: each approved code counts with its own unit type, track,
window and units; the authorization's one figure is its primary code's (every window of it);
placement warnings name the line that runs out; unauthorized days are the days no line holds; the
attendance report's payer side has a row per line; loading stays at a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.hours.selectors import episode_for_attendance
from authorizations.models import UnauthorizedDay
from authorizations.units.selectors import report_payer_load, unit_figures_load, units_load
from authorizations.units.services import unauthorized_days_resolve
from scheduling.hooks import placement_warnings

from ...attendance.conftest import book, record, sessions_of
from ..conftest import BASE
from .conftest import make_authorization

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _line(code, unit_type, units, start, end, **extra) -> dict:
    return dict(code=code, unit_type=unit_type, units_authorized=units, start_date=start, end_date=end, **extra)


def _attend(episode, sessions, status="present"):
    for session, entry in zip(sessions, book(episode, sessions), strict=True):
        record(session, entry, status)


@pytest.fixture
def program(covered_episode, mwf, past_week):
    """Three lines over two weeks from `past_week`: 10 program days, 2 group sessions, 4 individual
    sessions; the client attended the three group sessions of the first week in full."""
    episode, coverage = covered_episode()
    _attend(episode, sessions_of(mwf, past_week))
    end = past_week + 13 * DAY
    authorization = make_authorization(
        episode,
        coverage,
        start=past_week,
        end=end,
        number="PA-L",
        lines=[
            _line("90853", "per_session", 2, past_week, end),
            _line("S9480", "per_diem", 10, past_week, end),
            _line("90834", "per_session", 4, past_week, end),
        ],
    )
    return authorization


def test_each_line_burns_down_its_own_units(in_harbor, program):
    loaded = units_load([program], organization=in_harbor)
    by_code = {line.code: loaded.by_line[line.pk] for line in program.lines.all()}
    assert (by_code["S9480"].used, by_code["S9480"].remaining) == (3, 7)  # three full program days
    assert (by_code["90853"].used, by_code["90853"].remaining) == (3, -1)  # group sessions: one over
    assert by_code["90853"].exhausted
    assert (by_code["90834"].used, by_code["90834"].remaining) == (0, 4)  # no individual session
    # The one figure is the program per diem's (the primary line).
    assert loaded.by_authorization[program.pk] == by_code["S9480"]


def test_a_code_approved_for_two_windows_counts_as_one_figure(in_harbor, covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    _attend(episode, sessions_of(mwf, past_week, days=14))  # six days over the two windows
    first_end = past_week + 6 * DAY
    authorization = make_authorization(
        episode,
        coverage,
        start=past_week,
        end=past_week + 13 * DAY,
        lines=[
            _line("S9480", "per_diem", 4, past_week, first_end),
            _line("S9480", "per_diem", 5, first_end + DAY, past_week + 13 * DAY),
        ],
    )
    loaded = units_load([authorization], organization=in_harbor)
    first, second = authorization.lines.order_by("start_date")
    assert (loaded.by_line[first.pk].used, loaded.by_line[first.pk].remaining) == (3, 1)
    assert (loaded.by_line[second.pk].used, loaded.by_line[second.pk].remaining) == (3, 2)
    together = loaded.by_authorization[authorization.pk]
    assert (together.authorized, together.used, together.remaining) == (9, 6, 3)


def test_a_placement_warning_names_the_line_that_runs_out(in_harbor, covered_episode, mwf, this_week):
    episode, coverage = covered_episode()
    week = this_week + dt.timedelta(weeks=1)
    make_authorization(
        episode,
        coverage,
        start=week,
        end=week + 6 * DAY,
        number="PA-W",
        lines=[
            _line("S9480", "per_diem", 5, week, week + 6 * DAY),
            _line("90853", "per_session", 1, week, week + 6 * DAY),
        ],
    )
    sessions = sessions_of(mwf, week)
    warnings = placement_warnings(episode, sessions)
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "Authorization PA-W (90853) covers 1 more session; with this placement the client is booked for 3 sessions"
    )


def test_days_between_the_lines_windows_are_unauthorized(covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    monday, wednesday, friday = sessions_of(mwf, past_week)
    authorization = make_authorization(
        episode,
        coverage,
        start=monday.local_date,
        end=friday.local_date,
        lines=[
            _line("S9480", "per_diem", 1, monday.local_date, monday.local_date),
            _line("S9480", "per_diem", 1, friday.local_date, friday.local_date),
        ],
    )
    _attend(episode, [monday, wednesday, friday])
    open_days = UnauthorizedDay.objects.filter(episode=episode, resolved_at__isnull=True)
    assert [(d.local_date, d.kind) for d in open_days] == [(wednesday.local_date, "outside")]
    # Placing on the gap warns too.
    assert any(
        "No authorization covers 1 of the 3 booked days" in w
        for w in placement_warnings(episode, [monday, wednesday, friday])
    )

    # A line that comes to cover Wednesday resolves it.
    authorization.lines.create(
        organization_id=authorization.organization_id,
        determination=authorization.determination,
        code="90853",
        unit_type="per_session",
        units_authorized=3,
        start_date=wednesday.local_date,
        end_date=wednesday.local_date,
    )
    assert unauthorized_days_resolve(authorization=authorization) == 1
    assert not UnauthorizedDay.objects.filter(episode=episode, resolved_at__isnull=True).exists()


def test_the_attendance_reports_payer_side_has_a_row_per_line(in_harbor, program, past_week):
    episode = episode_for_attendance(organization=in_harbor, episode_id=program.episode_id)
    payer = report_payer_load(
        organization=in_harbor, episode=episode, start=past_week, end=past_week + 6 * DAY, now=timezone.now()
    )
    rows = {row.code: row for row in payer.authorizations}
    assert set(rows) == {"S9480", "90853", "90834"}
    assert (rows["S9480"].authorized, rows["S9480"].used, rows["S9480"].remaining, rows["S9480"].unit_label) == (
        10,
        3,
        7,
        "days",
    )
    assert (rows["90853"].used, rows["90853"].remaining, rows["90853"].unit_label) == (3, -1, "sessions")
    assert {row.number for row in rows.values()} == {"PA-L"}


def test_loading_lines_costs_the_same_queries_for_2_and_8_authorizations(in_harbor, covered_episode, mwf, past_week):
    end = past_week + 13 * DAY

    def authorized(count):
        made = []
        for _ in range(count):
            episode, coverage = covered_episode()
            _attend(episode, sessions_of(mwf, past_week))
            made.append(
                make_authorization(
                    episode,
                    coverage,
                    start=past_week,
                    end=end,
                    lines=[
                        _line("S9480", "per_diem", 10, past_week, end),
                        _line("90853", "per_session", 6, past_week, end),
                    ],
                )
            )
        return made

    def measured(authorizations):
        fresh = [type(a).objects.get(pk=a.pk) for a in authorizations]
        with CaptureQueriesContext(connection) as ctx:
            loaded = units_load(fresh, organization=in_harbor)
        assert all(f.used == 3 for f in loaded.by_line.values()) and len(loaded.by_line) == 2 * len(fresh)
        return len(ctx.captured_queries)

    two = authorized(2)
    eight = two + authorized(6)
    assert measured(two) == measured(eight) <= 7
    assert unit_figures_load([two[0]], organization=in_harbor)[two[0].pk].authorized == 10


def test_the_api_and_the_pages_show_each_line_with_its_units(api, harbor_va, as_va, program):
    data = api(harbor_va).get(f"{BASE}/authorizations/{program.pk}/").json()
    lines = {line["code"]: line for line in data["lines"]}
    assert {k: lines["90853"][k] for k in ("units_authorized", "used", "remaining", "status", "counted")} == {
        "units_authorized": 2,
        "used": 3,
        "remaining": -1,
        "status": "A1",
        "counted": True,
    }
    assert (data["code"], data["authorized"], data["used"]) == ("S9480", 10, 3)

    url = reverse("authorizations:authorization_detail", kwargs={"org_slug": "harbor", "authorization_id": program.pk})
    page = as_va.get(url).content.decode()
    assert 'data-testid="line-90853"' in page and 'data-testid="line-90834"' in page
