"""Demo denials and appeals (Harbor): two continued-stay renewals the payer denied, each a case —
one denied just now, its peer-to-peer window closing in two days with nothing scheduled yet, and
one denied ten days ago whose peer-to-peer upheld the denial and whose first-level appeal, filed
eight days ago, awaits the payer's decision. The federal review regimes are seeded first.

Written through the services (the determination opens each case itself); a second run changes
nothing (the demo requests are found by their payer reference)."""

from __future__ import annotations

import datetime as dt

from authorizations.appeals.clocks import regimes_ensure
from authorizations.appeals.services import (
    appeal_file,
    appeal_prepare,
    denial_update,
    p2p_outcome_record,
    p2p_schedule,
)
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    AuthorizationStatus,
    CertificationType,
    DenialCase,
    DeterminationAction,
    RequestStatus,
)
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import diagnosis_add, request_create, request_update
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from demo.people import RAMAN
from iop.accounts.models import User
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Organization

REFERENCES = ("PR-DENY-P2P", "PR-DENY-APPEAL")
REASON = (
    "Continued stay not medically necessary: symptoms improved to a level manageable in routine "
    "outpatient care (LOCUS composite 14)."
)
LETTER = (
    "We ask the plan to reverse its denial of continued intensive outpatient care. The member attends "
    "three program days a week, and the gains the reviewer cites were made in this program; her PHQ-9 "
    "fell from 19 to 12 but her last two weeks show renewed sleep disturbance and a missed work week. "
    "Stepping down now risks losing those gains: the discharge plan steps her down to weekly outpatient "
    "therapy in about two weeks, with aftercare booked. LOCUS level 3 criteria are still met."
)


def _candidates(organization: Organization, today: dt.date) -> list[Authorization]:
    """Active authorizations of clients with no request in progress, latest names first (the
    reviews' story takes the first names)."""
    busy = AuthorizationRequest.objects.filter(
        status__in=[RequestStatus.DRAFT, RequestStatus.READY, RequestStatus.SUBMITTED, RequestStatus.PENDED]
    ).values("episode_id")
    return list(
        Authorization.objects.filter(
            organization=organization, status=AuthorizationStatus.ACTIVE, end_date__gte=today + dt.timedelta(days=2)
        )
        .exclude(episode_id__in=busy)
        .select_related("episode__client", "episode__program", "coverage")
        .order_by("-episode__client__last_name", "-episode__client__first_name", "pk")
    )


def _denied_renewal(authorization, *, reference: str, actor, submitted_at, decided_at):
    renewal = request_create(
        episode=authorization.episode,
        coverage=authorization.coverage,
        actor=actor,
        start_date=authorization.end_date + dt.timedelta(days=1),
        certification_type=CertificationType.RENEWAL,
    )
    # The renewal continues this authorization: the case's packet reads its last review.
    AuthorizationRequest.objects.filter(pk=renewal.pk).update(prior_authorization=authorization)
    renewal.prior_authorization = authorization
    diagnosis_add(
        request=renewal, code="F33.1", description="Major depressive disorder, recurrent, moderate", actor=actor
    )
    request_update(
        request=renewal,
        data={
            "why_not_lower_level": "Weekly therapy alone did not hold her mood; she still needs daily coping practice.",
            "why_not_higher_level": "Safe at home with support; no need for partial hospitalization.",
        },
        actor=actor,
    )
    request_mark_ready(request=renewal, actor=actor)
    request_submit(request=renewal, channel="portal", payer_reference=reference, actor=actor, now=submitted_at)
    determination = determination_record(
        request=renewal,
        action=DeterminationAction.NOT_CERTIFIED,
        reason=REASON,
        start_date=renewal.start_date,
        end_date=renewal.end_date,
        decided_at=decided_at,
        actor=actor,
    )
    return DenialCase.objects.get(determination=determination)


def seed_appeals(*, organization: Organization, actor: User | None, now: dt.datetime, report) -> None:
    regimes_ensure(organization)
    if AuthorizationRequest.objects.filter(payer_reference__in=REFERENCES).exists():
        return
    clinician = User.objects.filter(email=RAMAN).first()
    candidates = _candidates(organization, organization.local_today(now))
    if len(candidates) < 2:
        return
    fresh, older = candidates[0], candidates[1]

    # Denied just now: the letter's peer-to-peer window closes in two days.
    try:
        case = _denied_renewal(
            fresh, reference=REFERENCES[0], actor=actor, submitted_at=now - dt.timedelta(days=2), decided_at=now
        )
        window = case.p2p_due_at - case.letter_received_at if case.p2p_due_at else dt.timedelta(hours=48)
        denial_update(
            case=case,
            letter_received_at=min(now, now + dt.timedelta(days=2) - window),
            reason=REASON,
            denied_from=case.denied_from,
            denied_to=case.denied_to,
            denied_units=case.denied_units,
            criteria_cited="LOCUS 20",
            actor=actor,
        )
        report.add("denial case, peer-to-peer window open")

        # Denied ten days ago: the peer-to-peer upheld it; the first appeal awaits the decision.
        case = _denied_renewal(
            older,
            reference=REFERENCES[1],
            actor=actor,
            submitted_at=now - dt.timedelta(days=12),
            decided_at=now - dt.timedelta(days=10),
        )
        denial_update(
            case=case,
            letter_received_at=case.letter_received_at,
            reason=REASON,
            denied_from=case.denied_from,
            denied_to=case.denied_to,
            criteria_cited="LOCUS 20",
            actor=actor,
        )
        if clinician is not None:
            p2p = p2p_schedule(
                case=case,
                scheduled_at=now - dt.timedelta(days=9),
                clinician=None if case.episode.primary_clinician_id else clinician,
                payer_physician="Dr. Alan Reyes (plan medical director)",
                dial_in="+1 555 010 2020",
                actor=actor,
            )
            p2p_outcome_record(
                p2p=p2p, status="held", outcome="upheld", notes="Reviewer held to LOCUS 14.", actor=actor
            )
        appeal_prepare(case=case, letter=LETTER, actor=actor)
        appeal_file(case=case, channel="fax", reference="APL-2291", filed_at=now - dt.timedelta(days=8), actor=actor)
        report.add("appeal awaiting decision")
    except ApplicationError:
        return  # a client whose care or coverage does not allow the story: leave it out
