"""An episode's attendance timeline for the client page: absences, absence alerts and hours
flags together (it reads all three areas)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from iop.clients.models import Episode
from iop.common.dates import date_short

from .models import (
    ABSENT_STATUSES,
    AbsenceAlert,
    AttendanceRecord,
    ThresholdFlag,
)


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str  # "absence", "alert", "flag"
    title: str
    detail: str = ""


def episode_timeline(*, episode: Episode, limit: int = 30) -> list[TimelineItem]:
    """Absences with their reasons, absence alerts (and what was done), hours flags: newest first.
    Three queries."""
    absences = (
        AttendanceRecord.objects.filter(episode=episode, status__in=list(ABSENT_STATUSES))
        .select_related("session__group")
        .order_by("-session__starts_at")[:limit]
    )
    items = [
        TimelineItem(
            at=r.session.starts_at,
            kind="absence",
            title=f"{r.get_status_display()}: {r.session.group.name}",
            detail="; ".join(x for x in (r.get_absence_reason_display() or "No reason given", r.note) if x),
        )
        for r in absences
    ]
    for alert in AbsenceAlert.objects.filter(episode=episode).select_related("acknowledged_by")[:limit]:
        done = ""
        if alert.acknowledged_at:
            done = f"Acknowledged by {alert.acknowledged_by.get_full_name() if alert.acknowledged_by else 'staff'}: "
            done += alert.get_action_taken_display() + (f" — {alert.action_note}" if alert.action_note else "")
        items.append(TimelineItem(at=alert.raised_at, kind="alert", title=f"Alert: {alert.summary}", detail=done))
    for flag in ThresholdFlag.objects.filter(episode=episode)[:limit]:
        items.append(
            TimelineItem(
                at=flag.raised_at,
                kind="flag",
                title=f"Hours {flag.get_state_display().lower()}, week of {date_short(flag.week_start)}",
                detail=flag.resolution,
            )
        )
    return sorted(items, key=lambda i: i.at, reverse=True)[:limit]
