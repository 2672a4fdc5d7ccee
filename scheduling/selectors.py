"""Reads for scheduling. Each selector owns its joins and annotations so a page costs a constant
number of queries however many sessions, seats and facilitators it shows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, Extract, Floor
from django.utils import timezone

from iop.clients.models import Episode, EpisodeStatus
from iop.common.units import hours
from iop.common.weeks import week_start_for
from iop.tenancy.models import Organization, StaffProfile

from .models import (
    FacilitatorAbsence,
    FacilitatorRole,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    RosterStatus,
    SchedulingSettings,
    Session,
    SessionFacilitator,
    SessionStatus,
    WeeklySlot,
)


def scheduling_settings(organization: Organization) -> SchedulingSettings:
    """The organization's settings, or the defaults (unsaved) until an admin saves them."""
    return SchedulingSettings.objects.filter(organization=organization).first() or SchedulingSettings(
        organization=organization
    )


def has_lead() -> Exists:
    """Whether the session has a lead facilitator, as SQL (without one it is uncovered)."""
    return Exists(SessionFacilitator.objects.filter(session=OuterRef("pk"), role=FacilitatorRole.LEAD))


def seats_count(status: str = RosterStatus.BOOKED) -> Coalesce:
    """The session's seats in `status`, as a subquery (no GROUP BY in the row's own query): one
    index range of the session's seats (organization, session, status) a row, where a join of
    every seat grouped back per session grows with the rosters."""
    seats = (
        RosterEntry.objects.filter(session=OuterRef("pk"), status=status)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(seats, output_field=IntegerField()), 0)


def facilitators_prefetch() -> Prefetch:
    """A session's facilitator bookings with their names, lead first, as `facilitator_bookings`."""
    return Prefetch(
        "facilitators",
        queryset=SessionFacilitator.objects.select_related("staff_profile__membership__user").order_by("role"),
        to_attr="facilitator_bookings",
    )


def session_list(
    *,
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    program_id=None,
    group_id=None,
    facilitator_id=None,
    include_cancelled: bool = True,
) -> QuerySet[Session]:
    """Sessions starting in [start, end), with `booked_count`, `waitlist_count`, `has_lead` and
    their facilitator bookings (`facilitator_bookings`)."""
    qs = Session.objects.filter(organization=organization, starts_at__gte=start, starts_at__lt=end)
    if program_id:
        qs = qs.filter(group__program_id=program_id)
    if group_id:
        qs = qs.filter(group_id=group_id)
    if facilitator_id:
        qs = qs.filter(facilitators__staff_profile_id=facilitator_id)
    if not include_cancelled:
        qs = qs.filter(status=SessionStatus.SCHEDULED)
    return (
        qs.select_related("group__group_type", "group__program")
        .annotate(
            booked_count=seats_count(),
            waitlist_count=seats_count(RosterStatus.WAITLISTED),
            has_lead=has_lead(),
        )
        .prefetch_related(facilitators_prefetch())
        .order_by("starts_at", "group__name")
    )


def week_sessions(
    *, organization: Organization, week_start: dt.date, program_id=None, facilitator_id=None
) -> QuerySet[Session]:
    start = organization.local_datetime(week_start, dt.time(0))
    end = organization.local_datetime(week_start + dt.timedelta(days=7), dt.time(0))
    return session_list(
        organization=organization, start=start, end=end, program_id=program_id, facilitator_id=facilitator_id
    )


def programs_with_sessions_left(*, organization: Organization, now: dt.datetime | None = None) -> set:
    """The programs with a session still to start this (organization) week: where adding a client
    to sessions can still help this week's hours. Empty on a Saturday evening when groups meet
    Monday to Friday. One query."""
    now = now or timezone.now()
    week_end = week_start_for(organization, organization.local_today(now)) + dt.timedelta(days=7)
    return set(
        Session.objects.filter(
            organization=organization,
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lt=organization.local_datetime(week_end, dt.time(0)),
        )
        .values_list("group__program_id", flat=True)
        .distinct()
    )


