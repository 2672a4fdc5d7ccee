"""Deadline clocks and their escalation, shared by reviews (submission due), denial cases
(peer-to-peer window) and appeals (filing and decision due).

A feature declares where its clocks come from with `authorizations.hooks.clock_source_register`:
a function that returns the organization's open clocks (`Clock`: what is due, when, who answers
for it). The hourly job (`clocks_escalate`) asks every source and tells the responsible people as
each clock crosses a threshold — a day before, four hours before, and when it has passed — exactly once per clock,
deadline and threshold: a `ClockEscalation` row is inserted first (unique), and only the rows this
run inserted are told. A moved deadline is a new clock and escalates again.

Only the tightest threshold crossed is raised: a job that first sees a clock three hours out says
"4 hours" once, not "24 hours" and "4 hours" together.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from authorizations.hooks import Clock, ClockSource, clock_source_register, clock_sources
from authorizations.models import ClockEscalation
from iop.common.dates import datetime_short
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Organization

__all__ = [
    "Clock",
    "ClockSource",
    "clock_escalations_still_open",
    "clock_source_register",
    "clock_sources",
    "clocks_escalate",
    "threshold_crossed",
]

# The inbox kind of an escalation's lines (authorizations.inbox).
CLOCK_ESCALATION = "clock_escalation"

# Hours before a deadline at which its people are told; 0 is "the deadline has passed".
ESCALATION_THRESHOLDS_HOURS: tuple[int, ...] = (24, 4, 0)


def threshold_crossed(due_at: dt.datetime, now: dt.datetime) -> int | None:
    """The tightest threshold `now` is within (None when the deadline is further than the first)."""
    left = due_at - now
    crossed = [hours for hours in ESCALATION_THRESHOLDS_HOURS if left <= dt.timedelta(hours=hours)]
    return min(crossed) if crossed else None


def _message(clock: Clock, threshold: int, organization: Organization) -> str:
    when = timezone.localtime(clock.due_at, organization.tzinfo)
    if threshold == 0:
        return f"Past due since {datetime_short(when)}."
    return f"Due {datetime_short(when)} — within {threshold} hours."


@transaction.atomic
def clocks_escalate(
    *, organization: Organization, now: dt.datetime | None = None, sources: Sequence[ClockSource] | None = None
) -> list[ClockEscalation]:
    """Escalate every clock of every source that crossed a threshold it has not been escalated
    for. Returns the escalations this run made (none on a repeat)."""
    now = now or timezone.now()
    due: list[tuple[Clock, int]] = []
    for source in sources if sources is not None else clock_sources():
        for clock in source(organization=organization, now=now):
            threshold = threshold_crossed(clock.due_at, now)
            if threshold is not None:
                due.append((clock, threshold))
    if not due:
        return []
    rows = [
        ClockEscalation(
            id=uuid.uuid4(),
            organization=organization,
            kind=clock.kind,
            subject_id=clock.subject_id,
            due_at=clock.due_at,
            threshold_hours=threshold,
            escalated_at=now,
        )
        for clock, threshold in due
    ]
    ClockEscalation.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves the ids we chose on rows that lost to an earlier run: only the ids
    # now in the table are this run's.
    inserted = set(
        ClockEscalation.objects.filter(organization=organization, pk__in=[r.pk for r in rows]).values_list(
            "pk", flat=True
        )
    )
    made = [(row, clock, threshold) for row, (clock, threshold) in zip(rows, due, strict=True) if row.pk in inserted]
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind=CLOCK_ESCALATION,
                title=clock.title,
                body=_message(clock, threshold, organization),
                link=clock.link,
                dedupe_key=f"clock:{row.pk}",
                client_id=clock.client_id,
                subject_ids=[row.pk],
            )
            for row, clock, threshold in made
            for member in clock.recipients
        ],
    )
    return [row for row, _, _ in made]


def clock_escalations_still_open(
    *,
    organization: Organization,
    subject_ids: set[uuid.UUID],
    now: dt.datetime,
    sources: Sequence[ClockSource] | None = None,
) -> set[uuid.UUID]:
    """The inbox's check (authorizations.inbox): of these escalations, the ones whose clock is still
    open — some source still returns it with the same deadline. A clock that closed (the review
    submitted, the appeal filed, the summary signed) or moved (a new deadline escalates anew) is
    done with. One query, then each source once."""
    escalations = list(
        ClockEscalation.objects.filter(organization=organization, pk__in=subject_ids).values_list(
            "pk", "kind", "subject_id", "due_at"
        )
    )
    if not escalations:
        return set()
    open_clocks = {
        (clock.kind, clock.subject_id, clock.due_at)
        for source in (sources if sources is not None else clock_sources())
        for clock in source(organization=organization, now=now)
    }
    return {pk for pk, kind, subject_id, due_at in escalations if (kind, subject_id, due_at) in open_clocks}
