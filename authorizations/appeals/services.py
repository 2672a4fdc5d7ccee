"""A denial as one case: the denial documented, the peer-to-peer within the payer's window, the
appeals ladder (internal level 1, level 2 where the regime has it, external review), each step on
its clock (`clocks`), and the case's close.

The next level always exists as an unfiled `Appeal` row while the case is open: its
`filing_due_at` is the filing clock the hourly escalation reads, and its letter can be drafted
before it is filed. Filing starts the decision clock; a decision closes the case (overturned,
upheld at the last level, withdrawn) or opens the next level's filing clock.

Every step refuses an invalid transition with a specific code and changes nothing when it does.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone

from authorizations.appeals import clocks
from authorizations.appeals.selectors import (
    active_p2p,
    case_url,
    decided_appeals,
    pending_appeal,
    unfiled_appeal,
)
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    Appeal,
    AppealLevel,
    AppealOutcome,
    CaseStatus,
    DenialCase,
    Determination,
    DeterminationAction,
    PeerToPeer,
    PeerToPeerOutcome,
    PeerToPeerStatus,
    SubmissionChannel,
)
from iop.common.exceptions import refuse
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Membership, Role

if TYPE_CHECKING:
    from iop.accounts.models import User

# A clock a few minutes ahead of the server is not "the future".
_SKEW = dt.timedelta(minutes=5)
# The inbox kind of a denial case's lines (authorizations.inbox).
DENIAL_CASE = "denial_case"


def _locked(case: DenialCase) -> DenialCase:
    """The case re-read under a row lock, with its peer-to-peers and appeals."""
    locked = DenialCase.objects.select_for_update(of=("self",)).select_related("organization").get(pk=case.pk)
    return (
        DenialCase.objects.select_related(
            "organization", "episode__primary_clinician", "determination__request__coverage__payer", "regime"
        )
        .prefetch_related("peer_to_peers", "appeals")
        .get(pk=locked.pk)
    )


def _require_open(case: DenialCase) -> None:
    if case.status != CaseStatus.OPEN:
        refuse("The case is closed.", code=AuthorizationsErrorCode.CASE_CLOSED, field="__all__")


def _rule(case: DenialCase):
    request = case.determination.request
    on = case.letter_received_at.astimezone(case.organization.tzinfo).date()
    return clocks.coverage_rule(request.coverage, level_of_care=request.level_of_care, on=on)


def _regime(case: DenialCase):
    return case.regime or clocks.regime_default(case.organization)


def _check_denied(denied_from, denied_to, denied_units) -> None:
    if denied_from and denied_to and denied_to < denied_from:
        refuse(
            "The denied dates end before they start.",
            code=AuthorizationsErrorCode.DENIED_DATES_REVERSED,
            field="denied_to",
        )
    if denied_units is not None and int(denied_units) < 1:
        refuse(
            "Denied units must be at least 1.", code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE, field="denied_units"
        )


def _check_letter(letter_received_at: dt.datetime, now: dt.datetime) -> None:
    if letter_received_at > now + _SKEW:
        refuse(
            "The denial letter cannot arrive in the future.",
            code=AuthorizationsErrorCode.LETTER_IN_FUTURE,
            field="letter_received_at",
        )


# --- Opening -------------------------------------------------------------------------------------------


def denial_case_open(
    *,
    determination: Determination,
    letter_received_at: dt.datetime | None = None,
    denied_from: dt.date | None = None,
    denied_to: dt.date | None = None,
    denied_units: int | None = None,
    criteria_cited: str = "",
    expedited: bool = False,
    actor: User | None,
) -> DenialCase:
    """The case of a not-certified (A3) determination, opened once: a second call returns the
    same case unchanged. The regime is the coverage's (plan, payer, organization default); the
    peer-to-peer window and the first appeal's filing deadline are set from the payer rule in
    effect. The client (both partners of a couple's packet) hears that the program is appealing
    and their rights; the treating clinician, the VAs and the admins see it in their inbox."""
    existing = DenialCase.objects.filter(determination=determination).first()
    if existing is not None:
        return existing
    if determination.action != DeterminationAction.NOT_CERTIFIED:
        refuse(
            "Only a denial (not certified) opens a denial case.",
            code=AuthorizationsErrorCode.DENIAL_NOT_A_DENIAL,
            field="__all__",
        )
    now = timezone.now()
    letter_received_at = letter_received_at or determination.decided_at
    _check_letter(letter_received_at, now)
    request = determination.request
    denied_from = denied_from or determination.start_date or request.start_date
    denied_to = denied_to or determination.end_date or request.end_date
    _check_denied(denied_from, denied_to, denied_units)
    regime = clocks.coverage_regime(request.coverage)
    try:
        with transaction.atomic():
            case = DenialCase.objects.create(
                organization_id=determination.organization_id,
                determination=determination,
                episode_id=request.episode_id,
                authorization_id=request.prior_authorization_id,
                regime=regime if clocks.regime_is_configured(regime) else None,
                letter_received_at=letter_received_at,
                denied_from=denied_from,
                denied_to=denied_to,
                denied_units=denied_units,
                reason=(determination.reason or "").strip() or "No reason given in the determination.",
                criteria_cited=(criteria_cited or "").strip(),
                expedited=expedited,
                created_by=actor,
            )
            case.p2p_due_at = clocks.p2p_due_at(letter_received_at, _rule(case))
            case.save(update_fields=["p2p_due_at"])
            Appeal.objects.create(
                organization_id=case.organization_id,
                case=case,
                level=AppealLevel.INTERNAL_1,
                expedited=expedited,
                filing_due_at=clocks.appeal_filing_due_at(case, _rule(case)),
            )
            _notify_staff(
                case,
                title=f"Work {case.episode.client.display_name}'s denial: peer-to-peer or appeal",
                key=f"denial_case:{case.pk}",
                body="A denial case was opened; its clocks (peer-to-peer window, appeal filing) are on the case page.",
                open_case=True,
            )
            from authorizations.appeals.messages import denial_notify

            denial_notify(case=case)
    except IntegrityError:
        # Opened meanwhile by another request for the same determination.
        return DenialCase.objects.get(determination=determination)
    return case


def _notify_staff(case: DenialCase, *, title: str, key: str, body: str = "", open_case: bool = False) -> None:
    """The case's people hear, naming the client (the in-app inbox only). `open_case`: the line
    asks for work on the case and stays unread while the case is open (authorizations.inbox)."""
    organization = case.organization
    staff = Membership.objects.filter(organization=organization, is_active=True).filter(
        role__in=[Role.INTAKE, Role.VA, Role.ORG_ADMIN]
    )
    people = {m.pk: m for m in staff}
    clinician = case.episode.primary_clinician
    if clinician is not None and clinician.is_active:
        people[clinician.pk] = clinician
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=m,
                kind=DENIAL_CASE,
                title=title,
                body=body,
                link=case_url(case),
                dedupe_key=key,
                client_id=case.episode.client_id,
                subject_ids=[case.pk] if open_case else [],
            )
            for m in people.values()
        ],
    )


@transaction.atomic
def denial_update(
    *,
    case: DenialCase,
    letter_received_at: dt.datetime,
    reason: str,
    denied_from: dt.date | None = None,
    denied_to: dt.date | None = None,
    denied_units: int | None = None,
    criteria_cited: str = "",
    expedited: bool = False,
    actor: User | None,
) -> DenialCase:
    """The denial as the letter states it. A changed letter date moves the peer-to-peer window
    and the first appeal's filing deadline (when not filed yet); expedited carries to the level
    not yet filed."""
    case = _locked(case)
    _require_open(case)
    _check_letter(letter_received_at, timezone.now())
    _check_denied(denied_from, denied_to, denied_units)
    reason = (reason or "").strip()
    if not reason:
        refuse("Say why the payer denied.", code=AuthorizationsErrorCode.REQUIRED, field="reason")
    case.letter_received_at = letter_received_at
    case.reason = reason
    case.denied_from, case.denied_to, case.denied_units = denied_from, denied_to, denied_units
    case.criteria_cited = (criteria_cited or "").strip()
    case.expedited = bool(expedited)
    case.p2p_due_at = clocks.p2p_due_at(letter_received_at, _rule(case))
    case.save()
    appeal = unfiled_appeal(case)
    if appeal is not None:
        appeal.expedited = case.expedited
        if appeal.level == AppealLevel.INTERNAL_1:
            appeal.filing_due_at = clocks.appeal_filing_due_at(case, _rule(case))
        appeal.save(update_fields=["expedited", "filing_due_at"])
    return case


# --- Peer-to-peer ------------------------------------------------------------------------------------------


def _check_clinician(case: DenialCase, clinician: User) -> None:
    if not Membership.objects.filter(
        organization_id=case.organization_id, user=clinician, role=Role.CLINICIAN, is_active=True
    ).exists():
        refuse(
            "Choose one of the organization's clinicians (the treating clinician).",
            code=AuthorizationsErrorCode.P2P_CLINICIAN_INVALID,
            field="clinician",
        )


@transaction.atomic
def p2p_schedule(
    *,
    case: DenialCase,
    scheduled_at: dt.datetime,
    clinician: User | None = None,
    payer_physician: str = "",
    dial_in: str = "",
    actor: User | None,
) -> PeerToPeer:
    """A peer-to-peer between the treating clinician (the episode's primary clinician unless
    another is named) and the payer's physician. One at a time; none after one was held or an
    appeal was filed."""
    case = _locked(case)
    _require_open(case)
    current = active_p2p(case)
    if current is not None and current.status == PeerToPeerStatus.SCHEDULED:
        refuse(
            "A peer-to-peer is already scheduled: move it instead.",
            code=AuthorizationsErrorCode.P2P_ALREADY_SCHEDULED,
            field="__all__",
        )
    if current is not None:
        refuse(
            "A peer-to-peer was already held for this denial.",
            code=AuthorizationsErrorCode.P2P_ALREADY_HELD,
            field="__all__",
        )
    if any(a.filed_at is not None for a in case.appeals.all()):
        refuse(
            "An appeal is already filed: the peer-to-peer stage is over.", code=AuthorizationsErrorCode.P2P_ALREADY_HELD
        )
    if clinician is None:
        primary = case.episode.primary_clinician
        clinician = primary.user if primary is not None else None
    if clinician is None:
        refuse("Choose the treating clinician.", code=AuthorizationsErrorCode.P2P_CLINICIAN_INVALID, field="clinician")
    _check_clinician(case, clinician)
    if scheduled_at < case.letter_received_at:
        refuse(
            "The peer-to-peer cannot be before the denial letter.",
            code=AuthorizationsErrorCode.P2P_BEFORE_LETTER,
            field="scheduled_at",
        )
    return PeerToPeer.objects.create(
        organization_id=case.organization_id,
        case=case,
        scheduled_at=scheduled_at,
        clinician=clinician,
        payer_physician=(payer_physician or "").strip(),
        dial_in=(dial_in or "").strip(),
    )


def _p2p_locked(p2p: PeerToPeer) -> tuple[PeerToPeer, DenialCase]:
    case = _locked(p2p.case)
    return PeerToPeer.objects.select_for_update().get(pk=p2p.pk), case


@transaction.atomic
def p2p_reschedule(
    *,
    p2p: PeerToPeer,
    scheduled_at: dt.datetime,
    payer_physician: str | None = None,
    dial_in: str | None = None,
    actor: User | None,
) -> PeerToPeer:
    """Move a scheduled peer-to-peer (its earlier times stay in its history)."""
    p2p, case = _p2p_locked(p2p)
    _require_open(case)
    if p2p.status != PeerToPeerStatus.SCHEDULED:
        refuse(
            "Only a scheduled peer-to-peer can be moved.",
            code=AuthorizationsErrorCode.P2P_NOT_SCHEDULED,
            field="__all__",
        )
    if scheduled_at < case.letter_received_at:
        refuse(
            "The peer-to-peer cannot be before the denial letter.",
            code=AuthorizationsErrorCode.P2P_BEFORE_LETTER,
            field="scheduled_at",
        )
    p2p.scheduled_at = scheduled_at
    if payer_physician is not None:
        p2p.payer_physician = payer_physician.strip()
    if dial_in is not None:
        p2p.dial_in = dial_in.strip()
    p2p.save(update_fields=["scheduled_at", "payer_physician", "dial_in"])
    return p2p


@transaction.atomic
def p2p_outcome_record(
    *, p2p: PeerToPeer, status: str, outcome: str = "", notes: str = "", actor: User | None
) -> PeerToPeer:
    """Held (with its outcome), missed or cancelled. Overturned at the peer-to-peer closes the
    case overturned; partly overturned or upheld leaves it open for the appeal."""
    p2p, case = _p2p_locked(p2p)
    _require_open(case)
    if p2p.status != PeerToPeerStatus.SCHEDULED:
        refuse(
            "The peer-to-peer's outcome is already recorded.",
            code=AuthorizationsErrorCode.P2P_NOT_SCHEDULED,
            field="__all__",
        )
    if status not in (PeerToPeerStatus.HELD, PeerToPeerStatus.MISSED, PeerToPeerStatus.CANCELLED):
        refuse(
            "Say whether the call was held, missed or cancelled.",
            code=AuthorizationsErrorCode.P2P_OUTCOME_INVALID,
            field="status",
        )
    if status == PeerToPeerStatus.HELD and outcome not in PeerToPeerOutcome.values:
        refuse(
            "Say what the payer's physician decided.", code=AuthorizationsErrorCode.P2P_OUTCOME_INVALID, field="outcome"
        )
    if status != PeerToPeerStatus.HELD and outcome:
        refuse("Only a held call has an outcome.", code=AuthorizationsErrorCode.P2P_OUTCOME_INVALID, field="outcome")
    if status == PeerToPeerStatus.HELD and p2p.scheduled_at > timezone.now() + _SKEW:
        refuse("The call has not happened yet.", code=AuthorizationsErrorCode.P2P_OUTCOME_INVALID, field="status")
    p2p.status, p2p.outcome, p2p.notes = status, outcome if status == PeerToPeerStatus.HELD else "", notes.strip()
    p2p.save(update_fields=["status", "outcome", "notes"])
    if outcome == PeerToPeerOutcome.OVERTURNED:
        _close(case, CaseStatus.OVERTURNED, note="Overturned at the peer-to-peer.")
    return p2p


# --- Appeals ----------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_prepare(*, case: DenialCase, letter: str, expedited: bool | None = None, actor: User | None) -> Appeal:
    """Draft (or redraft) the letter of the level not yet filed."""
    case = _locked(case)
    _require_open(case)
    appeal = unfiled_appeal(case)
    if appeal is None:
        refuse_no_level(case)
    appeal.letter = (letter or "").strip()
    if expedited is not None:
        appeal.expedited = bool(expedited)
    appeal.save(update_fields=["letter", "expedited"])
    return appeal


def refuse_no_level(case: DenialCase) -> NoReturn:
    if pending_appeal(case) is not None:
        refuse(
            "An appeal is awaiting its decision: record it first.",
            code=AuthorizationsErrorCode.APPEAL_PENDING,
            field="__all__",
        )
    refuse(
        "Nothing is left to appeal: close the case.", code=AuthorizationsErrorCode.APPEAL_LADDER_END, field="__all__"
    )


@transaction.atomic
def appeal_file(
    *,
    case: DenialCase,
    channel: str,
    reference: str = "",
    filed_at: dt.datetime | None = None,
    level: str | None = None,
    letter: str | None = None,
    expedited: bool | None = None,
    actor: User | None,
) -> Appeal:
    """File the next level (its letter drafted or given now). `level`, when given, must be the
    next one the regime allows: level 2 only under a two-level regime, external review after the
    last internal level. The decision clock starts: the regime's expedited hours or standard days."""
    now = timezone.now()
    case = _locked(case)
    _require_open(case)
    appeal = unfiled_appeal(case)
    if appeal is None:
        refuse_no_level(case)
    if level and level != appeal.level:
        refuse(
            f"The next level of this case is the {appeal.get_level_display().lower()}.",
            code=AuthorizationsErrorCode.APPEAL_LEVEL_NOT_ALLOWED,
            field="level",
        )
    if channel not in SubmissionChannel.values:
        refuse("Say how the appeal was sent.", code=AuthorizationsErrorCode.INVALID_CHANNEL, field="channel")
    filed_at = filed_at or now
    if filed_at > now + _SKEW or filed_at < case.letter_received_at:
        refuse(
            "The appeal is filed after the denial letter and not in the future.",
            code=AuthorizationsErrorCode.APPEAL_FILED_AT_INVALID,
            field="filed_at",
        )
    if letter is not None:
        appeal.letter = letter.strip()
    if not appeal.letter:
        refuse(
            "Write the appeal letter before filing.",
            code=AuthorizationsErrorCode.APPEAL_LETTER_REQUIRED,
            field="letter",
        )
    if expedited is not None:
        appeal.expedited = bool(expedited)
    appeal.filed_at, appeal.filed_by = filed_at, actor
    appeal.channel, appeal.reference = channel, (reference or "").strip()
    appeal.decision_due_at = clocks.appeal_decision_due_at(filed_at, _regime(case), appeal.level, appeal.expedited)
    appeal.save()
    return appeal


@transaction.atomic
def appeal_outcome_record(
    *, appeal: Appeal, outcome: str, decided_at: dt.datetime | None = None, note: str = "", actor: User | None
) -> Appeal:
    """The decision on a filed appeal. Overturned closes the case overturned; withdrawn closes it
    not pursued; upheld (or partly overturned) opens the next level's filing clock, or at the last
    level closes the case upheld (final) — partly overturned at the last level closes it partly
    overturned."""
    now = timezone.now()
    case = _locked(appeal.case)
    appeal = next(a for a in case.appeals.all() if a.pk == appeal.pk)
    _require_open(case)
    if appeal.filed_at is None or appeal.outcome != AppealOutcome.PENDING:
        refuse(
            "This appeal is not awaiting a decision.", code=AuthorizationsErrorCode.APPEAL_NOT_PENDING, field="__all__"
        )
    if outcome not in AppealOutcome.values or outcome == AppealOutcome.PENDING:
        refuse("Choose the decision.", code=AuthorizationsErrorCode.APPEAL_OUTCOME_INVALID, field="outcome")
    decided_at = decided_at or now
    if decided_at > now + _SKEW or decided_at < appeal.filed_at:
        refuse(
            "The decision comes after the filing and not in the future.",
            code=AuthorizationsErrorCode.APPEAL_DECIDED_AT_INVALID,
            field="decided_at",
        )
    appeal.outcome, appeal.decided_at, appeal.outcome_note = outcome, decided_at, (note or "").strip()
    appeal.save(update_fields=["outcome", "decided_at", "outcome_note"])
    label = appeal.get_level_display()
    if outcome == AppealOutcome.OVERTURNED:
        _close(case, CaseStatus.OVERTURNED, note=f"Overturned on {label.lower()}.")
        return appeal
    if outcome == AppealOutcome.WITHDRAWN:
        _close(case, CaseStatus.NOT_PURSUED, note=f"{label} withdrawn.")
        return appeal
    following = clocks.next_level(_regime(case), appeal.level)
    if following is None:
        final = CaseStatus.UPHELD if outcome == AppealOutcome.UPHELD else CaseStatus.PARTIALLY_OVERTURNED
        _close(case, final, note=f"{AppealOutcome(outcome).label} on {label.lower()}.")
        return appeal
    Appeal.objects.create(
        organization_id=case.organization_id,
        case=case,
        level=following,
        expedited=appeal.expedited,
        filing_due_at=clocks.appeal_filing_due_at(case, _rule(case), level=following, previous_decided_at=decided_at),
    )
    return appeal


# --- Closing ----------------------------------------------------------------------------------------------


def _close(case: DenialCase, status: str, *, note: str) -> None:
    case.status, case.closed_at = status, timezone.now()
    case.outcome_note = note
    case.save(update_fields=["status", "closed_at", "outcome_note"])
    # The level nobody will file is no clock any more (its row stays in the history).
    Appeal.objects.filter(case=case, filed_at__isnull=True).delete()
    _notify_staff(
        case,
        title=f"Note the outcome of {case.episode.client.display_name}'s denial case: "
        f"{CaseStatus(status).label.lower()}",
        key=f"denial_case:{case.pk}:{status}",
    )


CLOSABLE = (CaseStatus.OVERTURNED, CaseStatus.PARTIALLY_OVERTURNED, CaseStatus.UPHELD, CaseStatus.NOT_PURSUED)


@transaction.atomic
def case_close(*, case: DenialCase, status: str, note: str = "", actor: User | None) -> DenialCase:
    """Close by hand: overturned or partly overturned (the payer reversed outside the ladder),
    not pursued, or upheld once no level is left. Not while an appeal awaits its decision."""
    case = _locked(case)
    _require_open(case)
    if status not in CLOSABLE:
        refuse("Choose how the case ends.", code=AuthorizationsErrorCode.CASE_CLOSE_INVALID, field="status")
    if pending_appeal(case) is not None:
        refuse(
            "An appeal is awaiting its decision: record it first.",
            code=AuthorizationsErrorCode.APPEAL_PENDING,
            field="status",
        )
    if status == CaseStatus.UPHELD:
        decided = decided_appeals(case)
        if not decided or clocks.next_level(_regime(case), decided[-1].level) is not None:
            refuse(
                "A denial is upheld (final) only after the last level; close it as not pursued instead.",
                code=AuthorizationsErrorCode.CASE_CLOSE_INVALID,
                field="status",
            )
    _close(case, status, note=(note or "").strip() or CaseStatus(status).label)
    return case
