"""Booking, rescheduling, cancelling and recording aftercare appointments: each refusal names its
rule (code, field) and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from discharge.aftercare import selectors, services
from discharge.models import AftercareAppointment, AppointmentStatus, PlanStatus
from iop.common.exceptions import ApplicationError

from .conftest import NOW, TODAY, local

pytestmark = pytest.mark.django_db

LAST_DAY = TODAY + dt.timedelta(days=3)


def _refused(code: str, call, **kwargs):
    before = list(AftercareAppointment.objects.order_by("pk").values())
    with pytest.raises(ApplicationError) as refused:
        call(**kwargs)
    assert refused.value.code == code
    assert list(AftercareAppointment.objects.order_by("pk").values()) == before
    return refused.value


def _book(plan, provider, **kwargs):
    body = {"plan": plan, "provider": provider, "starts_at": local(plan.organization, LAST_DAY + dt.timedelta(days=2))}
    return services.aftercare_appointment_book(actor=None, **(body | kwargs))


def test_book_and_read_back(plan, provider, harbor_va):
    appointment = services.aftercare_appointment_book(
        plan=plan,
        provider=provider,
        starts_at=local(plan.organization, LAST_DAY + dt.timedelta(days=2), 14, 30),
        level_of_care="op",
        confirmation_number="LC-4471",
        actor=harbor_va,
    )
    assert (appointment.status, appointment.confirmed, appointment.booked_by) == ("booked", True, harbor_va)
    assert appointment.created_at == NOW
    assert selectors.appointment_warnings(appointment=appointment, plan=plan) == []


def test_refusals_change_nothing(plan, provider):
    base = {"plan": plan, "provider": provider, "actor": None}
    start = local(plan.organization, LAST_DAY + dt.timedelta(days=2))
    book = services.aftercare_appointment_book
    error = _refused("appointment_in_past", book, **base, starts_at=NOW - dt.timedelta(minutes=1))
    assert error.extra == {"starts_at": [error.message]}
    error = _refused(
        "appointment_before_last_day", book, **base, starts_at=local(plan.organization, LAST_DAY - dt.timedelta(days=1))
    )
    assert "Fri 11 Dec" in error.message
    _refused("level_not_offered", book, **base, starts_at=start, level_of_care="mat")
    _refused("invalid_level_of_care", book, **base, starts_at=start, level_of_care="spa")
    services.aftercare_provider_update(provider=provider, is_active=False)
    _refused("provider_inactive", book, **base, starts_at=start)
    services.aftercare_provider_update(provider=provider, is_active=True)
    _book(plan, provider)
    _refused("appointment_already_booked", book, **base, starts_at=start + dt.timedelta(days=1))


def test_a_plan_without_a_day_or_cancelled_is_refused(plan, provider):
    plan.target_date = None
    plan.save()
    _refused("appointment_last_day_required", _book, plan=plan, provider=provider, starts_at=NOW + dt.timedelta(days=2))
    plan.target_date = LAST_DAY
    plan.status = PlanStatus.CANCELLED
    plan.save()
    _refused("appointment_plan_not_open", _book, plan=plan, provider=provider)


def test_another_organizations_provider_is_unknown(plan, summit):
    from iop.tenancy.context import tenant_context

    with tenant_context(summit.id):
        theirs = services.aftercare_provider_create(organization=summit, name="Summit Clinic")
    _refused("provider_unknown", _book, plan=plan, provider=theirs)


def test_a_provider_not_taking_new_clients_is_a_warning(plan, provider):
    services.aftercare_provider_update(provider=provider, accepts_new_clients=False)
    appointment = _book(plan, provider)
    assert any(
        "not taking new clients" in w for w in selectors.appointment_warnings(appointment=appointment, plan=plan)
    )


def test_reschedule_cancel_and_outcome(plan, provider, harbor_va):
    appointment = _book(plan, provider)
    reschedule = services.aftercare_appointment_reschedule
    _refused("appointment_unchanged", reschedule, appointment=appointment, starts_at=appointment.starts_at, actor=None)
    moved_to = local(plan.organization, LAST_DAY + dt.timedelta(days=3), 9)
    reschedule(appointment=appointment, starts_at=moved_to, actor=None)
    appointment.refresh_from_db()
    assert appointment.starts_at == moved_to

    outcome = services.aftercare_appointment_outcome_record
    _refused("outcome_too_early", outcome, appointment=appointment, outcome="kept", actor=None)
    _refused("outcome_invalid", outcome, appointment=appointment, outcome="booked", actor=None)
    cancel = services.aftercare_appointment_cancel
    _refused("appointment_cancel_reason_required", cancel, appointment=appointment, reason=" ", actor=None)
    cancel(appointment=appointment, reason="Client chose another clinic.", actor=harbor_va)
    _refused("appointment_not_booked", reschedule, appointment=appointment, starts_at=moved_to, actor=None)
    _refused("appointment_not_booked", outcome, appointment=appointment, outcome="kept", actor=None)

    second = _book(plan, provider)
    with time_machine.travel(second.starts_at + dt.timedelta(hours=2), tick=False):
        outcome(appointment=second, outcome=AppointmentStatus.MISSED, actor=harbor_va)
    second.refresh_from_db()
    assert (second.status, second.outcome_recorded_by) == ("missed", harbor_va)


def test_a_time_that_does_not_exist_is_refused(in_harbor):
    with pytest.raises(ApplicationError) as refused:
        services.appointment_local_start(organization=in_harbor, day=dt.date(2027, 3, 14), time=dt.time(2, 30))
    assert refused.value.code == "appointment_time_nonexistent"
