"""Every refusal of the clients app that an integration can reach over the API comes back with
its own `code` (from `iop.clients.errors`), never the generic "invalid"."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from iop.clients import services
from iop.clients.errors import ClientsErrorCode as Code
from iop.clients.models import Episode
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory, ProgramFactory, TreatmentPlanFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/harbor"


@pytest.fixture
def world(harbor, harbor_program, harbor_client, harbor_intake, harbor_clinician):
    """Harbor as an integration sees it: an active episode (referred 20 days ago, admitted 14), a
    discharged one with a plan, a client without an episode, an inactive program and a couple."""
    today = harbor.local_today()
    with tenant_context(harbor.id):
        episode = Episode.objects.get(client=harbor_client)
        discharged = EpisodeFactory(organization=harbor, program=harbor_program, status="discharged")
        TreatmentPlanFactory(organization=harbor, episode=discharged)
        services.treatment_plan_save(
            episode=episode, required_hours_per_week=9, required_days_per_week=3, tracks=[], actor=harbor_clinician
        )
        newcomer = ClientFactory(organization=harbor)
        inactive = ProgramFactory(organization=harbor, name="Closed program", is_active=False)
        one, two, third = (ClientFactory(organization=harbor) for _ in range(3))
        couple = services.couple_create(organization=harbor, partner_one=one, partner_two=two, started_on=today)
        ended = services.couple_create(
            organization=harbor,
            partner_one=ClientFactory(organization=harbor),
            partner_two=ClientFactory(organization=harbor),
            started_on=today - dt.timedelta(days=30),
        )
        services.couple_end(couple=ended, ended_on=today)
    return SimpleNamespace(
        today=today,
        client=harbor_client,
        episode=episode,
        discharged=discharged,
        newcomer=newcomer,
        program=harbor_program,
        inactive=inactive,
        one=one,
        third=third,
        couple=couple,
        ended=ended,
    )


def _day(w, days: int) -> str:
    return (w.today + dt.timedelta(days=days)).isoformat()


def _plan(**overrides) -> dict:
    return {"required_hours_per_week": "9", "required_days_per_week": 3, "tracks": ["group"], **overrides}


OVERLAP = [
    {"weekday": 0, "start_time": "09:00", "end_time": "12:00"},
    {"weekday": 0, "start_time": "11:00", "end_time": "13:00"},
]

# (code, method, path, payload) — the path and payload are built from the `world` above.
REFUSALS = [
    (
        Code.DATE_OF_BIRTH_IN_FUTURE,
        "post",
        lambda w: "/clients/",
        lambda w: {"first_name": "Ana", "last_name": "Lee", "date_of_birth": _day(w, 1)},
    ),
    (
        Code.DATE_OF_BIRTH_BEFORE_1900,
        "post",
        lambda w: "/clients/",
        lambda w: {"first_name": "Ana", "last_name": "Lee", "date_of_birth": "1899-12-31"},
    ),
    (
        Code.DATE_OF_BIRTH_IN_FUTURE,
        "patch",
        lambda w: f"/clients/{w.client.pk}/",
        lambda w: {"date_of_birth": _day(w, 1)},
    ),
    (
        Code.PROGRAM_NOT_ACTIVE,
        "post",
        lambda w: "/episodes/",
        lambda w: {"client": str(w.newcomer.pk), "program": str(w.inactive.pk), "referral_date": _day(w, 0)},
    ),
    (
        Code.REFERRAL_DATE_IN_FUTURE,
        "post",
        lambda w: "/episodes/",
        lambda w: {"client": str(w.newcomer.pk), "program": str(w.program.pk), "referral_date": _day(w, 1)},
    ),
    (
        Code.OPEN_EPISODE_EXISTS,
        "post",
        lambda w: "/episodes/",
        lambda w: {"client": str(w.client.pk), "program": str(w.program.pk), "referral_date": _day(w, 0)},
    ),
    (
        Code.ILLEGAL_TRANSITION,
        "post",
        lambda w: f"/episodes/{w.episode.pk}/transition/",
        lambda w: {"to_status": "referred", "effective_date": _day(w, 0)},
    ),
    (
        Code.EFFECTIVE_DATE_BEFORE_REFERRAL,
        "post",
        lambda w: f"/episodes/{w.episode.pk}/transition/",
        lambda w: {"to_status": "step_down", "effective_date": _day(w, -21)},
    ),
    (
        Code.EFFECTIVE_DATE_BEFORE_ADMISSION,
        "post",
        lambda w: f"/episodes/{w.episode.pk}/transition/",
        lambda w: {"to_status": "discharged", "effective_date": _day(w, -15)},
    ),
    (
        Code.AVAILABILITY_OVERLAP,
        "put",
        lambda w: f"/treatment-plans/{w.episode.treatment_plan.pk}/",
        lambda w: _plan(availability=OVERLAP),
    ),
    (
        Code.EPISODE_DISCHARGED,
        "put",
        lambda w: f"/treatment-plans/{w.discharged.treatment_plan.pk}/",
        lambda w: _plan(),
    ),
    (
        Code.TREATMENT_PLAN_EXISTS,
        "post",
        lambda w: "/treatment-plans/",
        lambda w: _plan(episode=str(w.episode.pk)),
    ),
    (
        Code.COUPLE_SAME_CLIENT,
        "post",
        lambda w: "/couples/",
        lambda w: {"partner_one": str(w.third.pk), "partner_two": str(w.third.pk), "started_on": _day(w, 0)},
    ),
    (
        Code.IDENTIFIED_PATIENT_NOT_PARTNER,
        "post",
        lambda w: "/couples/",
        lambda w: {
            "partner_one": str(w.third.pk),
            "partner_two": str(w.newcomer.pk),
            "identified_patient": str(w.client.pk),
            "started_on": _day(w, 0),
        },
    ),
    (
        Code.PARTNER_ALREADY_IN_COUPLE,
        "post",
        lambda w: "/couples/",
        lambda w: {"partner_one": str(w.one.pk), "partner_two": str(w.third.pk), "started_on": _day(w, 0)},
    ),
    (
        Code.COUPLE_ALREADY_ENDED,
        "post",
        lambda w: f"/couples/{w.ended.pk}/end/",
        lambda w: {"ended_on": _day(w, 0)},
    ),
    (
        Code.COUPLE_END_BEFORE_START,
        "post",
        lambda w: f"/couples/{w.couple.pk}/end/",
        lambda w: {"ended_on": _day(w, -1)},
    ),
]


@pytest.mark.parametrize(
    ("code", "method", "path", "payload"),
    REFUSALS,
    ids=[f"{code.value}-{method}" for code, method, *_ in REFUSALS],
)
def test_each_refusal_comes_back_with_its_own_code(api, harbor_admin, world, code, method, path, payload):
    response = getattr(api(harbor_admin), method)(BASE + path(world), payload(world), format="json")
    assert response.status_code in (400, 409), response.json()
    assert response.json()["code"] == code.value, response.json()


def test_no_clients_code_is_the_generic_invalid():
    assert "invalid" not in {code.value for code in Code}
