"""Reads for denial cases: the list with each open case's next clock (one query for the cases,
one for their peer-to-peers and appeals, at any size), one case with its timeline, the clocks the
hourly escalation asks for, and what to do next once a case is decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from authorizations.models import (
    Appeal,
    AppealOutcome,
    CaseStatus,
    ClockKind,
    ConcurrentReview,
    DenialCase,
    PeerToPeer,
    PeerToPeerStatus,
)
from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.selectors import members_with_roles

ACTIVE_P2P_STATUSES = (PeerToPeerStatus.SCHEDULED, PeerToPeerStatus.HELD)


def _cases() -> QuerySet[DenialCase]:
    return DenialCase.objects.select_related(
        "organization",
        "episode__client",
        "episode__primary_clinician__user",
        "determination__request__coverage__payer",
        "determination__request__coverage__plan",
        "determination__request__packet__couple",
        "authorization",
        "regime",
    ).prefetch_related(
        Prefetch("peer_to_peers", queryset=PeerToPeer.objects.select_related("clinician").order_by("scheduled_at")),
        Prefetch("appeals", queryset=Appeal.objects.order_by("filing_due_at")),
    )


def case_list(*, organization: Organization) -> QuerySet[DenialCase]:
    return _cases().filter(organization=organization).order_by("-letter_received_at", "pk")


def case_get(*, organization: Organization, case_id) -> DenialCase | None:
    return case_list(organization=organization).filter(pk=case_id).first()


def case_of_determination(*, determination) -> DenialCase | None:
    return DenialCase.objects.filter(determination=determination).first()


# --- The case's state, from its prefetched peer-to-peers and appeals (no query) -------------------------


def active_p2p(case: DenialCase) -> PeerToPeer | None:
    """The scheduled (or held) peer-to-peer, if any."""
    return next((p for p in case.peer_to_peers.all() if p.status in ACTIVE_P2P_STATUSES), None)


def scheduled_p2p(case: DenialCase) -> PeerToPeer | None:
    return next((p for p in case.peer_to_peers.all() if p.status == PeerToPeerStatus.SCHEDULED), None)


def unfiled_appeal(case: DenialCase) -> Appeal | None:
    """The next level, waiting to be filed (its letter may be drafted)."""
    return next((a for a in case.appeals.all() if a.filed_at is None), None)


def pending_appeal(case: DenialCase) -> Appeal | None:
    return next((a for a in case.appeals.all() if a.filed_at is not None and a.outcome == AppealOutcome.PENDING), None)


def decided_appeals(case: DenialCase) -> list[Appeal]:
    return sorted(
        (a for a in case.appeals.all() if a.filed_at is not None and a.outcome != AppealOutcome.PENDING),
        key=lambda a: a.decided_at or a.filed_at or a.created_at,
    )


@dataclass(frozen=True)
class NextClock:
    kind: str
    label: str
    due_at: dt.datetime


def case_clocks(case: DenialCase) -> list[NextClock]:
    """The case's open clocks: the peer-to-peer window (no peer-to-peer scheduled and no appeal
    filed yet), the next level's filing deadline (not filed), the pending appeal's decision."""
    if case.status != CaseStatus.OPEN:
        return []
    clocks = []
    filed = any(a.filed_at is not None for a in case.appeals.all())
    if case.p2p_due_at and active_p2p(case) is None and not filed:
        clocks.append(NextClock(ClockKind.P2P_WINDOW, "Peer-to-peer window closes", case.p2p_due_at))
    if (appeal := unfiled_appeal(case)) is not None:
        clocks.append(NextClock(ClockKind.APPEAL_FILING, f"{appeal.get_level_display()} due", appeal.filing_due_at))
    if (appeal := pending_appeal(case)) is not None and appeal.decision_due_at:
        clocks.append(NextClock(ClockKind.APPEAL_DECISION, "Decision due", appeal.decision_due_at))
    return sorted(clocks, key=lambda c: c.due_at)


def next_clock(case: DenialCase) -> NextClock | None:
    clocks = case_clocks(case)
    return clocks[0] if clocks else None


@dataclass(frozen=True)
class CaseRow:
    case: DenialCase
    clock: NextClock | None

    @property
    def is_open(self) -> bool:
        return self.case.status == CaseStatus.OPEN

    @property
    def stage(self) -> str:
        return case_stage(self.case)


def case_stage(case: DenialCase) -> str:
    """Where an open case stands, in a few words (from its prefetched rows)."""
    if (appeal := pending_appeal(case)) is not None:
        return f"{appeal.get_level_display()}: filed, awaiting the decision"
    if scheduled_p2p(case) is not None:
        return "Peer-to-peer scheduled"
    if (appeal := unfiled_appeal(case)) is not None:
        drafted = "letter drafted" if appeal.letter else "to write"
        return f"{appeal.get_level_display()}: {drafted}"
    return CaseStatus(case.status).label


def case_rows(*, organization: Organization, closed_limit: int = 50) -> tuple[list[CaseRow], list[CaseRow]]:
    """The Denials & appeals page: open cases by their nearest deadline (cases without an open
    clock last), then the latest closed ones. Two queries (cases, peer-to-peers and appeals
    prefetched) per list, whatever the number of cases."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    open_rows = [CaseRow(c, next_clock(c)) for c in case_list(organization=organization).filter(status=CaseStatus.OPEN)]
    open_rows.sort(key=lambda r: (r.clock.due_at if r.clock else far, r.case.letter_received_at))
    closed = case_list(organization=organization).exclude(status=CaseStatus.OPEN).order_by("-closed_at", "pk")
    return open_rows, [CaseRow(c, None) for c in closed[:closed_limit]]


