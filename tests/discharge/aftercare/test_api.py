"""The aftercare API: the directory with its filters, booking through to the outcome, refusals
with their codes and nothing changed, follow-up checks; another organization's rows (and its
episode in a body) are a 404; reads of appointments are audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from authorizations.models import Payer
from discharge.aftercare import services
from discharge.models import AftercareAppointment, FollowUpCheck, PlanStatus
from iop.audit.models import AccessEvent
from iop.clients.models import Episode
from iop.tenancy.context import tenant_context

from .conftest import BASE, NOW, TODAY, local, make_plan

pytestmark = pytest.mark.django_db

LAST_DAY = TODAY + dt.timedelta(days=3)


@pytest.fixture
def va_api(api, harbor_va):
    client = api(harbor_va)
    client.default_format = "json"  # the API reads JSON only
    return client


@pytest.fixture
def theirs(summit, summit_client):
    """Summit's provider, plan, appointment and follow-up check."""
    with tenant_context(summit.id), time_machine.travel(local(summit, TODAY - dt.timedelta(days=9)), tick=False):
        provider = services.aftercare_provider_create(organization=summit, name="Summit Clinic", levels_of_care=["op"])
        plan = make_plan(Episode.objects.get(client=summit_client), target_date=TODAY - dt.timedelta(days=7))
        appointment = services.aftercare_appointment_book(
            plan=plan, provider=provider, starts_at=local(summit, TODAY - dt.timedelta(days=5)), actor=None
        )
    with tenant_context(summit.id):
        plan.status, plan.last_day = PlanStatus.COMPLETED, TODAY - dt.timedelta(days=7)
        plan.save()
        services.follow_up_checks_raise(organization=summit, now=NOW)
        check = FollowUpCheck.objects.get(plan=plan)
    return {"provider": provider, "plan": plan, "appointment": appointment, "check": check}