def session_get(*, organization: Organization, session_id) -> Session | None:
    """A session with its roster (seated first, then the waitlist in order) and facilitators."""
    roster = Prefetch(
        "roster_entries",
        queryset=RosterEntry.objects.filter(status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED])
        .select_related("episode__client", "episode__program")
        .order_by("status", "added_at"),
        to_attr="live_roster",
    )
    return (
        Session.objects.filter(organization=organization, pk=session_id)
        .select_related("group__group_type", "group__program", "slot")
        .prefetch_related(roster, facilitators_prefetch())
        .first()
    )


def roster_by_name(entries: Iterable[RosterEntry]) -> list[RosterEntry]:
    """Roster entries by their client's name as the pages write it ("Varga, Ana": last name, then
    the first name shown), so a facilitator finds a client where they expect to."""
    return sorted(
        entries,
        key=lambda e: (
            e.episode.client.last_name.casefold(),
            (e.episode.client.preferred_name or e.episode.client.first_name).casefold(),
            str(e.pk),
        ),
    )


def removed_roster_entry(*, session: Session, entry_id) -> RosterEntry | None:
    """A client taken off this session or its waitlist (for "Undo"), with their client."""
    return (
        RosterEntry.objects.filter(session=session, pk=entry_id, status=RosterStatus.REMOVED)
        .select_related("episode__client", "session__organization")
        .first()
    )


