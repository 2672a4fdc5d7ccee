"""The demo's group schedule, built with the scheduling services: group types and their qualified
facilitators, groups meeting Monday to Friday mornings, sessions materialised from the weeks of
history before the current one, the active clients placed (a few deliberately short of their hours,
so the scheduling gaps worklist has work), one full group with a waitlist, and one facilitator
absent next week, leaving sessions to cover. A placement seats clients in future sessions only:
their seats in the sessions already held are backfilled in bulk, as if they had been placed back
then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify

from demo.people import BELL, COUNSELOR, OSEI, PARK, RAMAN, ClientSpec, OrganizationReport
from iop.accounts.models import User
from iop.clients.models import Client, Episode, EpisodeStatus, TherapyTrack
from iop.common.weeks import week_start_for
from iop.tenancy.models import Organization, Program, StaffProfile, Weekday
from scheduling.models import (
    FacilitatorAbsence,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    RosterStatus,
    Session,
    SessionStatus,
    WeeklySlot,
)
from scheduling.services import absences as absence_services
from scheduling.services import groups as group_services
from scheduling.services import materialisation as materialisation_services
from scheduling.services import placements as placement_services


@dataclass(frozen=True)
class DemoClient:
    key: str  # stable across runs and databases (the e-mail address): seeds their attendance
    episode: Episode


@dataclass(frozen=True)
class GroupTypeSpec:
    name: str
    qualified: tuple[str, ...]  # emails of the facilitators who may lead it
    track: str = TherapyTrack.GROUP
    counts_toward_hours: bool = True


@dataclass(frozen=True)
class GroupSpec:
    name: str
    group_type: str  # GroupTypeSpec.name
    program: str  # ProgramSpec.key
    capacity: int
    slots: tuple[tuple[int, str, int], ...]  # (weekday, local start "HH:MM", minutes)
    lead: str  # facilitator email
    co: str | None = None


@dataclass(frozen=True)
class PlacementSpec:
    """The next `count` active clients of `program` (in the order of the client specs) are placed
    into `groups`; where a group is full they go on its waitlist."""

    program: str
    count: int
    groups: tuple[str, ...]


@dataclass(frozen=True)
class AbsenceSpec:
    facilitator: str  # email
    first_weekday: int  # of next week
    last_weekday: int
    reason: str


@dataclass(frozen=True)
class ScheduleSpec:
    group_types: tuple[GroupTypeSpec, ...]
    groups: tuple[GroupSpec, ...]
    placements: tuple[PlacementSpec, ...]
    placed_by: str  # email of the staff member recorded as placing clients
    absence: AbsenceSpec | None = None


MON, TUE, WED, THU, FRI = Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY

# Harbor's mornings, 9:00–12:30 Eastern: two 90-minute blocks with a 30-minute community check-in
# between them. Clients follow one of two weekly patterns, each 9 counted hours over 3 days:
# Mon/Wed/Fri (process group + DBT skills, or + the couples group) or Tue/Wed/Thu (process group +
# psychoeducation, relapse prevention on Wednesday), plus a mindfulness group on two of their other
# mornings. That is 12 scheduled hours for the 9 required: a client who misses a session (or is
# late) is still on track, while one who misses two must attend everything left that week — with
# exactly 9 hours booked, every client would read "at risk" until the week's last session.
# Relapse prevention has 8 seats for 8 clients of its pattern, so the two clients placed after them
# wait for a seat (and stay short of hours: the scheduling gaps worklist shows them).
HARBOR_SCHEDULE = ScheduleSpec(
    group_types=(
        GroupTypeSpec("Process group", (RAMAN, BELL, PARK, OSEI)),
        GroupTypeSpec("Skills training (DBT)", (RAMAN, BELL)),
        GroupTypeSpec("Psychoeducation", (RAMAN, BELL, PARK)),
        GroupTypeSpec("Couples group", (OSEI, PARK), track=TherapyTrack.COUPLES),
        GroupTypeSpec("Relapse prevention", (PARK, BELL)),
        GroupTypeSpec("Community check-in", (RAMAN, BELL, PARK, OSEI), counts_toward_hours=False),
        GroupTypeSpec("Mindfulness & wellness", (BELL, OSEI)),
    ),
    groups=(
        GroupSpec(
            "Process Group (Mon/Wed/Fri)",
            "Process group",
            "mh",
            12,
            ((MON, "09:00", 90), (WED, "09:00", 90), (FRI, "09:00", 90)),
            lead=RAMAN,
        ),
        GroupSpec(
            "Community Check-in",
            "Community check-in",
            "mh",
            12,
            tuple((day, "10:30", 30) for day in (MON, TUE, WED, THU, FRI)),
            lead=OSEI,
        ),
        GroupSpec(
            "DBT Skills",
            "Skills training (DBT)",
            "mh",
            10,
            ((MON, "11:00", 90), (WED, "11:00", 90), (FRI, "11:00", 90)),
            lead=BELL,
        ),
        GroupSpec(
            "Couples Group",
            "Couples group",
            "couples",
            8,
            ((MON, "11:00", 90), (WED, "11:00", 90), (FRI, "11:00", 90)),
            lead=OSEI,
            co=PARK,
        ),
        GroupSpec(
            "Process Group (Tue/Thu)", "Process group", "mh", 10, ((TUE, "09:00", 90), (THU, "09:00", 90)), lead=PARK
        ),
        GroupSpec(
            "Psychoeducation",
            "Psychoeducation",
            "mh",
            12,
            ((TUE, "11:00", 90), (WED, "11:00", 90), (THU, "11:00", 90)),
            lead=RAMAN,
        ),
        GroupSpec("Relapse Prevention", "Relapse prevention", "mh", 8, ((WED, "09:00", 90),), lead=PARK),
        GroupSpec(
            "Mindfulness & Wellness (Tue/Thu)",
            "Mindfulness & wellness",
            "mh",
            12,
            ((TUE, "11:00", 90), (THU, "11:00", 90)),
            lead=BELL,
        ),
        GroupSpec(
            "Mindfulness & Wellness (Mon/Fri)",
            "Mindfulness & wellness",
            "mh",
            10,
            ((MON, "09:00", 90), (FRI, "09:00", 90)),
            lead=OSEI,
        ),
    ),
    placements=(
        PlacementSpec(
            "couples",
            4,
            (
                "Process Group (Mon/Wed/Fri)",
                "Couples Group",
                "Community Check-in",
                "Mindfulness & Wellness (Tue/Thu)",
            ),
        ),
        PlacementSpec(
            "mh",
            7,
            ("Process Group (Mon/Wed/Fri)", "DBT Skills", "Community Check-in", "Mindfulness & Wellness (Tue/Thu)"),
        ),
        PlacementSpec(
            "mh",
            8,
            ("Process Group (Tue/Thu)", "Psychoeducation", "Relapse Prevention", "Mindfulness & Wellness (Mon/Fri)"),
        ),
        # Short of their hours (DBT only, relapse prevention full): the gaps worklist shows them.
        PlacementSpec("mh", 2, ("DBT Skills", "Relapse Prevention")),
    ),
    placed_by="va@harbor.test",
    absence=AbsenceSpec(PARK, TUE, THU, "Conference"),
)

SUMMIT_SCHEDULE = ScheduleSpec(
    group_types=(
        GroupTypeSpec("Process group", (COUNSELOR,)),
        GroupTypeSpec("Relapse prevention", (COUNSELOR,), track=TherapyTrack.SUD_COUNSELING),
    ),
    groups=(
        GroupSpec(
            "Recovery Process Group",
            "Process group",
            "sud",
            10,
            ((MON, "09:00", 90), (WED, "09:00", 90), (THU, "09:00", 90)),
            lead=COUNSELOR,
        ),
        GroupSpec(
            "Relapse Prevention Skills",
            "Relapse prevention",
            "sud",
            10,
            ((MON, "10:45", 90), (WED, "10:45", 90), (THU, "10:45", 90)),
            lead=COUNSELOR,
        ),
    ),
    placements=(PlacementSpec("sud", 3, ("Recovery Process Group", "Relapse Prevention Skills")),),
    placed_by="va@summit.test",
)


def ensure_schedule(
    organization: Organization,
    spec: ScheduleSpec,
    programs: dict[str, Program],
    clients: dict[ClientSpec, Client],
    users: dict[str, User],
    today: dt.date,
    history_weeks: int,
    report: OrganizationReport,
) -> list[list[DemoClient]]:
    """Group types, groups and their weekly times, sessions, placements and the absence, each
    skipped when it exists (found by name, by episode and group, by facilitator). Returns the
    clients of each placement spec, placed now or by an earlier run."""
    facilitators = {
        p.membership.user.email: p
        for p in StaffProfile.objects.filter(can_facilitate=True).select_related("membership__user")
    }
    group_types = {t.name: t for t in GroupType.objects.all()}
    for type_spec in spec.group_types:
        if type_spec.name not in group_types:
            group_types[type_spec.name] = group_services.group_type_create(
                organization=organization,
                name=type_spec.name,
                track=type_spec.track,
                counts_toward_hours=type_spec.counts_toward_hours,
                qualified=[facilitators[email] for email in type_spec.qualified],
            )
            report.add("group type")

    # The schedule starts with the weeks of attendance history before this one (or this week), or
    # where an earlier run started it: a group added since then meets from the same week, so its
    # past sessions line up with everyone else's.
    week_start = week_start_for(organization, today)
    schedule_start = WeeklySlot.objects.aggregate(first=Min("effective_from"))["first"] or (
        week_start - dt.timedelta(weeks=history_weeks)
    )
    sessions_before = Session.objects.count()
    groups = {g.name: g for g in Group.objects.all()}
    for group_spec in spec.groups:
        if group_spec.name in groups:
            continue
        group = group_services.group_create(
            organization=organization,
            program=programs[group_spec.program],
            name=group_spec.name,
            group_type=group_types[group_spec.group_type],
            capacity=group_spec.capacity,
            lead_facilitator=facilitators[group_spec.lead],
            co_facilitator=facilitators[group_spec.co] if group_spec.co else None,
            telehealth_url=f"https://video.example.com/{organization.slug}/{slugify(group_spec.name)}",
        )
        for weekday, start, minutes in group_spec.slots:
            group_services.slot_create(
                group=group,
                weekday=weekday,
                start_time=dt.time.fromisoformat(start),
                duration_minutes=minutes,
                effective_from=schedule_start,
                today=schedule_start,
            )
        groups[group.name] = group
        report.add("group")
    # Sessions from the schedule's start to the horizon after this week, as the nightly job would
    # have created them week by week (a re-run creates only what a later horizon adds).
    materialisation_services.sessions_materialise(organization=organization, today=week_start)
    if created := Session.objects.count() - sessions_before:
        report.add("session", created)

    actor = users[spec.placed_by]
    active = {e.client_id: e for e in Episode.objects.filter(status=EpisodeStatus.ACTIVE)}
    unplaced = {  # each program's active episodes, in the order of the client specs
        key: [(s, active[c.pk]) for s, c in clients.items() if s.program == key and c.pk in active] for key in programs
    }
    placed: list[list[DemoClient]] = []
    new_placements: list[Placement] = []
    for placement_spec in spec.placements:
        members = unplaced[placement_spec.program][: placement_spec.count]
        del unplaced[placement_spec.program][: placement_spec.count]
        placed.append([DemoClient(key=s.email, episode=e) for s, e in members])
        for _, episode in members:
            # Placed since the schedule started, or since admission for a newer client.
            start_date = max(schedule_start, episode.admission_date or today)
            for name in placement_spec.groups:
                if placement := _ensure_placement(episode, groups[name], start_date, actor):
                    new_placements.append(placement)
                    report.add("placement")
    if seats := _seats_backfill(new_placements, actor):
        report.add("past seat", seats)

    if spec.absence is not None:
        staff_profile = facilitators[spec.absence.facilitator]
        if not FacilitatorAbsence.objects.filter(staff_profile=staff_profile).exists():
            next_week = week_start + dt.timedelta(days=7)
            absence_services.facilitator_absence_record(
                staff_profile=staff_profile,
                start_date=_weekday_in(next_week, spec.absence.first_weekday),
                end_date=_weekday_in(next_week, spec.absence.last_weekday),
                reason=spec.absence.reason,
                actor=actor,
            )
            report.add("facilitator absence")
    return placed


def _weekday_in(week_start: dt.date, weekday: int) -> dt.date:
    return week_start + dt.timedelta(days=(weekday - week_start.weekday()) % 7)


def _ensure_placement(episode: Episode, group: Group, start_date: dt.date, actor: User) -> Placement | None:
    """Place the episode into the group from `start_date` (seats in its future sessions), unless
    it already is."""
    if Placement.objects.filter(episode=episode, group=group).exists():
        return None
    return placement_services.placement_create(
        episode=episode, group=group, start_date=start_date, actor=actor, waitlist_if_full=True
    ).placement


def _seats_backfill(placements: list[Placement], actor: User) -> int:
    """Seat the newly placed clients in their groups' sessions already held (or begun) since the
    placement started, in placement order: a placement seats clients in future sessions only, but
    the demo's clients were there in the past weeks too, so their hours (and attendance) read as in
    real use. A session full that day is skipped, as `roster_book` would refuse it. One insert for
    all of them: through `roster_book` this is a thousand locked bookings, most of the seed's time."""
    if not placements:
        return 0
    now = timezone.now()
    sessions = list(
        Session.objects.filter(
            group__in={p.group_id for p in placements},
            status=SessionStatus.SCHEDULED,
            local_date__gte=min(p.start_date for p in placements),
            starts_at__lte=now,
        ).order_by("starts_at")
    )
    live = RosterEntry.objects.filter(session__in=sessions, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED])
    seated = set(live.values_list("session_id", "episode_id"))
    booked: dict = {}
    for session_id in live.filter(status=RosterStatus.BOOKED).values_list("session_id", flat=True):
        booked[session_id] = booked.get(session_id, 0) + 1
    entries = []
    for placement in placements:
        for session in sessions:
            if session.group_id != placement.group_id or session.local_date < placement.start_date:
                continue
            if (session.pk, placement.episode_id) in seated or booked.get(session.pk, 0) >= session.capacity:
                continue
            entries.append(
                RosterEntry(
                    organization_id=session.organization_id,
                    session=session,
                    episode_id=placement.episode_id,
                    placement=placement,
                    status=RosterStatus.BOOKED,
                    during=DateTimeTZRange(session.starts_at, session.ends_at, "[)"),
                    added_by=actor,
                )
            )
            seated.add((session.pk, placement.episode_id))
            booked[session.pk] = booked.get(session.pk, 0) + 1
    RosterEntry.objects.bulk_create(entries)
    return len(entries)
