"""Before submission: every missing item per payer rule, each a sentence; `ready` is refused with
that list, and warnings (authorization not required, no fee) never block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.models import Answer, BenefitVerification, RequestStatus
from authorizations.requests.selectors import request_check, request_validate
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.lines import line_add, line_remove, line_update
from authorizations.requests.services.workflow import request_mark_ready
from iop.common.dates import date_full
from iop.common.exceptions import ApplicationError

from ..conftest import make_coverage, make_rule
from .conftest import complete

pytestmark = pytest.mark.django_db


def test_a_fresh_draft_lists_every_missing_item(draft):
    assert request_validate(request=draft) == [
        "Add the primary ICD-10-CM diagnosis.",
        "Explain why a lower level of care is not enough.",
        "Explain why a higher level of care is not needed.",
    ]


def test_mark_ready_is_refused_with_the_list_and_nothing_changes(draft):
    with pytest.raises(ApplicationError) as info:
        request_mark_ready(request=draft)
    assert info.value.message == "The request is not ready: 3 items missing."
    assert info.value.extra["__all__"][0] == "Add the primary ICD-10-CM diagnosis."
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT
    request_mark_ready(request=complete(draft))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.READY


def test_a_change_to_a_ready_request_sends_it_back_to_draft(draft):
    request_mark_ready(request=complete(draft))
    line_add(request=draft, code="99213", units=1, frequency_per_week=Decimal("0.5"))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


def test_group_hours_below_the_payer_minimum_block(in_harbor, payer, make_active_episode, fees, harbor_intake):
    make_rule(payer, hours="12", days=4)
    episode = make_active_episode(hours=9, days=3)
    coverage = make_coverage(episode.client, payer)
    request = complete(request_create(episode=episode, coverage=coverage, actor=harbor_intake))
    assert request_validate(request=request) == [
        "Group lines schedule 9.0 h a week (3 sessions of 3.0 h); Blue Harbor PPO requires at least 12.0 h.",
        "Group lines meet 3 days a week; Blue Harbor PPO requires at least 4 days.",
    ]
    line_update(line=request.lines.get(code="90853"), data={"frequency_per_week": Decimal(4)})
    assert request_validate(request=request) == []


def test_no_group_line_and_missing_member_id_and_dates_outside_coverage(
    in_harbor, payer, episode, rule, fees, harbor_intake
):
    today = in_harbor.local_today()
    coverage = make_coverage(episode.client, payer, member_id="", end=today + dt.timedelta(days=5))
    request = complete(request_create(episode=episode, coverage=coverage, actor=harbor_intake))
    line_remove(line=request.lines.get(code="90853"))
    problems = request_validate(request=request)
    assert "The Blue Harbor PPO coverage has no member id: add it to the coverage." in problems
    assert any(
        p.startswith("The requested dates") and "fall outside the Blue Harbor PPO coverage" in p for p in problems
    )
    assert (
        "Blue Harbor PPO requires 9.0 h a week of IOP: add the group therapy line (the request has none)." in problems
    )


def test_a_program_per_diem_line_counts_toward_the_payers_weekly_hours_like_group_lines(draft):
    # A renewal of an S9480 (program per diem) authorization asks for program days, not group sessions.
    request = complete(draft)
    line_remove(line=request.lines.get(code="90853"))
    line_add(request=request, code="S9480", units=1, frequency_per_week=Decimal(3))
    assert request_validate(request=request) == []
    line_update(line=request.lines.get(code="S9480"), data={"frequency_per_week": Decimal(2)})
    assert "Program-day lines meet 2 days a week; Blue Harbor PPO requires at least 3 days." in request_validate(
        request=request
    )


def test_a_couples_line_needs_a_couple_with_this_client_as_identified_patient(draft):
    request = complete(draft)
    line_add(request=request, code="90847", units=1, frequency_per_week=Decimal(1))
    assert request_validate(request=request) == [
        "The couples-therapy line (90847) needs the client to be in a couple: record the couple, or remove the line."
    ]


def test_authorization_not_required_warns_without_blocking(in_harbor, draft, coverage, harbor_intake):
    # Verified at 21:00 in New York: already the next day in UTC. The warning names Harbor's date.
    day = in_harbor.local_today() - dt.timedelta(days=2)
    BenefitVerification.objects.create(
        coverage=coverage,
        verified_by=harbor_intake,
        verified_at=in_harbor.local_datetime(day, dt.time(21)),
        method="phone",
        authorization_required=Answer.NO,
    )
    request = complete(draft)
    check = request_check(request=request)
    assert check.problems == []
    assert (
        f"The latest benefit verification ({date_full(day)}) says Blue Harbor PPO does not require "
        "authorization for this care: check before submitting."
    ) in check.warnings
    request_mark_ready(request=request)


def test_without_a_payer_rule_the_request_asks_for_two_weeks_and_warns(
    in_harbor, episode, coverage, fees, harbor_intake
):
    request = request_create(episode=episode, coverage=coverage, actor=harbor_intake)
    assert (request.end_date - request.start_date).days == 13
    warnings = request_check(request=request).warnings
    assert any(w.startswith("No Blue Harbor PPO rule for Intensive outpatient (IOP) is on file") for w in warnings)
