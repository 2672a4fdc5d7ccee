"""The hours-at-risk worklist (what would fix each client), resolving a flag, the client page's
weekly hours, and constant query counts as the lists grow."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.hours import selectors
from attendance.models import AbsenceAlert, PaceState, ThresholdFlag
from iop.common.dates import date_short
from iop.tenancy.models import Weekday

from ..conftest import book, record, sessions_of

pytestmark = pytest.mark.django_db


def _url(name, **kwargs):
    return reverse(f"attendance:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def mwf(make_past_group):
    return make_past_group("MWF", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)], capacity=30)


def _short_client(make_active_episode, sessions, harbor_week):
    """A client who missed the week's first session (so 6 of 9 h are still possible)."""
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = episode.referral_date = harbor_week - dt.timedelta(weeks=3)
    episode.save()
    entries = book(episode, sessions)
    record(sessions[0], entries[0], "absent_excused", absence_reason="illness", now=sessions[0].ends_at)
    return episode


def test_hours_at_risk_says_what_would_fix_each_and_links_the_placement_assistant(
    as_va, mwf, make_active_episode, this_week
):
    week = this_week + dt.timedelta(weeks=1)  # judged with a constructed "now" just after Monday
    episode = _short_client(make_active_episode, sessions_of(mwf, week), week)
    (flag,) = ThresholdFlag.objects.filter(episode=episode)
    assert flag.state == PaceState.CANNOT_REACH

    body = as_va.get(_url("at_risk")).content.decode()
    assert "Cannot reach" in body and "Short by <strong>3.0 h</strong>" in body
    assert reverse("scheduling:placement_assistant", kwargs={"org_slug": "harbor", "episode_id": episode.pk}) in body


def test_the_flags_come_a_page_at_a_time_most_urgent_first(as_va, mwf, make_active_episode, this_week, monkeypatch):
    monkeypatch.setattr(selectors, "AT_RISK_PER_PAGE", 2)
    week = this_week + dt.timedelta(weeks=1)
    episodes = [_short_client(make_active_episode, sessions_of(mwf, week), week) for _ in range(3)]
    # One flag closed below the minimum: the least urgent, so alone on the second page.
    below = ThresholdFlag.objects.get(episode=episodes[1])
    ThresholdFlag.objects.filter(pk=below.pk).update(state=PaceState.BELOW_MINIMUM)

    first = as_va.get(_url("at_risk")).content.decode()
    second = as_va.get(_url("at_risk") + "?page=2").content.decode()

    assert f'id="flag-{below.pk}"' not in first and f'id="flag-{below.pk}"' in second
    assert first.count('<tr id="flag-') == 2 and second.count('<tr id="flag-') == 1
    assert '<span class="pagination__status">1–2 of 3</span>' in first and '<a href="?page=2">Less urgent</a>' in first
    assert '<span class="pagination__status">3–3 of 3</span>' in second
    assert as_va.get(_url("at_risk") + "?page=x").content.decode().count('<tr id="flag-') == 2


NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# A week whose Monday, Wednesday and Friday sessions are booked: on the Wednesday morning two are
# still ahead; on the Saturday night (Sunday in UTC) none of the week is left.
WEDNESDAY_MORNING = dt.datetime(2026, 4, 15, 8, 0, tzinfo=NEW_YORK)
SATURDAY_NIGHT = dt.datetime(2026, 4, 18, 21, 30, tzinfo=NEW_YORK)


@pytest.fixture
def clock_at(request, time_machine):
    """The clock stopped at the moment the test is parametrized with (before any fixture reads
    today's date)."""
    time_machine.move_to(request.param, tick=False)
    return request.param


def _row(body: str, episode) -> str:
    """The worklist row of the episode's flag, its text without the page around it."""
    (flag,) = ThresholdFlag.objects.filter(episode=episode)
    return body.split(f'id="flag-{flag.pk}"')[1].split("</tr>")[0]


def _cannot_reach_this_week(make_active_episode, mwf, this_week):
    """Booked into this week's three 3-hour sessions, absent on Monday: 6 of 9 h on 2 of 3 days at most."""
    episode = _short_client(make_active_episode, sessions_of(mwf, this_week), this_week)
    (flag,) = ThresholdFlag.objects.filter(episode=episode, week_start=this_week)
    assert flag.state == PaceState.CANNOT_REACH
    return episode


@pytest.mark.parametrize("clock_at", [WEDNESDAY_MORNING], indirect=True)
def test_while_sessions_of_the_week_are_ahead_adding_sessions_this_week_is_offered(
    clock_at, as_va, mwf, make_active_episode, this_week
):
    episode = _cannot_reach_this_week(make_active_episode, mwf, this_week)

    row = _row(as_va.get(_url("at_risk")).content.decode(), episode)

    assert "Short by <strong>3.0 h</strong> and 1 day even with full attendance: add sessions this week." in row
    assistant = reverse("scheduling:placement_assistant", kwargs={"org_slug": "harbor", "episode_id": episode.pk})
    assert f'href="{assistant}">Place into more groups' in row


