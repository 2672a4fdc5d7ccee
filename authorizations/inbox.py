"""What authorizations puts in staff inboxes, and when each line's subject counts as fixed
(iop.notifications.hooks; registered from `wiring.py`). Every line names the client (the in-app
inbox only: emails, SMS and calendar invites keep to what they said before).

- `chase_<kind>` (subject: the chase task): renew, ask for units, chase a decision, send what was
  asked. Fixed once the task is done, or its authorization is renewed (a later request open or
  approved, as the chase judges it) or no longer active.
- `clock_escalation` (subject: the escalation): a deadline a day, four hours or no time away. Fixed
  once its clock closes (the review submitted, the appeal filed, the summary signed) or moves.
- `review_packet` (subject: the review, when items are missing): fixed once the packet is complete
  or the review no longer waits for submission. "Ready" lines are news.
- `review_call_reminder` (subject: the call): fixed once the call starts or is cancelled or moved.
- `denial_case` (subject: the case, for "work the denial"): fixed once the case is closed; the
  closing line itself is news.
- `authorization_approved`, `message_unknown`, `review_step_down`: news or a check nothing in the
  app records; read and done with.
"""

from __future__ import annotations

import datetime as dt
import uuid

from authorizations.models import (
    CallStatus,
    CaseStatus,
    ChaseKind,
    DenialCase,
    ReviewCall,
    ReviewPacket,
    ReviewStatus,
)
from iop.notifications.hooks import NoticeKind, notice_kind_register
from iop.tenancy.models import Organization

_CHASE_HEADINGS = {
    ChaseKind.ENDS_IN_14: "Authorizations ending within 14 days",
    ChaseKind.ENDS_IN_7: "Authorizations ending within 7 days",
    ChaseKind.ENDS_IN_3: "Authorizations ending within 3 days",
    ChaseKind.UNITS_BEFORE_REVIEW: "Units running out before the review",
    ChaseKind.DECISION_OVERDUE: "Payer decisions overdue",
    ChaseKind.INFORMATION_DUE: "Information due to payers",
}


def packets_still_missing(
    *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    return set(
        ReviewPacket.objects.filter(
            organization=organization, review_id__in=subject_ids, review__status=ReviewStatus.UPCOMING
        )
        .exclude(missing=[])
        .values_list("review_id", flat=True)
    )


def calls_still_ahead(*, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime) -> set[uuid.UUID]:
    return set(
        ReviewCall.objects.filter(
            organization=organization, pk__in=subject_ids, status=CallStatus.SCHEDULED, starts_at__gt=now
        ).values_list("pk", flat=True)
    )


def cases_still_open(*, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime) -> set[uuid.UUID]:
    return set(
        DenialCase.objects.filter(organization=organization, pk__in=subject_ids, status=CaseStatus.OPEN).values_list(
            "pk", flat=True
        )
    )


def notice_kinds() -> tuple[NoticeKind, ...]:
    from authorizations.appeals.services import DENIAL_CASE
    from authorizations.escalations import CLOCK_ESCALATION, clock_escalations_still_open
    from authorizations.reviews.calls.services import REMINDER_KIND
    from authorizations.reviews.packets.services import REVIEW_PACKET
    from authorizations.units.services import chase_kind, chase_tasks_still_open

    return (
        *(NoticeKind(chase_kind(kind), heading, chase_tasks_still_open) for kind, heading in _CHASE_HEADINGS.items()),
        NoticeKind(CLOCK_ESCALATION, "Deadlines", clock_escalations_still_open),
        NoticeKind(REVIEW_PACKET, "Review packets", packets_still_missing),
        NoticeKind(REMINDER_KIND, "Review calls", calls_still_ahead),
        NoticeKind(DENIAL_CASE, "Denials", cases_still_open),
        NoticeKind("authorization_approved", "Authorizations approved"),
        NoticeKind("message_unknown", "Messages that may not have arrived"),
        NoticeKind("review_step_down", "Step-downs recommended at review"),
    )


def register_notice_kinds() -> None:
    for kind in notice_kinds():
        notice_kind_register(kind)
