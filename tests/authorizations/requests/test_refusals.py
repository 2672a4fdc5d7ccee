"""Invalid ICD-10 codes, units ≤ 0, date windows ending before they start and a coverage of another
client are each refused with a clear message on the field it is about, and nothing changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.models import AuthorizationRequest, Diagnosis, RequestStatus
from authorizations.requests.services.drafting import (
    diagnoses_reorder,
    diagnosis_add,
    diagnosis_remove,
    request_create,
    request_update,
)
from authorizations.requests.services.lines import line_add, line_update
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.clients.models import EpisodeStatus
from iop.clients.services import couple_create
from iop.common.exceptions import ApplicationError
from tests.factories import ClientFactory

from ..conftest import make_coverage
from .conftest import complete

pytestmark = pytest.mark.django_db


def _refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


@pytest.mark.parametrize("code", ["33.1", "F3", "U07.1", "F33.12345", "F33-1", "", "banana"])
def test_invalid_icd10_codes_are_refused(draft, code):
    exc = _refusal(lambda: diagnosis_add(request=draft, code=code))
    assert exc.code == "invalid_icd10"
    assert "is not an ICD-10-CM code (for example F33.1 or F10.20)." in exc.extra["code"][0]
    assert not Diagnosis.objects.filter(request=draft).exists()


def test_icd10_codes_are_normalized_primary_first_and_unique(draft):
    first = diagnosis_add(request=draft, code=" f331 ")
    second = diagnosis_add(request=draft, code="F10.20")
    assert (first.code, first.sequence, second.sequence) == ("F33.1", 1, 2)
    exc = _refusal(lambda: diagnosis_add(request=draft, code="F33.1"))
    assert exc.extra == {"code": ["F33.1 is already on the request."]}
    diagnoses_reorder(request=draft, order=[second.pk, first.pk])
    assert list(draft.diagnoses.order_by("sequence").values_list("code", flat=True)) == ["F10.20", "F33.1"]
    diagnosis_remove(request=draft, diagnosis=Diagnosis.objects.get(code="F10.20"))
    assert list(draft.diagnoses.values_list("code", "sequence")) == [("F33.1", 1)]


@pytest.mark.parametrize("units", [0, -1])
def test_units_below_one_are_refused(draft, units):
    exc = _refusal(lambda: line_add(request=draft, code="90853", units=units, frequency_per_week=Decimal(3)))
    assert exc.extra == {"units": ["Units must be at least 1."]}
    line = draft.lines.get(code="90853")
    exc = _refusal(lambda: line_update(line=line, data={"units": units}))
    assert exc.extra == {"units": ["Units must be at least 1."]}
    line.refresh_from_db()
    assert line.units == 1


def test_a_frequency_of_zero_and_an_unknown_code_are_refused(draft):
    exc = _refusal(lambda: line_add(request=draft, code="90853", units=1, frequency_per_week=Decimal(0)))
    assert exc.extra == {"frequency_per_week": ["How often a week must be more than 0."]}
    exc = _refusal(lambda: line_add(request=draft, code="99999", units=1, frequency_per_week=Decimal(1)))
    assert exc.extra == {"code": ["“99999” is not in the organization's code list."]}


def test_a_line_ending_before_it_starts_or_outside_the_request_is_refused(draft):
    start = draft.start_date
    exc = _refusal(
        lambda: line_add(
            request=draft,
            code="90834",
            units=1,
            frequency_per_week=Decimal(1),
            start_date=start + dt.timedelta(days=5),
            end_date=start + dt.timedelta(days=2),
        )
    )
    assert exc.extra == {"end_date": ["The end date is before the start date."]}
    exc = _refusal(
        lambda: line_add(
            request=draft,
            code="90834",
            units=1,
            frequency_per_week=Decimal(1),
            start_date=start,
            end_date=draft.end_date + dt.timedelta(days=1),
        )
    )
    assert "The line's dates must fall within the request's" in exc.extra["end_date"][0]
    assert draft.lines.count() == 3


def test_a_request_window_ending_before_it_starts_is_refused(draft):
    exc = _refusal(lambda: request_update(request=draft, data={"end_date": draft.start_date - dt.timedelta(days=1)}))
    assert exc.extra == {"end_date": ["The end date is before the start date."]}
    draft.refresh_from_db()
    assert draft.end_date == draft.start_date + dt.timedelta(days=13)


def test_moving_the_request_window_moves_the_lines_that_spanned_it(draft):
    new_start = draft.start_date + dt.timedelta(days=7)
    request_update(request=draft, data={"start_date": new_start, "end_date": new_start + dt.timedelta(days=6)})
    group = draft.lines.get(code="90853")
    assessment = draft.lines.get(code="90791")
    assert (group.start_date, group.estimated_sessions) == (new_start, 3)
    assert assessment.start_date == assessment.end_date == new_start


def test_a_coverage_of_another_client_is_refused(in_harbor, episode, payer, rule, harbor_intake, make_active_episode):
    other = make_active_episode()
    foreign = make_coverage(other.client, payer, member_id="OTHER-1")
    exc = _refusal(lambda: request_create(episode=episode, coverage=foreign, actor=harbor_intake))
    assert exc.code == "coverage_of_another_client"
    assert exc.extra == {
        "coverage": ["That coverage belongs to another client: a request must be against the client's own coverage."]
    }
    assert not AuthorizationRequest.objects.exists()


def test_a_coverage_not_in_effect_at_the_start_is_refused(in_harbor, episode, payer, rule, harbor_intake):
    ended = make_coverage(episode.client, payer, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    exc = _refusal(
        lambda: request_create(episode=episode, coverage=ended, actor=harbor_intake, start_date=dt.date(2021, 3, 1))
    )
    assert exc.extra == {
        "coverage": ["The coverage is not in effect on 1 Mar 2021 (it runs from 1 Jan 2020 to 31 Dec 2020)."]
    }


def test_a_discharged_episode_or_one_without_a_plan_is_refused(
    in_harbor, episode, coverage, rule, harbor_intake, make_active_episode, payer
):
    episode.status = EpisodeStatus.DISCHARGED
    episode.save()
    exc = _refusal(lambda: request_create(episode=episode, coverage=coverage, actor=harbor_intake))
    assert exc.code == "episode_not_open"
    planless = make_active_episode()
    planless.treatment_plan.delete()
    planless.refresh_from_db()
    exc = _refusal(
        lambda: request_create(episode=planless, coverage=make_coverage(planless.client, payer), actor=harbor_intake)
    )
    assert exc.extra == {
        "episode": ["The episode has no treatment plan yet: add one first (the request is built from it)."]
    }


def test_only_a_draft_can_be_changed(draft):
    request_mark_ready(request=complete(draft))
    draft.refresh_from_db()
    request_submit(request=draft, channel="portal", actor=None)
    exc = _refusal(lambda: line_add(request=draft, code="90834", units=1, frequency_per_week=Decimal(1)))
    assert exc.message == "The request is submitted: only a draft can be changed."
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED


def test_a_request_is_built_from_every_track_of_the_plan(
    in_harbor, payer, rule, fees, make_active_episode, harbor_intake
):
    episode = make_active_episode(
        hours=12, days=4, tracks=("group", "individual", "couples", "sud_counseling", "medication_management")
    )
    coverage = make_coverage(episode.client, payer)
    partner = ClientFactory(organization=in_harbor)
    couple_create(
        organization=in_harbor,
        partner_one=episode.client,
        partner_two=partner,
        identified_patient=episode.client,
        started_on=dt.date(2026, 1, 5),
    )
    request = request_create(episode=episode, coverage=coverage, actor=harbor_intake, start_date=dt.date(2026, 2, 2))
    lines = {line.code: line for line in request.lines.all()}
    assert {code: (line.track, line.frequency_per_week, line.units) for code, line in lines.items()} == {
        "90853": ("group", Decimal("4.0"), 1),  # the plan's days a week
        "90834": ("individual", Decimal("1.0"), 1),
        "90847": ("couples", Decimal("1.0"), 1),
        "H0005": ("sud_counseling", Decimal("1.0"), 1),
        "99213": ("medication_management", Decimal("0.5"), 1),
        "90791": ("assessment", Decimal("1.0"), 1),
    }
    assert (request.start_date, request.end_date) == (dt.date(2026, 2, 2), dt.date(2026, 2, 15))
    assert lines["90791"].end_date == request.start_date
    assert (request.level_of_care, request.status, request.certification_type) == ("iop", "draft", "I")
    assert request.clinical_summary == episode.treatment_plan.goals
    assert request.emotional_support_animal_note == episode.treatment_plan.emotional_support_animal_note


def test_the_couples_line_goes_only_on_the_identified_patients_request(
    in_harbor, payer, rule, fees, make_active_episode, harbor_intake
):
    episode = make_active_episode(tracks=("group", "couples"))
    identified = ClientFactory(organization=in_harbor)
    couple_create(
        organization=in_harbor,
        partner_one=episode.client,
        partner_two=identified,
        identified_patient=identified,
        started_on=dt.date(2026, 1, 5),
    )
    request = request_create(episode=episode, coverage=make_coverage(episode.client, payer), actor=harbor_intake)
    assert "90847" not in {line.code for line in request.lines.all()}