def uncovered_sessions(*, organization: Organization, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    sessions = session_list(organization=organization, start=start, end=end, include_cancelled=False)
    # `has_lead` is session_list's annotation, which the QuerySet[Session] return type does not carry.
    return sessions.filter(has_lead=False)  # type: ignore[misc]


def facilitator_list(*, organization: Organization) -> QuerySet[StaffProfile]:
    return (
        StaffProfile.objects.filter(organization=organization, can_facilitate=True, membership__is_active=True)
        .select_related("membership__user")
        .prefetch_related("qualified_group_types")
        .order_by("membership__user__full_name")
    )


def coverage_suggestions(*, session: Session) -> list[StaffProfile]:
    """Facilitators qualified for the session's group type, not absent that day and not booked
    into an overlapping session — the people a VA can assign in one click."""
    busy = SessionFacilitator.objects.filter(
        staff_profile=OuterRef("pk"), during__overlap=(session.starts_at, session.ends_at)
    )
    absent = FacilitatorAbsence.objects.filter(
        staff_profile=OuterRef("pk"), start_date__lte=session.local_date, end_date__gte=session.local_date
    )
    return list(
        StaffProfile.objects.filter(
            organization_id=session.organization_id,
            can_facilitate=True,
            membership__is_active=True,
            qualifications__group_type_id=session.group.group_type_id,
        )
        .exclude(Exists(busy))
        .exclude(Exists(absent))
        .select_related("membership__user")
        .order_by("membership__user__full_name")
    )


def absence_list(*, organization: Organization, since: dt.date | None = None) -> QuerySet[FacilitatorAbsence]:
    """Facilitator absences, those still running or ahead from `since` when given."""
    qs = FacilitatorAbsence.objects.filter(organization=organization).select_related(
        "staff_profile__membership__user", "created_by"
    )
    if since is not None:
        qs = qs.filter(end_date__gte=since)
    return qs.order_by("start_date", "pk")


def group_list(*, organization: Organization, active_only: bool = True) -> QuerySet[Group]:
    qs = (
        Group.objects.filter(organization=organization)
        .select_related(
            "group_type", "program", "lead_facilitator__membership__user", "co_facilitator__membership__user"
        )
        .prefetch_related("slots")
    )
    return qs.filter(is_active=True) if active_only else qs


def group_type_list(*, organization: Organization) -> QuerySet[GroupType]:
    return GroupType.objects.filter(organization=organization, is_active=True)


def placement_list(*, organization: Organization, episode_id=None, active_only: bool = False) -> QuerySet[Placement]:
    qs = Placement.objects.filter(organization=organization).select_related("group__group_type", "episode")
    if episode_id:
        qs = qs.filter(episode_id=episode_id)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


@dataclass(frozen=True)
class WaitlistPlace:
    """A group in which the client waits for a seat: the next session they wait for, their place
    in its queue (1 = seated first when a seat frees), and how many of the group's coming sessions
    they wait for and hold a seat in."""

    group: Group
    placement_id: uuid.UUID | None  # None when staff waitlisted the client on a session, without a placement
    next_session: Session
    position: int
    waiting: int
    seated: int

    @property
    def only_waiting(self) -> bool:
        """No seat in any coming session: the group gives the client no hours yet."""
        return not self.seated


def episode_waitlists(*, organization: Organization, episode_id, now: dt.datetime | None = None) -> list[WaitlistPlace]:
    """The groups whose coming sessions the episode waits for, by group name. One query."""
    # Seated first come, first served (`waitlist_promote`): the queue is ordered by `added_at`.
    ahead = (
        RosterEntry.objects.filter(
            session=OuterRef("session"), status=RosterStatus.WAITLISTED, added_at__lt=OuterRef("added_at")
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    entries = (
        RosterEntry.objects.filter(
            organization=organization,
            episode_id=episode_id,
            status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED],
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=now or timezone.now(),
        )
        .select_related("session__group__group_type")
        .annotate(ahead=Coalesce(Subquery(ahead), 0))
        .order_by("session__starts_at")
    )
    seated: dict[uuid.UUID, int] = {}
    waiting: dict[uuid.UUID, list[RosterEntry]] = {}
    for entry in entries:
        group_id = entry.session.group_id
        if entry.status == RosterStatus.BOOKED:
            seated[group_id] = seated.get(group_id, 0) + 1
        else:
            waiting.setdefault(group_id, []).append(entry)
    places = []
    for queued_group, queue in waiting.items():
        first = queue[0]
        places.append(
            WaitlistPlace(
                group=first.session.group,
                placement_id=next((e.placement_id for e in queue if e.placement_id), None),
                next_session=first.session,
                position=first.ahead + 1,  # type: ignore[attr-defined]  # the annotation
                waiting=len(queue),
                seated=seated.get(queued_group, 0),
            )
        )
    return sorted(places, key=lambda p: p.group.name)


@dataclass(frozen=True)
class WeekHours:
    week_start: dt.date
    scheduled_minutes: int
    days: int

    @property
    def scheduled_hours(self) -> Decimal:
        return hours(self.scheduled_minutes)


def session_minutes(path: str = "session") -> Cast:
    """`Session.duration_minutes` in SQL, of the session at `path` (for sums and arrays of
    session lengths computed by the database)."""
    seconds = Extract(f"{path}__ends_at", "epoch") - Extract(f"{path}__starts_at", "epoch")
    return Cast(Floor(seconds / 60), IntegerField())


def scheduled_minutes_by_episode(*, organization: Organization, episode_ids, week_start: dt.date) -> dict:
    """Booked minutes and distinct days per episode in one organization week, counting only group
    types that count toward therapy hours. One query for any number of episodes."""
    start = organization.local_datetime(week_start, dt.time(0))
    end = organization.local_datetime(week_start + dt.timedelta(days=7), dt.time(0))
    rows = (
        RosterEntry.objects.filter(
            organization=organization,
            episode_id__in=episode_ids,
            status=RosterStatus.BOOKED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            session__group__group_type__counts_toward_hours=True,
        )
        .values("episode_id")
        .annotate(
            seconds=Sum(Extract("session__ends_at", "epoch") - Extract("session__starts_at", "epoch")),
            days=Count("session__local_date", distinct=True),
        )
    )
    return {
        r["episode_id"]: WeekHours(
            week_start=week_start, scheduled_minutes=int(r["seconds"] or 0) // 60, days=r["days"]
        )
        for r in rows
    }


@dataclass(frozen=True)
class PlacementConflict:
    """A placed group meeting outside the client's (changed) availability: to resolve."""

    placement: Placement
    slot: WeeklySlot

    @property
    def message(self) -> str:
        return f"{self.placement.group.name} meets {self.slot}, outside the client's availability"


def _active_placements() -> Prefetch:
    return Prefetch(
        "placements",
        queryset=Placement.objects.filter(is_active=True).select_related("group").prefetch_related("group__slots"),
        to_attr="active_placements",
    )


def _conflicts(episode: Episode, day: dt.date) -> list[PlacementConflict]:
    """From prefetched `active_placements` and `treatment_plan.availability`: no queries."""
    from .assistant import slot_fits

    plan = getattr(episode, "treatment_plan", None)
    windows = list(plan.availability.all()) if plan else []
    if not windows:  # no availability recorded: nothing to check against
        return []
    return [
        PlacementConflict(placement=placement, slot=slot)
        for placement in episode.active_placements  # type: ignore[attr-defined]  # a to_attr prefetch
        for slot in placement.group.slots.all()
        if slot.is_effective_on(day) and not slot_fits(slot, windows)
    ]


def placement_conflicts(
    *, episode: Episode, today: dt.date | None = None, plan_loaded: bool = False
) -> list[PlacementConflict]:
    """The episode's placements that no longer fit its availability (e.g. after the client's
    availability changed), each with the meeting time that clashes. `plan_loaded`: the episode
    was read in this request with its `treatment_plan` and the plan's availability prefetched
    (the client page's), so only its placements are read (two queries, not four)."""
    if plan_loaded:
        prefetch_related_objects([episode], _active_placements())
        loaded: Episode | None = episode
    else:
        loaded = (
            Episode.objects.filter(pk=episode.pk)
            .select_related("treatment_plan")
            .prefetch_related(_active_placements(), "treatment_plan__availability")
            .first()
        )
    return _conflicts(loaded, today or episode.organization.local_today()) if loaded else []


@dataclass(frozen=True)
class SchedulingGap:
    episode: Episode
    required_hours: Decimal
    required_days: int
    this_week: WeekHours
    next_week: WeekHours
    has_placement: bool
    conflicts: tuple = ()

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.has_placement:
            found.append("No group placement")
        found.extend(c.message for c in self.conflicts)
        for label, week in (("This week", self.this_week), ("Next week", self.next_week)):
            if week.scheduled_hours < self.required_hours:
                found.append(f"{label}: {week.scheduled_hours} of {self.required_hours} h scheduled")
            elif week.days < self.required_days:
                found.append(f"{label}: {week.days} of {self.required_days} days scheduled")
        return found


def scheduling_gaps(*, organization: Organization, today: dt.date | None = None) -> list[SchedulingGap]:
    """Every active client whose scheduled hours or days this week or next fall short of their
    treatment plan, who has no placement at all, or whose placements no longer fit their
    availability. A constant number of queries."""
    today = today or organization.local_today()
    this_week = week_start_for(organization, today)
    next_week = this_week + dt.timedelta(days=7)
    episodes = list(
        Episode.objects.filter(organization=organization, status=EpisodeStatus.ACTIVE)
        .select_related("client", "program", "treatment_plan")
        .annotate(has_placement=Exists(Placement.objects.filter(episode=OuterRef("pk"), is_active=True)))
        .prefetch_related(_active_placements(), "treatment_plan__availability")
        .order_by("client__last_name", "client__first_name")
    )
    ids = [e.pk for e in episodes]
    current = scheduled_minutes_by_episode(organization=organization, episode_ids=ids, week_start=this_week)
    upcoming = scheduled_minutes_by_episode(organization=organization, episode_ids=ids, week_start=next_week)
    gaps = []
    for episode in episodes:
        plan = getattr(episode, "treatment_plan", None)
        hours = plan.required_hours_per_week if plan else episode.program.default_min_weekly_hours
        days = plan.required_days_per_week if plan else episode.program.default_min_days_per_week
        gap = SchedulingGap(
            episode=episode,
            required_hours=hours,
            required_days=days,
            this_week=current.get(episode.pk, WeekHours(this_week, 0, 0)),
            next_week=upcoming.get(episode.pk, WeekHours(next_week, 0, 0)),
            has_placement=episode.has_placement,
            conflicts=tuple(_conflicts(episode, today)),
        )
        if gap.problems:
            gaps.append(gap)
    return gaps


def upcoming_roster_for_episode(*, episode: Episode, now: dt.datetime | None = None) -> QuerySet[RosterEntry]:
    return (
        RosterEntry.objects.filter(
            episode=episode,
            status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED],
            session__starts_at__gte=now or timezone.now(),
        )
        .select_related("session__group")
        .order_by("session__starts_at")
    )
