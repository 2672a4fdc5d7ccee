"""Attended days no authorization covers are flagged the moment attendance is saved ("none" when
the client has no authorization at all, "outside" when none holds the date), once, and resolved
when an authorization comes to cover them."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import UnauthorizedDay
from authorizations.units.services import unauthorized_days_resolve

from ...attendance.conftest import book, record, sessions_of
from .conftest import make_authorization

pytestmark = pytest.mark.django_db


def _days(episode) -> list[tuple[dt.date, str, bool]]:
    return [
        (d.local_date, d.kind, d.resolved_at is None)
        for d in UnauthorizedDay.objects.filter(episode=episode).order_by("local_date")
    ]


def test_a_day_attended_without_any_authorization_is_flagged_at_once_and_once(covered_episode, mwf, past_week):
    episode, _ = covered_episode()
    monday, wednesday, friday = sessions_of(mwf, past_week)
    entries = book(episode, [monday, wednesday, friday])

    record(monday, entries[0], "present")
    assert _days(episode) == [(monday.local_date, "none", True)]

    record(wednesday, entries[1], "no_show")  # an absence is no unauthorized day
    record(monday, entries[0], "late", arrived_at=monday.starts_at + dt.timedelta(minutes=20))  # a correction
    assert _days(episode) == [(monday.local_date, "none", True)]


def test_days_outside_every_window_are_flagged_and_days_inside_are_not(covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    monday, wednesday, friday = sessions_of(mwf, past_week)
    make_authorization(episode, coverage, start=monday.local_date, end=wednesday.local_date)
    entries = book(episode, [monday, wednesday, friday])

    for session, entry in zip([monday, wednesday, friday], entries, strict=True):
        record(session, entry, "present")

    assert _days(episode) == [(friday.local_date, "outside", True)]


def test_a_cancelled_authorization_covers_nothing(covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    (monday, *_rest) = sessions_of(mwf, past_week)
    make_authorization(episode, coverage, start=past_week, end=past_week + dt.timedelta(days=6), status="cancelled")
    record(monday, book(episode, [monday])[0], "present")
    assert _days(episode) == [(monday.local_date, "none", True)]


def test_an_authorization_that_comes_to_cover_the_days_resolves_them(covered_episode, mwf, past_week):
    episode, coverage = covered_episode()
    first_week = sessions_of(mwf, past_week)
    next_monday = sessions_of(mwf, past_week + dt.timedelta(weeks=1))[0]
    sessions = [*first_week, next_monday]
    for session, entry in zip(sessions, book(episode, sessions), strict=True):
        record(session, entry, "present")
    assert len(_days(episode)) == 4

    authorization = make_authorization(episode, coverage, start=past_week, end=past_week + dt.timedelta(days=6))
    assert unauthorized_days_resolve(authorization=authorization) == 3

    # The week is covered; the Monday after is now outside the (one) authorization's window.
    assert _days(episode) == [
        *[(s.local_date, "none", False) for s in first_week],
        (next_monday.local_date, "outside", True),
    ]
    assert unauthorized_days_resolve(authorization=authorization) == 0  # idempotent
