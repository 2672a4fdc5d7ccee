"""Reads for daily reminders: each client's lineup for a day, and the dispatch rows the Reminders
page lists.

A lineup names the group, its local time, where it meets and the facilitator — never another
client. Changes since the client's last *sent* reminder are flagged: new seats, cancellations,
moves and facilitator changes. Delivery (`reminders.services`) reads the lineup again at send time:
sessions change between the evening scan and the send.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Min, Prefetch, Q, QuerySet

from iop.clients.models import Client, EpisodeStatus, ReminderChannel
from iop.clients.selectors import ADDRESS_FIELD
from iop.common.dates import date_short, time_hm
from iop.tenancy.models import Organization

from ..models import (
    FacilitatorRole,
    ReminderDispatch,
    ReminderStatus,
    RosterEntry,
    RosterStatus,
    Session,
    SessionFacilitator,
    SessionStatus,
)
from ..selectors import scheduling_settings

# Only clients in care are reminded; a step-down or discharge also empties their later rosters
# (`services.placements.episode_rosters_clear`), and this filter holds even if an entry was left behind.
REMINDABLE_STATUSES = (EpisodeStatus.INTAKE, EpisodeStatus.ACTIVE)
# Keyed by plain str: a client's reminder_channel comes back from the database as a str.

NEW, CANCELLED, MOVED, FACILITATOR_CHANGED = "new", "cancelled", "moved", "facilitator_changed"
FLAG_LABELS = {NEW: "new", CANCELLED: "cancelled", MOVED: "moved", FACILITATOR_CHANGED: "facilitator changed"}

# Reasons shown to staff. Short and free of PHI: they are stored on the dispatch and listed.
NO_CHANNEL = "The client chose no reminders."
NO_CONSENT = "No consent to reminders on file."
NO_ADDRESS: dict[str, str] = {
    ReminderChannel.EMAIL: "No email address on file.",
    ReminderChannel.SMS: "No mobile number on file.",
}
NOTHING_LEFT = "No sessions that day any more."


# --- Lineups (selectors) --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineupItem:
    """One session in a client's lineup, with every time already in the organization's zone
    (the worker renders outside any request, so template filters would use UTC)."""

    session_id: str
    group: str
    starts_at: dt.datetime
    local_date: dt.date
    time: str
    end_time: str
    delivery: str
    location: str
    facilitator: str
    cancelled: bool
    flags: tuple[str, ...] = ()
    other_day: bool = False

    @property
    def flag_text(self) -> str:
        return ", ".join(FLAG_LABELS[f] for f in self.flags)

    @property
    def when(self) -> str:
        """The time, with the date too when a move took the session to another day."""
        if self.other_day:
            return f"{date_short(self.local_date)} {self.time}"
        return self.time

    def as_json(self) -> dict:
        return {
            "session_id": self.session_id,
            "group": self.group,
            "starts_at": self.starts_at.astimezone(dt.UTC).isoformat(),
            "local_date": self.local_date.isoformat(),
            "time": self.time,
            "end_time": self.end_time,
            "delivery": self.delivery,
            "location": self.location,
            "facilitator": self.facilitator,
            "cancelled": self.cancelled,
            "flags": list(self.flags),
        }


@dataclass
class ClientReminder:
    """What one client would be told about `local_date`, and whether it can go out."""

    client: Client
    local_date: dt.date
    last_sent_at: dt.datetime | None
    by_session: dict[str, LineupItem] = field(default_factory=dict)

    @property
    def items(self) -> list[LineupItem]:
        return list(self.by_session.values())

    @property
    def channel(self) -> str:
        return self.client.reminder_channel

    @property
    def address(self) -> str:
        name = ADDRESS_FIELD.get(self.channel)
        return getattr(self.client, name).strip() if name else ""

    @property
    def blocker(self) -> str:
        """Why no message would go out, or "" when it would."""
        if self.channel not in ADDRESS_FIELD:
            return NO_CHANNEL
        if not self.client.reminder_consent:
            return NO_CONSENT
        if not self.address:
            return NO_ADDRESS[self.channel]
        if not self.items:
            return NOTHING_LEFT
        return ""

    @property
    def has_changes(self) -> bool:
        return any(item.flags for item in self.items)

    def lineup_json(self) -> list[dict]:
        return [item.as_json() for item in self.items]


def _day_bounds(organization: Organization, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        organization.local_datetime(day, dt.time(0)),
        organization.local_datetime(day + dt.timedelta(days=1), dt.time(0)),
    )


def _lineup_entries(*, organization: Organization, local_date: dt.date, client_ids=None) -> QuerySet[RosterEntry]:
    """Seats of clients in care in the day's sessions, and the cancelled ones (to flag). A session
    counts for the day if it occurs that day or was moved into or out of it."""
    start, end = _day_bounds(organization, local_date)
    leads = Prefetch(
        "session__facilitators",
        queryset=SessionFacilitator.objects.filter(role=FacilitatorRole.LEAD).select_related(
            "staff_profile__membership__user"
        ),
        to_attr="lead_bookings",
    )
    qs = (
        RosterEntry.objects.filter(
            organization=organization,
            episode__status__in=REMINDABLE_STATUSES,
            status__in=[RosterStatus.BOOKED, RosterStatus.CANCELLED],
        )
        # The day's occurrences (wherever they were moved) and whatever now takes place that day.
        .filter(Q(session__occurrence_date=local_date) | Q(session__starts_at__gte=start, session__starts_at__lt=end))
        .select_related("session__group", "episode__client")
        .prefetch_related(leads)
        .order_by("session__starts_at", "session__group__name", "added_at")
    )
    if client_ids is not None:
        qs = qs.filter(episode__client_id__in=client_ids)
    return qs


def _last_sent(*, organization: Organization, local_date: dt.date, client_ids: Iterable) -> dict:
    """When each client was last sent a reminder (for an earlier day, on any channel)."""
    rows = (
        ReminderDispatch.objects.filter(
            organization=organization,
            client_id__in=list(client_ids),
            status=ReminderStatus.SENT,
            local_date__lt=local_date,
        )
        .values("client_id")
        .annotate(at=Max("sent_at"))
    )
    return {row["client_id"]: row["at"] for row in rows}


def _after(moment: dt.datetime | None, since: dt.datetime | None) -> bool:
    return moment is not None and since is not None and moment > since


def _flags(entry: RosterEntry, since: dt.datetime | None) -> tuple[str, ...] | None:
    """The entry's change flags since the last reminder, or None when it is not worth a line: a
    cancellation the client was already told about (or never told of the session at all)."""
    session = entry.session
    if session.status == SessionStatus.CANCELLED or entry.status == RosterStatus.CANCELLED:
        return (CANCELLED,) if _after(session.cancelled_at or entry.removed_at, since) else None
    if _after(entry.added_at, since):
        return (NEW,)
    flags = []
    if _after(session.moved_at, since):
        flags.append(MOVED)
    if _after(session.facilitator_changed_at, since):
        flags.append(FACILITATOR_CHANGED)
    return tuple(flags)


def _item(entry: RosterEntry, flags: tuple[str, ...], organization: Organization, local_date: dt.date) -> LineupItem:
    session, group = entry.session, entry.session.group
    tz = organization.tzinfo
    starts, ends = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    # `lead_bookings` is a to_attr prefetch, unknown to the stubs.
    bookings = session.lead_bookings  # type: ignore[attr-defined]
    lead = bookings[0].staff_profile.membership.user if bookings else None
    return LineupItem(
        session_id=str(session.pk),
        group=group.name,
        starts_at=starts,
        local_date=starts.date(),
        time=time_hm(starts),
        end_time=time_hm(ends),
        delivery=group.delivery,
        location=group.location,
        facilitator=lead.full_name if lead is not None else "",
        cancelled=CANCELLED in flags,
        flags=flags,
        other_day=starts.date() != local_date,
    )


def client_lineups(*, organization: Organization, local_date: dt.date, client_ids=None) -> dict:
    """{client id: ClientReminder} for every client in care with something to hear about that day.
    Three queries, whatever the census."""
    entries = list(_lineup_entries(organization=organization, local_date=local_date, client_ids=client_ids))
    last_sent = _last_sent(
        organization=organization, local_date=local_date, client_ids={e.episode.client_id for e in entries}
    )
    start, end = _day_bounds(organization, local_date)
    reminders: dict = {}
    for entry in entries:
        client = entry.episode.client
        since = last_sent.get(client.pk)
        flags = _flags(entry, since)
        if flags is None:
            continue
        if not start <= entry.session.starts_at < end and MOVED not in flags:
            continue  # moved out of the day before the last reminder: not this day's news
        reminder = reminders.setdefault(
            client.pk, ClientReminder(client=client, local_date=local_date, last_sent_at=since)
        )
        item = _item(entry, flags, organization, local_date)
        known = reminder.by_session.get(item.session_id)
        # A cancelled seat and a live one in the same session (the client was rebooked): the live
        # seat wins.
        if known is None or (known.cancelled and not item.cancelled):
            reminder.by_session[item.session_id] = item
    return {pk: r for pk, r in reminders.items() if r.by_session}


def reminders_preview(*, organization: Organization, local_date: dt.date) -> list[ClientReminder]:
    """What each client would be told about `local_date` if the reminders went out now (writes
    nothing). Includes the clients who would get nothing, with `blocker` saying why."""
    reminders = client_lineups(organization=organization, local_date=local_date)
    return sorted(reminders.values(), key=lambda r: (r.client.last_name.lower(), r.client.first_name.lower()))


def reminder_dispatch_list(*, organization: Organization, local_date: dt.date) -> QuerySet[ReminderDispatch]:
    return (
        ReminderDispatch.objects.filter(organization=organization, local_date=local_date)
        .select_related("client", "resent_by")
        .order_by("client__last_name", "client__first_name", "channel")
    )


def reminders_unknown(*, organization: Organization, today: dt.date) -> QuerySet[ReminderDispatch]:
    """Reminders whose delivery status is unknown and whose day has not passed, whatever day the
    VA is looking at: each needs a person to check it and perhaps resend it."""
    return (
        ReminderDispatch.objects.filter(organization=organization, status=ReminderStatus.UNKNOWN, local_date__gte=today)
        .select_related("client")
        .order_by("local_date", "client__last_name", "client__first_name", "channel")
    )


def reminder_dispatch_get(*, organization: Organization, dispatch_id) -> ReminderDispatch | None:
    return (
        ReminderDispatch.objects.filter(organization=organization, pk=dispatch_id)
        .select_related("organization")
        .first()
    )


def reminder_time(organization: Organization) -> dt.time:
    value = scheduling_settings(organization).reminder_time
    # The model default is the string "18:00" until the row has been saved and read back.
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def reminders_due(*, organization: Organization, now: dt.datetime) -> bool:
    """Whether it is past the organization's local reminder time today."""
    return now.astimezone(organization.tzinfo).time() >= reminder_time(organization)


def reminders_date(*, organization: Organization, now: dt.datetime) -> dt.date:
    """The day the evening's reminders announce: tomorrow where the organization is."""
    return organization.local_today(now) + dt.timedelta(days=1)


# How far ahead the reminders page looks for the next day with sessions (a holiday week and more).
NEXT_DAY_HORIZON = dt.timedelta(days=14)


def reminders_next_day(*, organization: Organization, now: dt.datetime) -> dt.date:
    """The day the reminders page opens on: tomorrow where the organization is if any session
    takes place then, else the next local day that has one (after a Friday, the Monday), so a VA
    looking on a Friday evening sees the lineups that come next rather than an empty Saturday.
    Tomorrow when nothing is scheduled in the next two weeks."""
    tomorrow = reminders_date(organization=organization, now=now)
    found = Session.objects.filter(
        organization=organization,
        status=SessionStatus.SCHEDULED,
        local_date__gte=tomorrow,
        local_date__lt=tomorrow + NEXT_DAY_HORIZON,
    ).aggregate(day=Min("local_date"))["day"]
    return found or tomorrow
