"""Placing a client into sessions beyond what is authorized warns at the moment of placement: on
the assistant's proposal before accepting, and when the placement is made (never refusing it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from iop.common.dates import date_short
from scheduling.hooks import placement_warnings
from scheduling.models import Placement, RosterEntry

from ...attendance.conftest import sessions_of
from .conftest import make_authorization

pytestmark = pytest.mark.django_db


def _assistant(episode) -> str:
    return reverse("scheduling:placement_assistant", kwargs={"org_slug": "harbor", "episode_id": episode.pk})


def _day(day: dt.date) -> str:
    return date_short(day)


def test_placing_beyond_the_authorized_days_warns_and_still_places(as_va, covered_episode, mwf, this_week):
    episode, coverage = covered_episode()
    week = this_week + dt.timedelta(weeks=1)
    make_authorization(episode, coverage, start=this_week, end=week + dt.timedelta(days=13), units=4, number="PA-5")
    in_window = sessions_of(mwf, week, days=14)  # six of the sessions the placement books

    response = as_va.post(_assistant(episode), {"groups": [mwf.pk], "start_date": week.isoformat()})

    assert response.status_code == 302
    assert Placement.objects.filter(episode=episode, group=mwf).exists()
    booked = RosterEntry.objects.filter(episode=episode, status="booked").count()
    body = as_va.get(response["Location"]).content.decode()
    assert (
        "Authorization PA-5 (S9480) covers 4 more days; with this placement the client is booked for 6 days"
        f" through {_day(in_window[-1].local_date)}: the units run out on {_day(in_window[3].local_date)}." in body
    )
    later = sessions_of(mwf, week + dt.timedelta(days=14))[0]
    assert f"No authorization covers {booked - 6} of the {booked} booked days (from {_day(later.local_date)})" in body


def test_the_proposal_warns_before_accepting(as_va, covered_episode, mwf, this_week):
    episode, coverage = covered_episode()
    week = this_week + dt.timedelta(weeks=1)
    make_authorization(episode, coverage, start=week, end=week + dt.timedelta(days=6), units=1, number="PA-6")

    body = as_va.get(_assistant(episode), {"start": week.isoformat()}).content.decode()

    assert 'data-testid="placement-warnings"' in body and "If placed as proposed:" in body
    assert "Authorization PA-6 (S9480) covers 1 more day; with this placement the client is booked for 3 days" in body


def test_within_the_authorization_there_is_no_warning(in_harbor, covered_episode, mwf, this_week):
    episode, coverage = covered_episode()
    week = this_week + dt.timedelta(weeks=1)
    make_authorization(episode, coverage, start=week, end=week + dt.timedelta(days=6), units=3)
    assert placement_warnings(episode, sessions_of(mwf, week)) == []
    assert placement_warnings(episode, []) == []


def test_a_client_without_any_authorization_is_warned_about_every_day(in_harbor, covered_episode, mwf, this_week):
    episode, _ = covered_episode()
    sessions = sessions_of(mwf, this_week + dt.timedelta(weeks=1))
    assert placement_warnings(episode, sessions) == [
        f"No authorization covers any of the 3 booked days (from {_day(sessions[0].local_date)}):"
        " attendance on them will be flagged as unauthorized."
    ]
