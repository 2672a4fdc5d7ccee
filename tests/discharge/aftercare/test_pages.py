"""Aftercare in the browser (Django test client): the directory with its filters, adding a
provider, the discharge page's panel (book, warnings, move, record kept, answer a check), refused
forms shown again (422) with nothing changed, and another organization's rows a 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from discharge.aftercare import services
from discharge.models import AftercareAppointment, AftercareProvider, FollowUpCheck, PlanStatus
from iop.clients.models import Episode
from iop.tenancy.context import tenant_context

from .conftest import TODAY, local, make_plan

pytestmark = pytest.mark.django_db

LAST_DAY = TODAY + dt.timedelta(days=3)


def _url(name: str, **kwargs) -> str:
    return reverse(f"discharge:{name}", kwargs={"org_slug": "harbor", **kwargs})


def test_directory_and_filters(as_va, provider, in_harbor):
    services.aftercare_provider_create(organization=in_harbor, name="Bayview IOP", levels_of_care=["iop"])
    page = as_va.get(_url("aftercare_directory"))
    assert page.status_code == 200
    assert "Lakeside Counseling Group" in page.text and "Bayview IOP" in page.text
    filtered = as_va.get(_url("aftercare_directory"), {"level": "iop"})
    assert "Bayview IOP" in filtered.text and "Lakeside Counseling Group" not in filtered.text


def test_add_a_provider_and_a_refusal(as_va, in_harbor):
    refused = as_va.post(_url("aftercare_provider_create"), {"name": "Bayview", "npi": "12"})
    assert refused.status_code == 422
    assert AftercareProvider.objects.count() == 0
    added = as_va.post(
        _url("aftercare_provider_create"),
        {
            "name": "Bayview",
            "npi": "1538162094",
            "levels_of_care": ["iop"],
            "accepts_new_clients": "on",
            "is_active": "on",
        },
    )
    assert added.status_code == 302
    provider = AftercareProvider.objects.get()
    assert (provider.levels_of_care, provider.accepts_new_clients, provider.is_active) == (["iop"], True, True)
    edited = as_va.post(_url("aftercare_provider_edit", provider_id=provider.pk), {"name": "Bayview IOP"})
    assert edited.status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.is_active) == ("Bayview IOP", False)


def _book_form(provider, day: dt.date, hour: str = "10:00", **extra) -> dict:
    return {
        "aftercare-provider": str(provider.pk),
        "aftercare-date": day.isoformat(),
        "aftercare-time": hour,
        "aftercare-level_of_care": "op",
        "aftercare-confirmation_number": "LC-4471",
        **extra,
    }


def test_the_panel_books_and_shows_the_appointment(plan, provider, as_va):
    page = as_va.get(_url("plan", episode_id=plan.episode_id))
    assert page.status_code == 200
    assert 'data-testid="aftercare-not-booked"' in page.text
    refused = as_va.post(
        _url("aftercare_book", episode_id=plan.episode_id), _book_form(provider, LAST_DAY - dt.timedelta(days=1))
    )
    assert refused.status_code == 422
    assert "a visit before it is not aftercare" in refused.text
    assert AftercareAppointment.objects.count() == 0
    booked = as_va.post(
        _url("aftercare_book", episode_id=plan.episode_id),
        _book_form(provider, LAST_DAY + dt.timedelta(days=2), "14:30"),
    )
    assert booked.status_code == 302
    page = as_va.get(_url("plan", episode_id=plan.episode_id))
    assert 'data-testid="aftercare-booked"' in page.text
    assert "Lakeside Counseling Group" in page.text and "Sun 13 Dec, 14:30" in page.text and "LC-4471" in page.text
    assert "+1 617 555 0140" in page.text


def test_a_same_day_visit_is_booked_with_a_warning(plan, provider, as_va):
    response = as_va.post(
        _url("aftercare_book", episode_id=plan.episode_id), _book_form(provider, LAST_DAY, "16:00"), follow=True
    )
    assert response.status_code == 200
    assert "does not count as the follow-up" in response.text
    assert 'data-testid="aftercare-not-booked"' in response.text


def test_move_record_and_answer_the_check(plan, provider, as_va, harbor_va):
    appointment = services.aftercare_appointment_book(
        plan=plan, provider=provider, starts_at=local(plan.organization, LAST_DAY + dt.timedelta(days=2)), actor=None
    )
    moved = as_va.post(
        _url("aftercare_reschedule", episode_id=plan.episode_id, appointment_id=appointment.pk),
        {
            f"move-{appointment.pk}-date": (LAST_DAY + dt.timedelta(days=4)).isoformat(),
            f"move-{appointment.pk}-time": "09:00",
        },
    )
    assert moved.status_code == 302
    plan.status, plan.last_day, plan.completed_by = PlanStatus.COMPLETED, LAST_DAY, harbor_va
    plan.completed_at = local(plan.organization, LAST_DAY, 17)
    plan.save()
    with time_machine.travel(local(plan.organization, LAST_DAY + dt.timedelta(days=7), 12), tick=False):
        as_va.force_login(harbor_va)  # a week later: signed in again
        kept = as_va.post(
            _url("aftercare_outcome", episode_id=plan.episode_id, appointment_id=appointment.pk),
            {f"outcome-{appointment.pk}-outcome": "kept"},
        )
        assert kept.status_code == 302
        assert kept.url.endswith("#aftercare")
        services.follow_up_checks_raise(organization=plan.organization)
        page = as_va.get(_url("plan", episode_id=plan.episode_id))
        assert "7-day follow-up" in page.text and "Follow-up kept" in page.text
        check = FollowUpCheck.objects.get(plan=plan)
        answered = as_va.post(
            _url("aftercare_follow_up", episode_id=plan.episode_id, check_id=check.pk),
            {f"follow-up-{check.pk}-outcome": "unreachable", f"follow-up-{check.pk}-note": "Clinic did not answer"},
        )
        assert answered.status_code == 302
    check.refresh_from_db()
    assert check.outcome == "unreachable"


def test_another_organizations_rows_are_404(plan, provider, summit, summit_client, as_va):
    with tenant_context(summit.id):
        theirs = services.aftercare_provider_create(organization=summit, name="Summit Clinic")
        their_plan = make_plan(Episode.objects.get(client=summit_client), target_date=TODAY + dt.timedelta(days=3))
        appointment = services.aftercare_appointment_book(
            plan=their_plan, provider=theirs, starts_at=local(summit, TODAY + dt.timedelta(days=5)), actor=None
        )
    assert as_va.get(_url("aftercare_provider_edit", provider_id=theirs.pk)).status_code == 404
    assert (
        as_va.post(
            _url("aftercare_book", episode_id=their_plan.episode_id),
            _book_form(provider, LAST_DAY + dt.timedelta(days=2)),
        ).status_code
        == 404
    )
    cancel = _url("aftercare_cancel", episode_id=their_plan.episode_id, appointment_id=appointment.pk)
    assert as_va.post(cancel, {f"cancel-{appointment.pk}-reason": "x"}).status_code == 404
    # Our plan with their appointment's id: as unknown.
    cancel = _url("aftercare_cancel", episode_id=plan.episode_id, appointment_id=appointment.pk)
    assert as_va.post(cancel, {f"cancel-{appointment.pk}-reason": "x"}).status_code == 404
    with tenant_context(summit.id):
        assert AftercareAppointment.objects.get(pk=appointment.pk).status == "booked"