def last_review(case: DenialCase) -> ConcurrentReview | None:
    """The latest concurrent review of the denied authorization (its clinical fields support the
    appeal), when the denial was of a continued stay."""
    if case.authorization_id is None:
        return None
    return ConcurrentReview.objects.filter(authorization_id=case.authorization_id).order_by("-review_date").first()


# --- What next ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    text: str
    link: str = ""
    link_text: str = ""


def request_url(case: DenialCase) -> str:
    request = case.determination.request
    return reverse(
        "authorizations:request_detail", kwargs={"org_slug": case.organization.slug, "request_id": request.pk}
    )


def case_next_step(case: DenialCase, now: dt.datetime | None = None) -> NextStep:
    """One sentence saying what to do now, with the page to do it on."""
    now = now or timezone.now()
    if case.status in (CaseStatus.OVERTURNED, CaseStatus.PARTIALLY_OVERTURNED):
        return NextStep(
            "The denial was overturned: record the payer's new approval (authorization number, units and "
            "dates) as a determination of the request, so the authorization and its units exist.",
            f"{request_url(case)}#determinations",
            "Record the approval on the request",
        )
    if case.status == CaseStatus.UPHELD:
        return NextStep("The denial stands after the last level: plan the step-down or discharge with the client.")
    if case.status == CaseStatus.NOT_PURSUED:
        return NextStep("The program decided not to pursue this denial.")
    if (appeal := pending_appeal(case)) is not None:
        return NextStep(f"Wait for the decision on the {appeal.get_level_display().lower()}; record it when it comes.")
    if (p2p := scheduled_p2p(case)) is not None:
        return NextStep("Hold the peer-to-peer and record its outcome.")
    if (appeal := unfiled_appeal(case)) is not None:
        if not appeal.letter:
            return NextStep(f"Draft the letter for the {appeal.get_level_display().lower()} and file it.")
        return NextStep(f"File the {appeal.get_level_display().lower()}.")
    del p2p
    return NextStep("Nothing left to appeal: close the case.")


# --- Who answers for a case's clocks --------------------------------------------------------------------------


def clock_staff(*, organization: Organization) -> list[Membership]:
    """The VAs and the organization's admins (every case's clocks)."""
    return list(members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN]))


def case_recipients(case: DenialCase, staff: Iterable[Membership]) -> tuple[Membership, ...]:
    """The treating clinician (when active), the VAs and the admins, each once."""
    people = {m.pk: m for m in staff}
    clinician = case.episode.primary_clinician
    if clinician is not None and clinician.is_active:
        people.setdefault(clinician.pk, clinician)
    return tuple(people.values())


