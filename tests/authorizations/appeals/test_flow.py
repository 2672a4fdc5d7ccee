"""A denial as one case: opened once per denial with its clocks, the peer-to-peer, the appeals
ladder per regime (a second internal level only where the regime has one, then external review),
the outcomes and the close; every invalid step refused with its code and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.appeals import clocks, selectors, services
from authorizations.errors import AuthorizationsErrorCode as Code
from authorizations.models import (
    Appeal,
    AppealLevel,
    AppealOutcome,
    CaseStatus,
    DenialCase,
    PeerToPeerStatus,
    ReviewRegime,
)
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification

from .conftest import deny, fresh

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def refused(code, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def level_1(case) -> Appeal:
    return Appeal.objects.get(case=case, level=AppealLevel.INTERNAL_1)


def test_a_denial_opens_one_case_with_its_clocks(case, denied, harbor_intake, in_harbor, rule):
    assert services.denial_case_open(determination=denied, actor=harbor_intake) == case  # idempotent
    assert DenialCase.objects.count() == 1
    assert case.status == CaseStatus.OPEN and case.regime is None  # none configured: model defaults
    assert case.letter_received_at == denied.decided_at
    assert case.p2p_due_at == case.letter_received_at + dt.timedelta(hours=rule.p2p_window_hours)
    appeal = level_1(case)
    assert appeal.filed_at is None
    letter_day = timezone.localtime(case.letter_received_at, in_harbor.tzinfo).date()
    assert timezone.localtime(appeal.filing_due_at, in_harbor.tzinfo) == dt.datetime.combine(
        letter_day + dt.timedelta(days=rule.appeal_window_days), dt.time(23, 59, 59), tzinfo=in_harbor.tzinfo
    )
    assert (case.denied_from, case.denied_to) == (denied.request.start_date, denied.request.end_date)
    told = Notification.objects.filter(kind="denial_case")
    assert {n.recipient.role for n in told} == {"intake", "clinician"}  # intake, and the treating clinician


def test_the_payer_rules_window_and_the_coverages_regime_are_used(draft, harbor_intake, in_harbor, rule):
    rule.p2p_window_hours, rule.appeal_window_days = 24, 60
    rule.save()
    commercial, advantage, _ = clocks.regimes_ensure(in_harbor)
    draft.coverage.payer.regime = advantage
    draft.coverage.payer.save()
    denied = deny(draft, harbor_intake)  # the determination opens the case itself
    case = DenialCase.objects.get(determination=denied)
    assert case.regime == advantage
    assert case.p2p_due_at - case.letter_received_at == dt.timedelta(hours=24)
    assert level_1(case).filing_due_at.astimezone(in_harbor.tzinfo).date() == (
        case.letter_received_at.astimezone(in_harbor.tzinfo).date() + dt.timedelta(days=60)
    )


def test_only_a_denial_opens_a_case(draft, harbor_intake):
    from authorizations.requests.services.determinations import determination_record
    from authorizations.requests.services.workflow import request_mark_ready, request_submit

    from ..requests.conftest import complete

    submitted = request_submit(request=request_mark_ready(request=complete(draft)), channel="fax", actor=harbor_intake)
    cancelled = determination_record(request=submitted, action="C", reason="Withdrawn", actor=harbor_intake)
    refused(Code.DENIAL_NOT_A_DENIAL, services.denial_case_open, determination=cancelled, actor=harbor_intake)
    assert not DenialCase.objects.exists()


def test_peer_to_peer_with_the_treating_clinician(case, harbor_intake, harbor_clinician, harbor_va):
    at = timezone.now() + dt.timedelta(days=1)
    refused(
        Code.P2P_CLINICIAN_INVALID, services.p2p_schedule, case=case, scheduled_at=at, clinician=harbor_va, actor=None
    )
    refused(
        Code.P2P_BEFORE_LETTER,
        services.p2p_schedule,
        case=case,
        scheduled_at=case.letter_received_at - HOUR,
        actor=harbor_intake,
    )
    p2p = services.p2p_schedule(case=case, scheduled_at=at, payer_physician="Dr. Payer", actor=harbor_intake)
    assert p2p.clinician == harbor_clinician  # the episode's primary clinician
    refused(Code.P2P_ALREADY_SCHEDULED, services.p2p_schedule, case=case, scheduled_at=at, actor=harbor_intake)
    assert selectors.case_clocks(selectors.case_get(organization=case.organization, case_id=case.pk))[0].kind == (
        "appeal_filing"
    )  # the window's clock stops once a call is scheduled

    moved = services.p2p_reschedule(p2p=p2p, scheduled_at=at + HOUR, actor=harbor_intake)
    assert moved.scheduled_at == at + HOUR and moved.payer_physician == "Dr. Payer"
    assert p2p.events.count() >= 2  # the earlier time stays in the history
    refused(Code.P2P_OUTCOME_INVALID, services.p2p_outcome_record, p2p=p2p, status="held", outcome="upheld", actor=None)

    moved.scheduled_at = timezone.now() - HOUR
    moved.save()
    refused(Code.P2P_OUTCOME_INVALID, services.p2p_outcome_record, p2p=p2p, status="held", actor=None)
    services.p2p_outcome_record(p2p=p2p, status="held", outcome="upheld", notes="Payer holds.", actor=harbor_clinician)
    assert fresh(case).status == CaseStatus.OPEN  # on to the appeal
    refused(Code.P2P_ALREADY_HELD, services.p2p_schedule, case=case, scheduled_at=at, actor=harbor_intake)
    refused(Code.P2P_NOT_SCHEDULED, services.p2p_reschedule, p2p=p2p, scheduled_at=at, actor=harbor_intake)


def test_a_missed_call_can_be_scheduled_again_and_an_overturn_closes_the_case(case, harbor_intake):
    first = services.p2p_schedule(case=case, scheduled_at=timezone.now() + HOUR, actor=harbor_intake)
    services.p2p_outcome_record(p2p=first, status=PeerToPeerStatus.MISSED, actor=harbor_intake)
    second = services.p2p_schedule(
        case=case, scheduled_at=timezone.now() + dt.timedelta(minutes=1), actor=harbor_intake
    )
    services.p2p_outcome_record(p2p=second, status="held", outcome="overturned", actor=harbor_intake)

    closed = selectors.case_get(organization=case.organization, case_id=case.pk)
    assert closed.status == CaseStatus.OVERTURNED and closed.closed_at is not None
    assert not Appeal.objects.filter(case=case).exists()  # the unfiled level is no clock any more
    step = selectors.case_next_step(closed)
    assert step.link.endswith(f"/requests/{case.determination.request_id}/#determinations")
    refused(Code.CASE_CLOSED, services.appeal_prepare, case=closed, letter="x", actor=None)


def test_the_ladder_under_a_one_level_regime(case, harbor_intake, in_harbor):
    regime = ReviewRegime.objects.create(name="Medicaid", internal_appeal_levels=1, external_review_filing_days=120)
    DenialCase.objects.filter(pk=case.pk).update(regime=regime)
    case = fresh(case)
    refused(Code.APPEAL_LETTER_REQUIRED, services.appeal_file, case=case, channel="fax", actor=harbor_intake)
    services.appeal_prepare(case=case, letter="The client needs IOP: PHQ-9 19 → 14.", actor=harbor_intake)
    filed_at = timezone.now() - HOUR
    appeal = services.appeal_file(case=case, channel="fax", reference="AP-1", filed_at=filed_at, actor=harbor_intake)
    assert appeal.decision_due_at == clocks.appeal_decision_due_at(filed_at, regime, AppealLevel.INTERNAL_1, False)
    refused(Code.APPEAL_PENDING, services.appeal_file, case=case, channel="fax", actor=harbor_intake)
    refused(Code.APPEAL_PENDING, services.case_close, case=case, status="not_pursued", actor=harbor_intake)

    decided = timezone.now() - dt.timedelta(minutes=10)
    services.appeal_outcome_record(appeal=appeal, outcome="upheld", decided_at=decided, actor=harbor_intake)
    external = Appeal.objects.get(case=case, filed_at__isnull=True)
    assert external.level == AppealLevel.EXTERNAL  # no second internal level under this regime
    assert external.filing_due_at.astimezone(in_harbor.tzinfo).date() == (
        decided.astimezone(in_harbor.tzinfo).date() + dt.timedelta(days=120)
    )
    refused(
        Code.APPEAL_LEVEL_NOT_ALLOWED,
        services.appeal_file,
        case=case,
        level=AppealLevel.INTERNAL_2,
        letter="Again",
        channel="fax",
        actor=harbor_intake,
    )
    refused(Code.CASE_CLOSE_INVALID, services.case_close, case=case, status="upheld", actor=harbor_intake)

    review = services.appeal_file(
        case=case,
        level=AppealLevel.EXTERNAL,
        letter="To the IRO.",
        expedited=True,
        channel="portal",
        actor=harbor_intake,
    )
    assert review.decision_due_at - review.filed_at == dt.timedelta(hours=regime.external_review_expedited_hours)
    services.appeal_outcome_record(appeal=review, outcome="upheld", actor=harbor_intake)
    assert fresh(case).status == CaseStatus.UPHELD  # upheld at the last level: final
    assert selectors.case_clocks(selectors.case_get(organization=in_harbor, case_id=case.pk)) == []


def test_a_two_level_regime_has_a_second_internal_appeal(case, harbor_intake, in_harbor):
    commercial = clocks.regimes_ensure(in_harbor)[0]
    DenialCase.objects.filter(pk=case.pk).update(regime=commercial)
    appeal = services.appeal_file(case=fresh(case), letter="Level 1.", channel="fax", actor=harbor_intake)
    services.appeal_outcome_record(appeal=appeal, outcome="partial", actor=harbor_intake)
    assert Appeal.objects.get(case=case, filed_at__isnull=True).level == AppealLevel.INTERNAL_2
    second = services.appeal_file(case=fresh(case), letter="Level 2.", channel="fax", actor=harbor_intake)
    services.appeal_outcome_record(appeal=second, outcome=AppealOutcome.OVERTURNED, actor=harbor_intake)
    assert fresh(case).status == CaseStatus.OVERTURNED


def test_withdrawn_closes_not_pursued_and_closing_by_hand(case, denied, harbor_intake):
    appeal = services.appeal_file(case=case, letter="Level 1.", channel="fax", actor=harbor_intake)
    refused(Code.APPEAL_OUTCOME_INVALID, services.appeal_outcome_record, appeal=appeal, outcome="pending", actor=None)
    services.appeal_outcome_record(appeal=appeal, outcome="withdrawn", actor=harbor_intake)
    assert fresh(case).status == CaseStatus.NOT_PURSUED
    refused(Code.CASE_CLOSED, services.case_close, case=case, status="not_pursued", actor=harbor_intake)


def test_bad_input_is_refused_with_nothing_changed(case, harbor_intake):
    before = fresh(case)
    future = timezone.now() + dt.timedelta(days=2)
    refused(
        Code.DENIED_DATES_REVERSED,
        services.denial_update,
        case=case,
        letter_received_at=case.letter_received_at,
        reason="New reason",
        denied_from=case.denied_to,
        denied_to=case.denied_from - dt.timedelta(days=1),
        actor=harbor_intake,
    )
    refused(
        Code.LETTER_IN_FUTURE,
        services.denial_update,
        case=case,
        letter_received_at=future,
        reason="New reason",
        actor=harbor_intake,
    )
    refused(
        Code.REQUIRED,
        services.denial_update,
        case=case,
        letter_received_at=case.letter_received_at,
        reason=" ",
        actor=None,
    )
    refused(
        Code.UNITS_NOT_POSITIVE,
        services.denial_update,
        case=case,
        letter_received_at=case.letter_received_at,
        reason="r",
        denied_units=0,
        actor=None,
    )
    refused(
        Code.APPEAL_FILED_AT_INVALID,
        services.appeal_file,
        case=case,
        letter="L",
        channel="fax",
        filed_at=future,
        actor=None,
    )
    refused(Code.INVALID_CHANNEL, services.appeal_file, case=case, letter="L", channel="pigeon", actor=None)
    refused(Code.CASE_CLOSE_INVALID, services.case_close, case=case, status="open", actor=None)
    after = fresh(case)
    for field in ("reason", "letter_received_at", "denied_from", "denied_to", "denied_units", "p2p_due_at", "status"):
        assert getattr(after, field) == getattr(before, field)
    appeal = level_1(case)
    assert (appeal.filed_at, appeal.letter, appeal.channel) == (None, "", "")


def test_a_corrected_letter_date_moves_the_clocks(case, harbor_intake, rule):
    earlier = case.letter_received_at - dt.timedelta(days=1)
    services.denial_update(
        case=case, letter_received_at=earlier, reason="As the letter says.", expedited=True, actor=harbor_intake
    )
    case = fresh(case)
    assert case.p2p_due_at == earlier + dt.timedelta(hours=rule.p2p_window_hours)
    appeal = level_1(case)
    assert appeal.expedited and appeal.filing_due_at == clocks.appeal_filing_due_at(case, rule)
