"""Absence patterns: raising alerts for the clinical team when an episode meets a pattern, and
the team acknowledging them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.exceptions import refuse
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.selectors import members_with_roles

from ..errors import AttendanceErrorCode
from ..inbox import ABSENCE_ALERT
from ..models import (
    ABSENT_STATUSES,
    UNEXCUSED_STATUSES,
    AbsenceAlert,
    AbsenceRuleKind,
    AlertAction,
    AttendanceRecord,
)
from ..rows import rows_insert_new
from . import selectors
from .rules import absence_days, pattern_hits

if TYPE_CHECKING:
    from iop.accounts.models import User

# Absences older than this never complete a pattern (the longest window an admin may set).
PATTERN_LOOKBACK = dt.timedelta(days=90)


def absence_patterns_evaluate(
    *, organization: Organization, episodes: list[Episode], now: dt.datetime | None = None
) -> list[AbsenceAlert]:
    """Raise an alert (and tell the clinical team) for each absence pattern an episode newly
    meets (attendance/patterns/rules.py: by program day, each alert about days no earlier alert of its
    kind covered). An episode with an open alert of a kind gets no second one of that kind until
    it is acknowledged (except "no reason", which is per day)."""
    now = now or timezone.now()
    rules = selectors.absence_rules(organization=organization)
    if not episodes or not rules:
        return []
    today = organization.local_today(now)
    # Only the absences and the days around them are read (`absence_days`), not every record.
    records = AttendanceRecord.objects.filter(
        organization=organization,
        episode__in=[e.pk for e in episodes],
        session__starts_at__gte=now - PATTERN_LOOKBACK,
        session__starts_at__lte=now,
    )
    kept = records.exclude(status__in=UNEXCUSED_STATUSES)
    by_episode = defaultdict(list)
    for record in (
        records.filter(status__in=ABSENT_STATUSES)
        .annotate(
            day_kept=Exists(
                kept.filter(episode_id=OuterRef("episode_id"), session__local_date=OuterRef("session__local_date"))
            )
        )
        .select_related("session")
        .order_by("session__starts_at")
    ):
        by_episode[record.episode_id].append(record)
    last_kept = dict(
        kept.filter(episode__in=list(by_episode))
        .values("episode_id")
        .annotate(day=Max("session__local_date"))
        .values_list("episode_id", "day")
    )
    open_kinds: set[tuple[uuid.UUID, str]] = set()
    alerted_until: defaultdict[uuid.UUID, dict[str, dt.date]] = defaultdict(dict)
    earlier = (
        AbsenceAlert.objects.filter(episode__in=list(by_episode))
        .values("episode_id", "kind")
        .annotate(last_day=Max("record__session__local_date"), open=Count("pk", filter=Q(acknowledged_at__isnull=True)))
    )
    for row in earlier:
        alerted_until[row["episode_id"]][row["kind"]] = row["last_day"]
        if row["open"]:
            open_kinds.add((row["episode_id"], row["kind"]))
    episodes_by_id = {e.pk: e for e in episodes}
    candidates = []
    for episode_id, absences in by_episode.items():
        days = absence_days(
            absences,
            kept_days={r.session.local_date for r in absences if r.day_kept},
            last_kept=last_kept.get(episode_id),
        )
        for hit in pattern_hits(days, rules, today=today, now=now, alerted_until=alerted_until[episode_id]):
            # An open alert of the kind is enough for the team; "no reason" is about each day.
            if hit.rule.kind != AbsenceRuleKind.NO_REASON and (episode_id, hit.rule.kind) in open_kinds:
                continue
            candidates.append(
                AbsenceAlert(
                    id=uuid.uuid4(),
                    organization=organization,
                    episode=episodes_by_id[episode_id],
                    kind=hit.rule.kind,
                    record=hit.record,
                    summary=hit.summary[:300],
                    raised_at=now,
                )
            )
    if not candidates:
        return []
    raised = rows_insert_new(AbsenceAlert, candidates)
    team = _clinical_team(organization, {a.episode for a in raised})
    alerts = reverse("attendance:alerts", kwargs={"org_slug": organization.slug})
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind=ABSENCE_ALERT,
                title=_alert_title(alert),
                body=alert.summary,
                link=f"{alerts}#alert-{alert.pk}",
                dedupe_key=f"alert:{alert.pk}",
                client_id=alert.episode.client_id,
                subject_ids=[alert.pk],
            )
            for alert in raised
            for member in team[alert.episode_id]
        ],
    )
    return raised


def _alert_title(alert: AbsenceAlert) -> str:
    """What the clinical team is asked to do, naming the client (an inbox line, attendance.inbox)."""
    name = alert.episode.client.display_name
    if alert.kind == AbsenceRuleKind.NO_REASON:
        return f"Record the reason for {name}'s absence"
    return f"Follow up with {name}: {AbsenceRuleKind(alert.kind).label.lower()}"


def _clinical_team(organization: Organization, episodes: Iterable[Episode]) -> dict[uuid.UUID, list[Membership]]:
    """The episode's primary clinician; every clinician when none is assigned."""
    clinicians: list[Membership] | None = None
    team: dict[uuid.UUID, list[Membership]] = {}
    for episode in episodes:
        if episode.primary_clinician is not None:
            team[episode.pk] = [episode.primary_clinician]
        else:
            if clinicians is None:
                clinicians = list(members_with_roles(organization=organization, roles=[Role.CLINICIAN]))
            team[episode.pk] = clinicians
    return team


@transaction.atomic
def alert_acknowledge(
    *, alert: AbsenceAlert, actor: User, action_taken: str, note: str = "", now: dt.datetime | None = None
) -> AbsenceAlert:
    if action_taken not in AlertAction.values:
        refuse("Choose the action taken.", code=AttendanceErrorCode.ACTION_REQUIRED, field="action_taken")
    if action_taken == AlertAction.OTHER and not note.strip():
        refuse("Describe the action taken.", code=AttendanceErrorCode.ACTION_NOTE_REQUIRED, field="note")
    alert = AbsenceAlert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        refuse("This alert was already acknowledged.", code=AttendanceErrorCode.ALERT_ALREADY_ACKNOWLEDGED)
    alert.acknowledged_at, alert.acknowledged_by = now or timezone.now(), actor
    alert.action_taken, alert.action_note = action_taken, note.strip()[:500]
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken", "action_note"])
    return alert


def episode_alerts_close(*, episode: Episode, actor: User | None, note: str, now: dt.datetime | None = None) -> int:
    """The episode's care here ended (discharge or step-down): its open absence alerts are closed
    with why (action "other", the note) and leave the Absence alerts list. Returns how many."""
    return AbsenceAlert.objects.filter(
        organization_id=episode.organization_id, episode_id=episode.pk, acknowledged_at__isnull=True
    ).update(
        acknowledged_at=now or timezone.now(),
        acknowledged_by=actor,
        action_taken=AlertAction.OTHER,
        action_note=note[:500],
    )
