"""What attendance puts in staff inboxes, and when each line's subject counts as fixed
(iop.notifications.hooks; registered from `wiring.py`).

- `attendance_missing` (subjects: the sessions): "Take roll call for …", naming whose attendance is
  missing. Fixed once every seated client of each session has a record (or the session is cancelled,
  or has left the missing-attendance list's look-back).
- `absence_alert` (subject: the alert): "Follow up on Ana Varga's absences …". Fixed once the
  alert is acknowledged (an action recorded, a reason documented, the episode ended).
- `hours_at_risk`, `hours_cannot_reach`, `hours_below_minimum` (subject: the flag): what to do
  about the client's week. Fixed once the flag closes (the week recovered, or staff resolved it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from iop.notifications.hooks import NoticeKind, notice_kind_register
from iop.tenancy.models import Organization
from scheduling.models import RosterEntry, RosterStatus

from .models import AbsenceAlert, PaceState, ThresholdFlag

ATTENDANCE_MISSING = "attendance_missing"
ABSENCE_ALERT = "absence_alert"


def hours_kind(state: str) -> str:
    return f"hours_{state}"


def missing_names(*, session_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """`{session_id: [client name, …]}` of the seated clients with no attendance yet: one query."""
    names: defaultdict[uuid.UUID, list[str]] = defaultdict(list)
    entries = (
        RosterEntry.objects.filter(
            session_id__in=list(session_ids), status=RosterStatus.BOOKED, attendance__isnull=True
        )
        .select_related("episode__client")
        .order_by("episode__client__last_name", "episode__client__first_name", "pk")
    )
    for entry in entries:
        names[entry.session_id].append(entry.episode.client.display_name)
    return names


def sessions_still_missing(
    *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    from .roll_call.selectors import sessions_missing_attendance

    missing = sessions_missing_attendance(organization=organization, now=now).filter(pk__in=subject_ids)
    return set(missing.prefetch_related(None).values_list("pk", flat=True))


def alerts_still_open(*, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime) -> set[uuid.UUID]:
    return set(
        AbsenceAlert.objects.filter(
            organization=organization, pk__in=subject_ids, acknowledged_at__isnull=True
        ).values_list("pk", flat=True)
    )


def flags_still_open(*, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime) -> set[uuid.UUID]:
    return set(
        ThresholdFlag.objects.filter(
            organization=organization, pk__in=subject_ids, resolved_at__isnull=True
        ).values_list("pk", flat=True)
    )


NOTICE_KINDS = (
    NoticeKind(ATTENDANCE_MISSING, "Roll calls to take", sessions_still_missing),
    NoticeKind(ABSENCE_ALERT, "Absences to follow up", alerts_still_open),
    NoticeKind(hours_kind(PaceState.AT_RISK), "Hours at risk this week", flags_still_open),
    NoticeKind(hours_kind(PaceState.CANNOT_REACH), "Hours out of reach: add sessions", flags_still_open),
    NoticeKind(hours_kind(PaceState.BELOW_MINIMUM), "Weeks closed below the required hours", flags_still_open),
)


def register_notice_kinds() -> None:
    for kind in NOTICE_KINDS:
        notice_kind_register(kind)