def test_directory_filters_and_edit(va_api, in_harbor, clock):
    payer = Payer.objects.create(name="Blue Harbor PPO")
    created = va_api.post(
        f"{BASE}/aftercare-providers/",
        {"name": "Bayview IOP", "npi": "1538162094", "levels_of_care": ["iop"], "payers_accepted": [str(payer.pk)]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    va_api.post(f"{BASE}/aftercare-providers/", {"name": "Northgate", "accepts_new_clients": False}, format="json")
    names = lambda r: [p["name"] for p in r.json()["results"]]  # noqa: E731
    assert names(va_api.get(f"{BASE}/aftercare-providers/")) == ["Bayview IOP", "Northgate"]
    assert names(va_api.get(f"{BASE}/aftercare-providers/?level=iop")) == ["Bayview IOP"]
    assert names(va_api.get(f"{BASE}/aftercare-providers/?payer={payer.pk}")) == ["Bayview IOP"]
    assert names(va_api.get(f"{BASE}/aftercare-providers/?accepting=false")) == ["Northgate"]
    assert names(va_api.get(f"{BASE}/aftercare-providers/?payer=nonsense")) == []
    bad = va_api.post(f"{BASE}/aftercare-providers/", {"name": "X", "npi": "123"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "provider_npi_invalid")
    moved = va_api.patch(
        f"{BASE}/aftercare-providers/{created.json()['id']}/",
        {"phone": "555 0101", "payers_accepted": []},
        format="json",
    )
    assert (moved.status_code, moved.json()["phone"], moved.json()["payers_accepted"]) == (200, "555 0101", [])


def test_book_move_and_refusals(va_api, plan, provider, harbor_va):
    body = {
        "episode": str(plan.episode_id),
        "provider": str(provider.pk),
        "starts_at": local(plan.organization, LAST_DAY + dt.timedelta(days=2), 14).isoformat(),
        "level_of_care": "op",
        "confirmation_number": "LC-1",
    }
    refused = va_api.post(
        f"{BASE}/aftercare-appointments/",
        body | {"starts_at": local(plan.organization, LAST_DAY - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "appointment_before_last_day")
    assert AftercareAppointment.objects.count() == 0
    booked = va_api.post(f"{BASE}/aftercare-appointments/", body, format="json")
    assert booked.status_code == 201, booked.json()
    assert (booked.json()["status"], booked.json()["confirmed"], booked.json()["provider_name"]) == (
        "booked",
        True,
        "Lakeside Counseling Group",
    )
    appointment_id = booked.json()["id"]
    too_early = va_api.post(f"{BASE}/aftercare-appointments/{appointment_id}/outcome/", {"outcome": "kept"})
    assert (too_early.status_code, too_early.json()["code"]) == (400, "outcome_too_early")
    new_time = local(plan.organization, LAST_DAY + dt.timedelta(days=3), 9)
    moved = va_api.post(
        f"{BASE}/aftercare-appointments/{appointment_id}/reschedule/",
        {"starts_at": new_time.isoformat()},
        format="json",
    )
    assert moved.status_code == 200
    listed = va_api.get(f"{BASE}/aftercare-appointments/?episode={plan.episode_id}")
    assert [a["id"] for a in listed.json()["results"]] == [appointment_id]
    assert AccessEvent.objects.filter(actor=harbor_va, channel="api", client_id=plan.episode.client_id).exists()
    cancelled = va_api.post(f"{BASE}/aftercare-appointments/{appointment_id}/cancel/", {"reason": "Moved away."})
    assert cancelled.json()["status"] == "cancelled"


def test_another_organizations_rows_are_404(va_api, in_harbor, theirs, plan, provider):
    assert va_api.get(f"{BASE}/aftercare-providers/{theirs['provider'].pk}/").status_code == 404
    assert va_api.patch(f"{BASE}/aftercare-providers/{theirs['provider'].pk}/", {"name": "Mine"}).status_code == 404
    appointment = f"{BASE}/aftercare-appointments/{theirs['appointment'].pk}/"
    assert va_api.get(appointment).status_code == 404
    for verb, body in (("reschedule", {"starts_at": "2027-01-04T10:00:00-05:00"}), ("cancel", {"reason": "x"})):
        assert va_api.post(f"{appointment}{verb}/", body, format="json").status_code == 404
    assert va_api.post(f"{appointment}outcome/", {"outcome": "kept"}).status_code == 404
    check = f"{BASE}/follow-up-checks/{theirs['check'].pk}/"
    assert va_api.get(check).status_code == 404
    assert va_api.post(f"{check}record/", {"outcome": "kept"}).status_code == 404
    # Their episode in a body is as unknown as a made-up one; their provider is not in our directory.
    book = {"provider": str(provider.pk), "starts_at": local(in_harbor, LAST_DAY + dt.timedelta(days=2)).isoformat()}
    assert (
        va_api.post(
            f"{BASE}/aftercare-appointments/", book | {"episode": str(theirs["plan"].episode_id)}, format="json"
        ).status_code
        == 404
    )
    foreign = va_api.post(
        f"{BASE}/aftercare-appointments/",
        book | {"episode": str(plan.episode_id), "provider": str(theirs["provider"].pk)},
        format="json",
    )
    assert (foreign.status_code, foreign.json()["code"]) == (400, "provider_unknown")
    assert va_api.get(f"{BASE}/aftercare-appointments/").json()["results"] == []
    assert va_api.get(f"{BASE}/follow-up-checks/").json()["results"] == []
    with tenant_context(theirs["plan"].organization_id):
        assert AftercareAppointment.objects.get(pk=theirs["appointment"].pk).status == "booked"
        assert FollowUpCheck.objects.get(pk=theirs["check"].pk).outcome == "pending"


def test_follow_up_checks_due_and_record(va_api, plan):
    plan.status, plan.last_day = PlanStatus.COMPLETED, TODAY - dt.timedelta(days=7)
    plan.save()
    services.follow_up_checks_raise(organization=plan.organization)
    due = va_api.get(f"{BASE}/follow-up-checks/?due=true")
    assert [(c["days"], c["outcome"]) for c in due.json()["results"]] == [(7, "pending")]
    check_id = due.json()["results"][0]["id"]
    bad = va_api.post(f"{BASE}/follow-up-checks/{check_id}/record/", {"outcome": "pending"})
    assert (bad.status_code, bad.json()["code"]) == (400, "follow_up_outcome_invalid")
    done = va_api.post(f"{BASE}/follow-up-checks/{check_id}/record/", {"outcome": "not_kept", "note": "No answer"})
    assert (done.status_code, done.json()["outcome"]) == (200, "not_kept")
    assert va_api.get(f"{BASE}/follow-up-checks/?due=true").json()["results"] == []
