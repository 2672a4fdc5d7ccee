"""An episode's weekly hours through the API, on a constructed week: scheduled, attended and
required hours and days, where the requirement comes from, and the pace state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from iop.audit.models import AccessEvent

from ..conftest import BASE, book, record, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def constructed(make_past_group, make_active_episode, harbor_program, past_week):
    """The program's default is 6 h on 2 days; the client's plan (9 h on 3 days) starts the week
    after `past_week`. In `past_week`: Monday present (3 h), Tuesday's check-in present (does not
    count), Wednesday 30 minutes late (2.5 h), Friday absent. The next week: Monday booked, never
    recorded."""
    harbor_program.default_min_weekly_hours = Decimal("6.0")
    harbor_program.default_min_days_per_week = 2
    harbor_program.save()
    process = make_past_group("Process A", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)])
    checkin = make_past_group("Check-in", [(1, "09:00", 60)], kind="checkin", lead=1)
    episode = make_active_episode()
    episode.referral_date = past_week - dt.timedelta(weeks=2)
    episode.admission_date = past_week - dt.timedelta(days=5)  # the Wednesday before: a partial week
    episode.save(update_fields=["referral_date", "admission_date"])
    episode.treatment_plan.effective_from = past_week + dt.timedelta(weeks=1)
    episode.treatment_plan.save(update_fields=["effective_from"])

    monday, wednesday, friday = sessions_of(process, past_week)
    (tuesday,) = sessions_of(checkin, past_week)
    entries = dict(zip("mwft", book(episode, [monday, wednesday, friday, tuesday]), strict=True))
    record(monday, entries["m"])
    record(tuesday, entries["t"])
    record(wednesday, entries["w"], "late", arrived_at=wednesday.starts_at + dt.timedelta(minutes=30))
    record(friday, entries["f"], "absent_unexcused", absence_reason="transportation")
    book(episode, sessions_of(process, past_week + dt.timedelta(weeks=1))[:1])
    return episode


def test_the_constructed_week(va_api, constructed, past_week, this_week):
    response = va_api.get(f"{BASE}/weekly-hours/{constructed.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["episode"], body["client"]) == (str(constructed.pk), str(constructed.client_id))
    weeks = {w["week_start"]: w for w in body["weeks"]}
    # This week back to the admission week, newest first.
    assert list(weeks) == [(this_week - dt.timedelta(weeks=n)).isoformat() for n in range(5)]

    assert weeks[past_week.isoformat()] == {
        "week_start": past_week.isoformat(),
        "week_end": (past_week + dt.timedelta(days=6)).isoformat(),
        "scheduled_hours": "9.0",  # three 3-hour sessions; the check-in does not count
        "attended_hours": "5.5",
        "required_hours": "6.0",
        "required_days": 2,
        "requirement_source": "program",
        "days_attended": 2,
        "remaining_hours": "0.0",
        "state": "below_minimum",
        "closed": True,
        "evaluable": True,
    }
    next_week = weeks[(past_week + dt.timedelta(weeks=1)).isoformat()]
    assert {k: next_week[k] for k in ("scheduled_hours", "attended_hours", "remaining_hours")} == {
        "scheduled_hours": "3.0",
        "attended_hours": "0.0",
        "remaining_hours": "3.0",
    }
    assert (next_week["required_hours"], next_week["required_days"]) == ("9.0", 3)
    assert next_week["requirement_source"] == "treatment_plan"
    admission_week = weeks[(past_week - dt.timedelta(weeks=1)).isoformat()]
    assert admission_week["evaluable"] is False
    assert weeks[this_week.isoformat()]["closed"] is False


def test_weeks_parameter(va_api, constructed, this_week):
    url = f"{BASE}/weekly-hours/{constructed.pk}/"
    two = va_api.get(url, {"weeks": 2}).json()["weeks"]
    assert [w["week_start"] for w in two] == [this_week.isoformat(), (this_week - dt.timedelta(weeks=1)).isoformat()]
    for bad in (0, 53, "many"):
        response = va_api.get(url, {"weeks": bad})
        assert response.status_code == 400, bad
        assert "weeks" in response.json()["extra"]["fields"]


def test_reading_weekly_hours_is_in_the_access_trail(api, constructed, harbor_clinician):
    assert api(harbor_clinician).get(f"{BASE}/weekly-hours/{constructed.pk}/").status_code == 200
    event = AccessEvent.objects.get(object_type="attendance.WeeklyHours")
    assert (event.action, event.object_id, event.client_id) == ("view", str(constructed.pk), constructed.client_id)
    assert (event.actor, event.channel) == (harbor_clinician, "api")


def test_another_tenants_episode_is_404(va_api, summit_schedule, in_harbor):
    response = va_api.get(f"{BASE}/weekly-hours/{summit_schedule.episode.pk}/")
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(object_type="attendance.WeeklyHours").exists()
