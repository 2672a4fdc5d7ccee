"""The 7- and 30-day follow-up checks: raised by the daily job once per plan and threshold however
often it runs (fixed clock in harbor's zone), pre-answered by a kept appointment staff recorded,
answered by staff."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from discharge import tasks
from discharge.aftercare import services
from discharge.models import AftercareAppointment, AppointmentStatus, FollowUpCheck, FollowUpOutcome, PlanStatus
from iop.common.exceptions import ApplicationError

from .conftest import TODAY, local

pytestmark = pytest.mark.django_db

LAST_DAY = TODAY + dt.timedelta(days=3)  # Fri 11 Dec


def _discharged(plan):
    plan.status = PlanStatus.COMPLETED
    plan.last_day = LAST_DAY
    plan.save()
    return plan


def _run(organization, day: dt.date, hour: int = 6, times: int = 1) -> list[int]:
    """The job run `times` at `hour` local on `day` (as beat and a redelivery would)."""
    raised = []
    with time_machine.travel(local(organization, day, hour), tick=False):
        for _ in range(times):
            raised.append(tasks.aftercare_follow_ups_org(organization.pk))
    return raised


def test_each_threshold_is_raised_once_under_a_repeated_job(plan):
    organization = _discharged(plan).organization
    assert _run(organization, LAST_DAY + dt.timedelta(days=6), times=2) == [0, 0]
    assert _run(organization, LAST_DAY + dt.timedelta(days=7), times=3) == [1, 0, 0]
    assert _run(organization, LAST_DAY + dt.timedelta(days=8), times=2) == [0, 0]
    assert _run(organization, LAST_DAY + dt.timedelta(days=30), hour=0, times=2) == [1, 0]
    assert _run(organization, LAST_DAY + dt.timedelta(days=31)) == [0]
    checks = FollowUpCheck.objects.filter(plan=plan).order_by("days")
    assert [(c.days, c.due_date, c.outcome) for c in checks] == [
        (7, LAST_DAY + dt.timedelta(days=7), FollowUpOutcome.PENDING),
        (30, LAST_DAY + dt.timedelta(days=30), FollowUpOutcome.PENDING),
    ]


def test_the_local_day_decides_not_utc(plan):
    organization = _discharged(plan).organization
    # 23:30 in New York on day 6 is already day 7 in UTC: nothing is due yet.
    assert _run(organization, LAST_DAY + dt.timedelta(days=6), hour=23) == [0]


def test_plans_still_planning_or_cancelled_get_no_check(plan):
    plan.last_day = LAST_DAY
    plan.save()
    assert _run(plan.organization, LAST_DAY + dt.timedelta(days=7)) == [0]


def test_a_kept_appointment_answers_the_check(plan, provider):
    appointment = services.aftercare_appointment_book(
        plan=plan, provider=provider, starts_at=local(plan.organization, LAST_DAY + dt.timedelta(days=4)), actor=None
    )
    _discharged(plan)
    with time_machine.travel(local(plan.organization, LAST_DAY + dt.timedelta(days=5)), tick=False):
        services.aftercare_appointment_outcome_record(
            appointment=appointment, outcome=AppointmentStatus.KEPT, actor=None
        )
    _run(plan.organization, LAST_DAY + dt.timedelta(days=7))
    check = FollowUpCheck.objects.get(plan=plan, days=7)
    assert check.outcome == FollowUpOutcome.KEPT
    assert "Lakeside Counseling Group" in check.note


def test_a_kept_visit_recorded_after_the_check_answers_it(plan, provider, harbor_va):
    appointment = services.aftercare_appointment_book(
        plan=plan, provider=provider, starts_at=local(plan.organization, LAST_DAY + dt.timedelta(days=6)), actor=None
    )
    _discharged(plan)
    _run(plan.organization, LAST_DAY + dt.timedelta(days=7))
    with time_machine.travel(local(plan.organization, LAST_DAY + dt.timedelta(days=8)), tick=False):
        services.aftercare_appointment_outcome_record(
            appointment=appointment, outcome=AppointmentStatus.KEPT, actor=harbor_va
        )
    check = FollowUpCheck.objects.get(plan=plan, days=7)
    assert (check.outcome, check.checked_by) == (FollowUpOutcome.KEPT, harbor_va)


def test_staff_record_the_outcome(plan, harbor_va):
    _discharged(plan)
    _run(plan.organization, LAST_DAY + dt.timedelta(days=7))
    check = FollowUpCheck.objects.get(plan=plan, days=7)
    with pytest.raises(ApplicationError) as refused:
        services.follow_up_check_record(check=check, outcome="pending", actor=harbor_va)
    assert refused.value.code == "follow_up_outcome_invalid"
    services.follow_up_check_record(
        check=check, outcome=FollowUpOutcome.UNREACHABLE, note="Voicemail x2", actor=harbor_va
    )
    check.refresh_from_db()
    assert (check.outcome, check.note, check.checked_by) == (FollowUpOutcome.UNREACHABLE, "Voicemail x2", harbor_va)


def test_the_scan_fans_out_per_organization(plan, eager_celery):
    _discharged(plan)
    with time_machine.travel(local(plan.organization, LAST_DAY + dt.timedelta(days=7)), tick=False):
        tasks.aftercare_follow_ups_scan()
        tasks.aftercare_follow_ups_scan()
    assert FollowUpCheck.objects.filter(plan=plan).count() == 1
    assert AftercareAppointment.objects.count() == 0
