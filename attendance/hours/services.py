"""Weekly hours: the pace evaluation of each episode's week, its hours flags (and who hears of
them), and staff resolving a flag."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.dates import date_short
from iop.common.exceptions import refuse
from iop.common.units import hours
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Organization
from iop.tenancy.selectors import vas_and_admins

from ..errors import AttendanceErrorCode
from ..inbox import hours_kind
from ..models import (
    PaceState,
    ThresholdFlag,
)
from ..rows import rows_insert_new
from . import selectors

if TYPE_CHECKING:
    from iop.accounts.models import User

# What to do, for the client's followers' inboxes (attendance.inbox: the line leaves the unread
# list once the flag closes).
_STATE_TITLES = {
    PaceState.AT_RISK: "Make sure {name} attends every remaining session this week",
    PaceState.CANNOT_REACH: "Add sessions for {name}: this week's required hours cannot be reached",
    PaceState.BELOW_MINIMUM: "Say what was done about {name}'s week below the required hours",
}


def _followers(organization: Organization, episodes: Iterable[Episode]) -> dict:
    """Who hears about an episode: the VAs (and org admins), and its primary clinician."""
    vas = list(vas_and_admins(organization=organization))
    return {e.pk: [*vas, *([e.primary_clinician] if e.primary_clinician_id else [])] for e in episodes}


def pace_evaluate(
    *, organization: Organization, episodes: list[Episode], weeks: Sequence[dt.date], now: dt.datetime | None = None
) -> list[ThresholdFlag]:
    """Evaluate each active episode's pace for each week; raise a flag on the first entry into a
    flagged state (and tell the VAs and the clinician), close flags the week has moved away from.
    Returns the flags raised now. Re-running changes nothing."""
    now = now or timezone.now()
    if not episodes or not weeks:
        return []
    summaries = selectors.week_totals(
        organization=organization, episodes=episodes, first_week=min(weeks), last_week=max(weeks), now=now
    )
    evaluated = {key: s for key, s in summaries.items() if s.evaluable and key[1] in weeks}
    existing: defaultdict[tuple[uuid.UUID, dt.date], dict[str, ThresholdFlag]] = defaultdict(dict)
    for flag in ThresholdFlag.objects.filter(
        organization=organization, episode__in=[e.pk for e in episodes], week_start__in=list(weeks)
    ):
        existing[(flag.episode_id, flag.week_start)][flag.state] = flag

    candidates, superseded, reopened = [], [], []
    for key, summary in evaluated.items():
        state = summary.state
        for flag in existing[key].values():
            # Flags follow the pace. A closed week's shortfall stays until staff resolve it, unless
            # late entries show the week was met after all.
            closes = flag.state != PaceState.BELOW_MINIMUM or state == PaceState.ON_TRACK
            if flag.state != state and flag.is_open and closes:
                flag.resolved_at = now
                if flag.state == PaceState.BELOW_MINIMUM:
                    flag.resolution = "Met after late entries."
                elif state == PaceState.ON_TRACK:
                    flag.resolution = "Back on track."
                else:
                    flag.resolution = f"Now {PaceState(state).label.lower()}."
                superseded.append(flag)
            elif flag.state == state and not flag.is_open and flag.resolved_by_id is None:
                flag.resolved_at, flag.resolution = None, ""
                reopened.append(flag)
        if state != PaceState.ON_TRACK and state not in existing[key]:
            candidates.append(
                ThresholdFlag(
                    id=uuid.uuid4(),
                    organization=organization,
                    episode=summary.episode,
                    week_start=summary.week_start,
                    state=state,
                    required_minutes=summary.requirement.minutes_per_week,
                    required_days=summary.requirement.days_per_week,
                    attended_minutes=summary.attended_minutes,
                    remaining_minutes=summary.remaining_minutes,
                    days_attended=len(summary.attended_days),
                    requirement_source=summary.requirement.source,
                    raised_at=now,
                )
            )
    for key, summary in summaries.items():
        # The admission week and earlier are not judged: a flag raised on one before (under an
        # earlier rule, or before the admission date was corrected) does not stay open.
        if key[1] in weeks and summary.outside_care:
            for flag in existing[key].values():
                if flag.is_open:
                    flag.resolved_at, flag.resolution = now, "Not judged: the admission week or earlier."
                    superseded.append(flag)
    if superseded or reopened:
        ThresholdFlag.objects.bulk_update([*superseded, *reopened], ["resolved_at", "resolution"])
    if not candidates:
        return []
    raised = rows_insert_new(ThresholdFlag, candidates)
    followers = _followers(organization, {f.episode for f in raised})
    at_risk = reverse("attendance:at_risk", kwargs={"org_slug": organization.slug})
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind=hours_kind(flag.state),
                title=_STATE_TITLES[flag.state].format(name=flag.episode.client.display_name),
                body=f"Week of {date_short(flag.week_start)}: {hours(flag.attended_minutes)} h attended"
                f" of {hours(flag.required_minutes)} h required.",
                link=f"{at_risk}#flag-{flag.pk}",
                dedupe_key=f"flag:{flag.pk}",
                client_id=flag.episode.client_id,
                subject_ids=[flag.pk],
            )
            for flag in raised
            for member in followers[flag.episode_id]
        ],
    )
    return raised


@transaction.atomic
def flag_resolve(*, flag: ThresholdFlag, actor: User, resolution: str, now: dt.datetime | None = None) -> ThresholdFlag:
    """Staff close a flag with what was done (e.g. sessions added, reason given to the payer)."""
    resolution = resolution.strip()
    if not resolution:
        refuse("Say what was done about it.", code=AttendanceErrorCode.RESOLUTION_REQUIRED, field="resolution")
    flag = ThresholdFlag.objects.select_for_update().get(pk=flag.pk)
    if not flag.is_open:
        refuse("This flag is already resolved.", code=AttendanceErrorCode.FLAG_ALREADY_RESOLVED)
    flag.resolved_at, flag.resolved_by, flag.resolution = now or timezone.now(), actor, resolution[:300]
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return flag


def episode_flags_close(
    *, episode: Episode, actor: User | None, resolution: str, now: dt.datetime | None = None
) -> int:
    """The episode's care here ended (discharge or step-down): its open hours flags are closed with
    why — nothing is left to fix, and they leave the Hours at risk list. Returns how many."""
    return ThresholdFlag.objects.filter(
        organization_id=episode.organization_id, episode_id=episode.pk, resolved_at__isnull=True
    ).update(resolved_at=now or timezone.now(), resolved_by=actor, resolution=resolution[:300])
