"""The aftercare_booked rule (checklist item, contract 2): booked no later than the last day, the
visit 1..aftercare_within_days days after it; a visit on the last day itself does not count
(HEDIS); a cancelled appointment does not count; the organization's window applies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from discharge.aftercare import selectors, services
from discharge.models import AppointmentStatus, DischargeSettings, PlanStatus

from .conftest import NOW, TODAY, local

pytestmark = pytest.mark.django_db

LAST_DAY = TODAY + dt.timedelta(days=3)  # Fri 11 Dec


def _book(plan, provider, day: dt.date, hour: int = 10):
    return services.aftercare_appointment_book(
        plan=plan, provider=provider, starts_at=local(plan.organization, day, hour), actor=None
    )


def test_no_appointment_is_not_booked(plan):
    assert selectors.aftercare_booked(plan) is False


@pytest.mark.parametrize(
    ("days_after", "counts"),
    [(0, False), (1, True), (7, True), (8, False)],
    ids=["same-day", "next-day", "seventh-day", "eighth-day"],
)
def test_window_after_the_last_day(plan, provider, days_after, counts):
    _book(plan, provider, LAST_DAY + dt.timedelta(days=days_after))
    assert selectors.aftercare_booked(plan) is counts


def test_the_first_hour_of_the_eighth_day_is_too_late_and_the_last_of_the_seventh_counts(plan, provider):
    appointment = _book(plan, provider, LAST_DAY + dt.timedelta(days=8), hour=0)
    assert selectors.aftercare_booked(plan) is False
    services.aftercare_appointment_reschedule(
        appointment=appointment, starts_at=local(plan.organization, LAST_DAY + dt.timedelta(days=7), 23, 59), actor=None
    )
    assert selectors.aftercare_booked(plan) is True


def test_booked_after_the_last_day_does_not_count(plan, provider):
    # Discharged on the 11th; the appointment is only booked on the 12th, for the 14th.
    plan.last_day = LAST_DAY
    plan.status = PlanStatus.COMPLETED
    plan.save()
    with time_machine.travel(local(plan.organization, LAST_DAY + dt.timedelta(days=1), 9), tick=False):
        _book(plan, provider, LAST_DAY + dt.timedelta(days=3))
    assert selectors.aftercare_booked(plan) is False


def test_booked_on_the_last_day_counts(plan, provider):
    with time_machine.travel(local(plan.organization, LAST_DAY, 16), tick=False):
        _book(plan, provider, LAST_DAY + dt.timedelta(days=2))
    assert selectors.aftercare_booked(plan) is True


def test_cancelled_does_not_count_kept_does(plan, provider):
    appointment = _book(plan, provider, LAST_DAY + dt.timedelta(days=2))
    services.aftercare_appointment_cancel(appointment=appointment, reason="Client moved.", actor=None)
    assert selectors.aftercare_booked(plan) is False
    kept = _book(plan, provider, LAST_DAY + dt.timedelta(days=3))
    with time_machine.travel(NOW + dt.timedelta(days=10), tick=False):
        services.aftercare_appointment_outcome_record(appointment=kept, outcome=AppointmentStatus.KEPT, actor=None)
    assert selectors.aftercare_booked(plan) is True


def test_the_actual_last_day_wins_over_the_target(plan, provider):
    _book(plan, provider, LAST_DAY + dt.timedelta(days=2))  # 13 Dec
    plan.last_day = LAST_DAY + dt.timedelta(days=2)  # care actually ended on the 13th
    plan.save()
    assert selectors.aftercare_booked(plan) is False


def test_the_organizations_window(plan, provider):
    DischargeSettings.objects.create(aftercare_within_days=14)
    _book(plan, provider, LAST_DAY + dt.timedelta(days=10))
    assert selectors.aftercare_booked(plan) is True


def test_a_same_day_visit_is_accepted_with_a_warning(plan, provider):
    appointment = _book(plan, provider, LAST_DAY, hour=16)
    warnings = selectors.appointment_warnings(appointment=appointment, plan=plan)
    assert any("does not count" in w for w in warnings)
