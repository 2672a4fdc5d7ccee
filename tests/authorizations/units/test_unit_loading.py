"""Unit figures from real attendance and bookings: the payer's daily minimum per diem, sessions of
the code's track, bookings ahead, and a constant number of queries however many authorizations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations.units.selectors import unit_figures_load

from ...attendance.conftest import book, record, sessions_of
from ..conftest import make_rule
from .conftest import make_authorization

pytestmark = pytest.mark.django_db


def _attend_week(episode, group, week, statuses):
    """Book the client into the week's sessions and record each with (status, minutes attended)."""
    sessions = sessions_of(group, week)
    for session, entry, (status, minutes) in zip(sessions, book(episode, sessions), statuses, strict=True):
        kwargs = {}
        if minutes is not None:
            kwargs["departed_at"] = session.starts_at + dt.timedelta(minutes=minutes)
        record(session, entry, status, **kwargs)
    return sessions


def test_per_diem_days_count_at_the_payers_daily_minimum(in_harbor, payer, covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    # Monday in full (180), Wednesday left after two hours (120), Friday absent.
    _attend_week(episode, mwf, past_week, [("present", None), ("left_early", 120), ("absent_excused", None)])
    authorization = make_authorization(
        episode, coverage, start=past_week, end=past_week + dt.timedelta(days=13), units=10
    )

    figures = unit_figures_load([authorization], organization=in_harbor)[authorization.pk]
    assert (figures.used, figures.remaining) == (1, 9)  # no rule: 180 minutes a day

    make_rule(payer, min_minutes_per_day=120)
    figures = unit_figures_load([authorization], organization=in_harbor)[authorization.pk]
    assert (figures.used, figures.remaining) == (2, 8)  # the payer counts two hours a day


def test_session_codes_count_sessions_of_their_track_only(in_harbor, covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    # Wednesday: left after an hour (the times say so: "late" with an on-time arrival is refused).
    _attend_week(episode, mwf, past_week, [("present", None), ("left_early", 60), ("no_show", None)])
    window = {"start": past_week, "end": past_week + dt.timedelta(days=6)}
    group = make_authorization(episode, coverage, code="90853", unit_type="per_session", units=12, **window)
    individual = make_authorization(episode, coverage, code="90834", unit_type="per_session", units=4, **window)
    quarters = make_authorization(episode, coverage, code="H0015", unit_type="per_15_min", units=40, **window)

    loaded = unit_figures_load([group, individual, quarters], organization=in_harbor)

    assert loaded[group.pk].used == 2  # the group-therapy sessions attended
    assert loaded[individual.pk].used == 0  # no individual-therapy session
    # A program code counts every session: 180 and 60 minutes → 12 + 4 quarter hours.
    assert loaded[quarters.pk].used == 16


def test_bookings_ahead_are_scheduled_and_project_the_exhaustion_date(
    in_harbor, covered_episode, mwf, this_week, past_week
):
    episode, coverage = covered_episode()
    _attend_week(episode, mwf, past_week, [("present", None)] * 3)
    ahead = sessions_of(mwf, this_week + dt.timedelta(weeks=1), days=14)  # six sessions, all in the future
    book(episode, ahead)
    authorization = make_authorization(
        episode,
        coverage,
        start=past_week,
        end=this_week + dt.timedelta(days=27),
        next_review=this_week + dt.timedelta(days=20),
        units=7,
    )

    figures = unit_figures_load([authorization], organization=in_harbor)[authorization.pk]

    assert (figures.used, figures.scheduled, figures.remaining) == (3, 6, 4)
    assert figures.projected_exhaustion_date == ahead[3].local_date  # the fourth booked day uses the last unit
    assert figures.runs_out_before_review


def test_loading_costs_the_same_queries_for_2_and_8_authorizations(in_harbor, payer, covered_episode, mwf, past_week):
    make_rule(payer, min_minutes_per_day=120)

    def authorized_clients(count):
        made = []
        for _ in range(count):
            episode, coverage = covered_episode()
            _attend_week(episode, mwf, past_week, [("present", None), ("present", None), ("no_show", None)])
            made.append(make_authorization(episode, coverage, start=past_week, end=past_week + dt.timedelta(days=30)))
        return made

    def measured(authorizations):
        fresh = [type(a).objects.get(pk=a.pk) for a in authorizations]  # nothing related loaded yet
        with CaptureQueriesContext(connection) as ctx:
            loaded = unit_figures_load(fresh, organization=in_harbor)
        assert all(f.used == 2 for f in loaded.values())
        return len(ctx.captured_queries)

    two = authorized_clients(2)
    eight = two + authorized_clients(6)
    assert measured(two) == measured(eight) <= 7