@pytest.mark.parametrize("clock_at", [SATURDAY_NIGHT], indirect=True)
def test_on_a_saturday_night_adding_sessions_this_week_is_not_offered_but_next_week_is(
    clock_at, as_va, mwf, make_active_episode, this_week
):
    episode = _cannot_reach_this_week(make_active_episode, mwf, this_week)

    row = _row(as_va.get(_url("at_risk")).content.decode(), episode)

    assert "this week." not in row and "Place into more groups" not in row
    assert "Short by <strong>3.0 h</strong> and 1 day, and no session of this week is left to add" in row
    next_monday = this_week + dt.timedelta(weeks=1)
    assistant = reverse("scheduling:placement_assistant", kwargs={"org_slug": "harbor", "episode_id": episode.pk})
    assert f'href="{assistant}?start={next_monday.isoformat()}">Add sessions from next week (Mon 20 Apr)' in row
    # The assistant opens on that Monday.
    page = as_va.get(f"{assistant}?start={next_monday.isoformat()}").content.decode()
    assert f'value="{next_monday.isoformat()}"' in page


def test_a_flag_is_resolved_with_what_was_done(as_va, mwf, make_active_episode, this_week, harbor_va):
    week = this_week + dt.timedelta(weeks=1)
    episode = _short_client(make_active_episode, sessions_of(mwf, week), week)
    flag = ThresholdFlag.objects.get(episode=episode)

    as_va.post(_url("flag_resolve", flag_id=flag.pk), {"resolution": ""})
    flag.refresh_from_db()
    assert flag.is_open
    as_va.post(_url("flag_resolve", flag_id=flag.pk), {"resolution": "Added Thursday skills group"})
    flag.refresh_from_db()
    assert (flag.is_open, flag.resolved_by, flag.resolution) == (False, harbor_va, "Added Thursday skills group")
    assert "No client is at risk" in as_va.get(_url("at_risk")).content.decode()


def test_the_worklists_cost_the_same_queries_at_1_and_at_6_clients(as_va, mwf, make_active_episode, this_week):
    week = this_week + dt.timedelta(weeks=1)
    sessions = sessions_of(mwf, week)
    _short_client(make_active_episode, sessions, week)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert as_va.get(url).status_code == 200
        return len(ctx.captured_queries)

    ended = sessions_of(mwf, week - dt.timedelta(weeks=2))  # past: rows for the missing-attendance list

    def unrecorded_with_alert():
        """A client seated in ended sessions, two recorded unexcused (an open alert), one not at all."""
        episode = make_active_episode()
        entries = book(episode, ended)
        for session, entry in zip(ended[:2], entries[:2], strict=True):
            record(session, entry, "no_show", absence_reason="no_contact")
        return episode

    unrecorded_with_alert()
    few = {name: count(_url(name)) for name in ("at_risk", "missing", "alerts")}
    for _ in range(5):
        _short_client(make_active_episode, sessions, week)
        unrecorded_with_alert()
    many = {name: count(_url(name)) for name in ("at_risk", "missing", "alerts")}
    assert few == many
    assert AbsenceAlert.objects.filter(acknowledged_at__isnull=True).count() >= 6
    body = as_va.get(_url("missing")).content.decode()
    assert f"sessions/{ended[2].pk}/" in body and "<td>0 of 6</td>" in body  # Friday: nobody recorded
    assert f"sessions/{ended[0].pk}/" not in body  # Monday: all six recorded


def test_the_client_page_shows_weeks_and_costs_the_same_at_1_and_3_weeks(as_va, mwf, make_active_episode, past_week):
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = episode.referral_date = past_week - dt.timedelta(weeks=1)
    episode.save()
    url = reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id})

    def attend(week):
        for session, entry in zip(sessions := sessions_of(mwf, week), book(episode, sessions), strict=True):
            record(session, entry, "present")

    attend(past_week)
    with CaptureQueriesContext(connection) as one_week:
        as_va.get(url)
    attend(past_week + dt.timedelta(weeks=1))
    attend(past_week + dt.timedelta(weeks=2))
    with CaptureQueriesContext(connection) as three_weeks:
        body = as_va.get(url).content.decode()
    assert len(one_week.captured_queries) == len(three_weeks.captured_queries)
    assert f'data-testid="attended-{past_week:%Y-%m-%d}">9.0 h' in body
    assert "Required 9.0 hours on 3 days a week (treatment plan)" in body
    assert "Hours by week (Monday to Sunday)" in body

    harbor = episode.organization
    harbor.week_start = Weekday.SUNDAY
    harbor.save()
    assert "Hours by week (Sunday to Saturday)" in as_va.get(url).content.decode()


def test_the_client_page_does_not_judge_the_admission_week_or_show_weeks_before_it(
    as_va, mwf, make_active_episode, past_week
):
    """Admitted on a Monday and first seated the week after (as the demo's Jasmine Okafor): the
    admission week is shown as not judged, and no week before it is shown."""
    episode = make_active_episode(hours=9, days=3)
    episode.referral_date = past_week - dt.timedelta(days=4)
    episode.admission_date = past_week
    episode.save()
    first_full_week = past_week + dt.timedelta(weeks=1)
    for session, entry in zip(sessions := sessions_of(mwf, first_full_week), book(episode, sessions), strict=True):
        record(session, entry, "present")

    body = as_va.get(reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id}))
    body = body.content.decode()

    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr>\s*<th scope="row">([^<]+)<.*?</tr>', body, re.S)}
    admission_week = rows[date_short(past_week)]
    assert f'data-testid="attended-{past_week:%Y-%m-%d}">0.0 h' in admission_week
    assert "Admitted this week — not judged" in admission_week and "tag" not in admission_week
    assert "On track" in rows[date_short(first_full_week)]
    assert f"attended-{past_week - dt.timedelta(weeks=1):%Y-%m-%d}" not in body
