"""What scheduling puts in staff inboxes, and when each line's subject counts as fixed
(iop.notifications.hooks; registered from `wiring.py`).

- `session_uncovered` (subject: the session): "Assign a facilitator to …", naming who is booked.
  Fixed once the session has a lead facilitator, is cancelled or has started.
- `waitlist_promoted` (subjects: the promoted roster entries): "Tell Ana Varga their waitlist seat
  came up …". Done with once none of them is still seated in a session ahead (taken off again, the
  session cancelled or started): until then the VA may still need to tell them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from iop.notifications.hooks import NoticeKind, names_text, notice_kind_register
from iop.tenancy.models import Organization

from .models import FacilitatorRole, RosterEntry, RosterStatus, Session, SessionFacilitator, SessionStatus

SESSION_UNCOVERED = "session_uncovered"
WAITLIST_PROMOTED = "waitlist_promoted"


def booked_names(*, session_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """`{session_id: [client name, …]}` of the clients seated in each session, by name: one query."""
    names: defaultdict[uuid.UUID, list[str]] = defaultdict(list)
    entries = (
        RosterEntry.objects.filter(session_id__in=list(session_ids), status=RosterStatus.BOOKED)
        .select_related("episode__client")
        .order_by("episode__client__last_name", "episode__client__first_name", "pk")
    )
    for entry in entries:
        names[entry.session_id].append(entry.episode.client.display_name)
    return names


def booked_text(names: list[str]) -> str:
    return f"Booked: {names_text(names)}." if names else "No clients booked yet."


def promoted_title(names: list[str], label: str) -> str:
    return f"Tell {names_text(names, shown=2)} their waitlist seat came up: {label}"


def sessions_still_uncovered(
    *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    lead = SessionFacilitator.objects.filter(session=OuterRef("pk"), role=FacilitatorRole.LEAD)
    return set(
        Session.objects.filter(
            organization=organization, pk__in=subject_ids, status=SessionStatus.SCHEDULED, starts_at__gt=now
        )
        .exclude(Exists(lead))
        .values_list("pk", flat=True)
    )


def promotions_still_seated(
    *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    return set(
        RosterEntry.objects.filter(
            organization=organization,
            pk__in=subject_ids,
            status=RosterStatus.BOOKED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=now,
        ).values_list("pk", flat=True)
    )


NOTICE_KINDS = (
    NoticeKind(SESSION_UNCOVERED, "Sessions without a facilitator", sessions_still_uncovered),
    NoticeKind(WAITLIST_PROMOTED, "Seated from the waitlist", promotions_still_seated),
)


def register_notice_kinds() -> None:
    for kind in NOTICE_KINDS:
        notice_kind_register(kind)