def case_url(case: DenialCase) -> str:
    return reverse("authorizations:denial_case", kwargs={"org_slug": case.organization.slug, "case_id": case.pk})


# --- Clock sources for the hourly escalation (authorizations.escalations) ------------------------------------


def _horizon(now: dt.datetime) -> dt.datetime:
    from authorizations.escalations import ESCALATION_THRESHOLDS_HOURS

    return now + dt.timedelta(hours=max(ESCALATION_THRESHOLDS_HOURS))


def _open_cases(organization: Organization) -> QuerySet[DenialCase]:
    return DenialCase.objects.filter(organization=organization, status=CaseStatus.OPEN).select_related(
        "organization", "episode__primary_clinician", "episode__client"
    )


def p2p_window_clocks(*, organization: Organization, now: dt.datetime):
    """Open cases whose peer-to-peer window is near or past with no peer-to-peer scheduled (or
    held) and no appeal filed yet."""
    from authorizations.escalations import Clock

    cases = (
        _open_cases(organization)
        .filter(p2p_due_at__isnull=False, p2p_due_at__lte=_horizon(now))
        .exclude(peer_to_peers__status__in=ACTIVE_P2P_STATUSES)
        .exclude(appeals__filed_at__isnull=False)
        .distinct()
    )
    staff = clock_staff(organization=organization)
    return [
        Clock(
            kind=ClockKind.P2P_WINDOW,
            subject_id=case.pk,
            due_at=case.p2p_due_at,
            title=f"Schedule the peer-to-peer on {case.episode.client.display_name}'s denial: the window closes",
            link=case_url(case),
            recipients=case_recipients(case, staff),
            client_id=case.episode.client_id,
        )
        for case in cases
        if case.p2p_due_at is not None
    ]


def _appeals(organization: Organization, now: dt.datetime) -> QuerySet[Appeal]:
    return Appeal.objects.filter(
        organization=organization, case__status=CaseStatus.OPEN, outcome=AppealOutcome.PENDING
    ).select_related("case__organization", "case__episode__primary_clinician", "case__episode__client")


def appeal_filing_clocks(*, organization: Organization, now: dt.datetime):
    """The level not filed yet of each open case, near or past its filing deadline."""
    from authorizations.escalations import Clock

    staff = clock_staff(organization=organization)
    appeals = _appeals(organization, now).filter(filed_at__isnull=True, filing_due_at__lte=_horizon(now))
    return [
        Clock(
            kind=ClockKind.APPEAL_FILING,
            subject_id=appeal.pk,
            due_at=appeal.filing_due_at,
            title=f"File the {appeal.get_level_display().lower()} on "
            f"{appeal.case.episode.client.display_name}'s denial",
            link=case_url(appeal.case),
            recipients=case_recipients(appeal.case, staff),
            client_id=appeal.case.episode.client_id,
        )
        for appeal in appeals
    ]


def appeal_decision_clocks(*, organization: Organization, now: dt.datetime):
    """Filed appeals awaiting a decision that is near or overdue (time to chase the payer)."""
    from authorizations.escalations import Clock

    staff = clock_staff(organization=organization)
    appeals = _appeals(organization, now).filter(
        filed_at__isnull=False, decision_due_at__isnull=False, decision_due_at__lte=_horizon(now)
    )
    return [
        Clock(
            kind=ClockKind.APPEAL_DECISION,
            subject_id=appeal.pk,
            due_at=appeal.decision_due_at,
            title=f"Chase the payer's decision on {appeal.case.episode.client.display_name}'s "
            f"{appeal.get_level_display().lower()}",
            link=case_url(appeal.case),
            recipients=case_recipients(appeal.case, staff),
            client_id=appeal.case.episode.client_id,
        )
        for appeal in appeals
        if appeal.decision_due_at is not None
    ]


CLOCK_SOURCES = (p2p_window_clocks, appeal_filing_clocks, appeal_decision_clocks)
