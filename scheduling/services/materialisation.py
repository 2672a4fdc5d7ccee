"""Materialisation: each active weekly slot becomes dated sessions up to the organization's horizon,
each with its group's facilitators booked and its placed clients seated. Idempotent.

Set-based: a run costs a fixed handful of queries, not ~10 a seat. The new sessions are invisible
to every other transaction until this one commits, so nobody else can book into them meanwhile:
their capacity is settled here, in memory, by the rules of `roster_book` and `facilitator_book`
(`services.seating`; seats by placement age, a client or facilitator already booked at that time skipped, the seats
past capacity waitlisted), and written in one INSERT each. The episodes are locked first, as
`roster_book` locks them, so a discharge or a booking of the same client waits for this run. A
booking the in-memory plan could not see (a waitlist promotion or facilitator change committed
meanwhile) makes the INSERT hit an exclusion constraint: the savepoint is rolled back and the run
falls back to booking one seat at a time, which reports such clashes one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q

from iop.clients.models import Episode
from iop.common.crash import pause_point
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Organization

from ..models import (
    FacilitatorAbsence,
    FacilitatorRole,
    Group,
    Placement,
    RosterEntry,
    RosterStatus,
    Session,
    SessionFacilitator,
    WeeklySlot,
)
from ..selectors import scheduling_settings
from .common import PLACEABLE_STATUSES, facilitator_absent, facilitator_book, session_range
from .rosters import roster_book
from .seating import BusyTimes, PlannedSeat, rosters_insert, seat_status


def _dates(start: dt.date, end: dt.date, weekday: int) -> Iterable[dt.date]:
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += dt.timedelta(days=7)


@transaction.atomic
def sessions_materialise(
    *, organization: Organization, group: Group | None = None, today: dt.date | None = None
) -> list[Session]:
    """Create the sessions of every active weekly slot from today to the horizon, book each new
    session's facilitators, and seat the clients whose placements cover it. Idempotent: the
    unique (slot, local date) makes a re-run create nothing. Returns the new sessions."""
    today = today or organization.local_today()
    horizon_end = today + dt.timedelta(weeks=scheduling_settings(organization).horizon_weeks)
    slot_rows = (
        WeeklySlot.objects.filter(group__is_active=True, effective_from__lte=horizon_end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .select_related("group")
    )
    if group is not None:
        slot_rows = slot_rows.filter(group=group)
    slots = list(slot_rows)
    existing = set(
        Session.objects.filter(slot__in=slots, occurrence_date__gte=today).values_list("slot_id", "occurrence_date")
    )
    new = []
    for slot in slots:
        last = min(horizon_end, slot.effective_to) if slot.effective_to else horizon_end
        for day in _dates(max(today, slot.effective_from), last, slot.weekday):
            if (slot.pk, day) in existing:
                continue
            starts_at = organization.local_datetime(day, slot.start_time)
            new.append(
                Session(
                    organization=organization,
                    group=slot.group,
                    slot=slot,
                    local_date=day,
                    occurrence_date=day,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=slot.duration_minutes),
                    capacity=slot.group.capacity,
                )
            )
    Session.objects.bulk_create(new, ignore_conflicts=True)
    pause_point("materialise")  # fault tests: sessions written, nobody seated, nothing committed
    created = list(
        Session.objects.filter(pk__in=[s.pk for s in new]).select_related("group", "organization").order_by("starts_at")
    )
    if not created:
        return created
    try:
        with transaction.atomic():
            _book_and_seat_all(created)
    except IntegrityError:
        for session in created:
            _book_group_facilitators(session)
            _seat_placed_clients(session)
    return created


# Insert in chunks of this many rows: one statement per chunk, whatever the size of the run.
_BATCH = 2000


def _book_and_seat_all(sessions: list[Session]) -> None:
    """Facilitators and seats of the new `sessions` (ordered by start), as the one-at-a-time path
    would book them in that order, in a few queries."""
    first_day, last_day = min(s.local_date for s in sessions), max(s.local_date for s in sessions)
    window = DateTimeTZRange(min(s.starts_at for s in sessions), max(s.ends_at for s in sessions), "[)")
    _book_facilitators(sessions, first_day, last_day, window)
    _seat_clients(sessions, first_day, last_day, window)


def _book_facilitators(sessions: list[Session], first_day: dt.date, last_day: dt.date, window: DateTimeTZRange) -> None:
    staff_ids = {
        pk for s in sessions for pk in (s.group.lead_facilitator_id, s.group.co_facilitator_id) if pk is not None
    }
    if not staff_ids:
        return
    absences: dict[object, list[tuple[dt.date, dt.date]]] = {}
    for absent_id, start, end in FacilitatorAbsence.objects.filter(
        staff_profile_id__in=staff_ids, start_date__lte=last_day, end_date__gte=first_day
    ).values_list("staff_profile_id", "start_date", "end_date"):
        absences.setdefault(absent_id, []).append((start, end))
    busy = BusyTimes(
        SessionFacilitator.objects.filter(staff_profile_id__in=staff_ids, during__overlap=window).values_list(
            "staff_profile_id", "during"
        )
    )
    bookings = []
    for session in sessions:
        for role, staff_id in (
            (FacilitatorRole.LEAD, session.group.lead_facilitator_id),
            (FacilitatorRole.CO, session.group.co_facilitator_id),
        ):
            if staff_id is None or any(a <= session.local_date <= b for a, b in absences.get(staff_id, ())):
                continue
            if busy.take(staff_id, session):
                bookings.append(
                    SessionFacilitator(
                        organization_id=session.organization_id,
                        session=session,
                        staff_profile_id=staff_id,
                        role=role,
                        during=session_range(session),
                    )
                )
    SessionFacilitator.objects.bulk_create(bookings, batch_size=_BATCH)


def _seat_clients(sessions: list[Session], first_day: dt.date, last_day: dt.date, window: DateTimeTZRange) -> None:
    placements: dict[object, list[Placement]] = {}
    for placement in (
        Placement.objects.filter(
            group_id__in={s.group_id for s in sessions},
            is_active=True,
            start_date__lte=last_day,
            episode__status__in=PLACEABLE_STATUSES,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first_day))
        .order_by("created_at", "pk")
    ):
        placements.setdefault(placement.group_id, []).append(placement)
    # Locked and read fresh, in a fixed order, as `episode_lock_open` does for one booking.
    open_episodes = set(
        Episode.objects.filter(
            pk__in={p.episode_id for group in placements.values() for p in group}, status__in=PLACEABLE_STATUSES
        )
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    busy = BusyTimes(
        RosterEntry.objects.filter(
            episode_id__in=open_episodes, status=RosterStatus.BOOKED, during__overlap=window
        ).values_list("episode_id", "during")
    )
    # In booking order: the waitlist is served by `added_at`, which follows it.
    seats: list[PlannedSeat] = []
    for session in sessions:
        booked, seated = 0, set()
        for placement in placements.get(session.group_id, ()):
            episode_id = placement.episode_id
            if (
                placement.start_date > session.local_date
                or (placement.end_date is not None and placement.end_date < session.local_date)
                or episode_id not in open_episodes
                or episode_id in seated  # two placements of one client: one seat
            ):
                continue
            status = seat_status(session, episode_id, booked=booked, busy=busy)
            if status is None:
                continue  # booked elsewhere at that time: the gaps worklist shows it
            seats.append(PlannedSeat(session.pk, episode_id, placement.pk, status))
            booked += status == RosterStatus.BOOKED
            seated.add(episode_id)
    rosters_insert(seats)


def _book_group_facilitators(session: Session) -> None:
    for role, staff_profile in (
        (FacilitatorRole.LEAD, session.group.lead_facilitator),
        (FacilitatorRole.CO, session.group.co_facilitator),
    ):
        if staff_profile is not None and not facilitator_absent(staff_profile, session.local_date):
            facilitator_book(session, staff_profile, role)


def _seat_placed_clients(session: Session) -> None:
    placements = (
        Placement.objects.filter(group=session.group_id, is_active=True, start_date__lte=session.local_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=session.local_date))
        .select_related("episode")
        .order_by("created_at")
    )
    for placement in placements:
        if placement.episode.status not in PLACEABLE_STATUSES:
            continue
        try:
            roster_book(session=session, episode=placement.episode, placement=placement, waitlist_if_full=True)
        except ApplicationError:
            # A clash with another of the client's sessions: the gaps worklist shows it.
            continue
