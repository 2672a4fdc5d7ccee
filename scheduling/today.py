"""Scheduling's panels on Today (registered from `scheduling.wiring`): sessions without a
facilitator this week, waitlists with a free seat, scheduling gaps, tonight's reminders and, for
admins, facilitators' absences. Row panels read their rows in the board's one query; the SQL
pieces other apps' panels share (a session's fill and lead) live here too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Field,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Extract

from iop.clients.models import Episode, EpisodeStatus, ReminderChannel
from iop.clients.selectors import client_name_expression
from iop.common.dates import date_short, time_hm
from iop.common.text import plural
from iop.tenancy import permissions
from iop.tenancy.models import Role
from iop.today.hooks import TodayContext, TodayItems, TodayLine, TodayPanel, TodayRows, today_link, today_values
from scheduling.models import (
    FacilitatorAbsence,
    FacilitatorRole,
    Placement,
    ReminderDispatch,
    ReminderStatus,
    RosterEntry,
    RosterStatus,
    Session,
    SessionFacilitator,
    SessionStatus,
)
from scheduling.reminders.selectors import REMINDABLE_STATUSES, reminder_time, reminders_date
from scheduling.selectors import has_lead, seats_count

VA = frozenset({Role.VA})
ADMIN = frozenset({Role.ORG_ADMIN})

# Sessions this close without a facilitator are urgent (the VAs are notified at the same horizon).
UNCOVERED_URGENT = dt.timedelta(hours=48)
# How far ahead a waitlist with a free seat is worth a VA's look.
WAITLIST_HORIZON = dt.timedelta(days=14)


def _session_url(context: TodayContext, session_id) -> str:
    return context.url("scheduling:session_detail", session_id=session_id)


# --- Shared SQL: a session's fill and its lead facilitator -------------------------------------------


def lead_name() -> Subquery:
    """The name of the session's lead facilitator (NULL when uncovered)."""
    return Subquery(
        SessionFacilitator.objects.filter(session=OuterRef("pk"), role=FacilitatorRole.LEAD).values(
            "staff_profile__membership__user__full_name"
        )[:1]
    )


# --- Sessions without a facilitator this week -------------------------------------------------------------


def _uncovered_rows(context: TodayContext) -> QuerySet:
    sessions = Session.objects.filter(
        organization=context.organization,
        status=SessionStatus.SCHEDULED,
        starts_at__gte=context.now,
        # This week, and on its last days the urgent ones of the next.
        starts_at__lt=max(
            context.local_midnight(context.week_end + dt.timedelta(days=1)), context.now + UNCOVERED_URGENT
        ),
    ).filter(~has_lead())
    return today_values(sessions, ref="pk", label="group__name", at="starts_at", n1=seats_count(), n2="capacity")


def _uncovered_line(row: dict, context: TodayContext) -> TodayLine:
    urgent = row["t_at"] - context.now < UNCOVERED_URGENT
    return TodayLine(
        text=f"{context.datetime_short(row['t_at'])} {row['t_label']}",
        url=_session_url(context, row["t_ref"]) + "#facilitators",
        status="No lead facilitator",
        detail=f"{row['t_n1']}/{row['t_n2']} booked",
        tone="alert" if urgent else "warn",
    )


# --- Waitlists with a free seat ------------------------------------------------------------------------


def _waitlist_rows(context: TodayContext) -> QuerySet:
    sessions = (
        Session.objects.filter(
            organization=context.organization,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=context.now,
            starts_at__lt=context.now + WAITLIST_HORIZON,
        )
        .annotate(booked=seats_count(), waiting=seats_count(RosterStatus.WAITLISTED))
        .filter(waiting__gt=0, booked__lt=Cast("capacity", IntegerField()))
    )
    return today_values(
        sessions, ref="pk", label="group__name", at="starts_at", n1="booked", n2="capacity", n3="waiting"
    )


def _waitlist_line(row: dict, context: TodayContext) -> TodayLine:
    free = row["t_n2"] - row["t_n1"]
    return TodayLine(
        text=f"{context.datetime_short(row['t_at'])} {row['t_label']}",
        url=_session_url(context, row["t_ref"]) + "#waitlist",
        status=f"{plural(free, 'free seat')}, {row['t_n3']} waiting",
        tone="warn",
    )


# --- Scheduling gaps -------------------------------------------------------------------------------------

_NO_PLACEMENT = "no_placement"
_THIS_WEEK = "this_week"
_NEXT_WEEK = "next_week"


def _booked_weeks(context: TodayContext) -> dict[str, list]:
    """`{episode id: [minutes booked this week, days, minutes next week, days]}` of every client
    booked in those weeks, counting only group types that count toward therapy hours (as the
    Scheduling gaps page counts them): one grouped query over the two weeks' seats.

    Read once ahead of the board's statement and passed to it as one value: as subqueries per
    episode, each figure re-read the episode's whole booking history at each place the panel's
    filter, sort key and columns use it (about 20 times an episode), work that grew with history,
    not with the clients shown (bench/README.md, "Today board")."""
    this_week = context.local_midnight(context.week_start)
    next_week = context.local_midnight(context.week_start + dt.timedelta(days=7))
    seconds = Extract("session__ends_at", "epoch") - Extract("session__starts_at", "epoch")
    in_this_week, in_next_week = Q(session__starts_at__lt=next_week), Q(session__starts_at__gte=next_week)
    weeks = (
        RosterEntry.objects.filter(
            organization=context.organization,
            status=RosterStatus.BOOKED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gte=this_week,
            session__starts_at__lt=context.local_midnight(context.week_start + dt.timedelta(days=14)),
            session__group__group_type__counts_toward_hours=True,
        )
        .order_by()
        .values("episode_id")
        .annotate(
            this_seconds=Coalesce(Sum(seconds, filter=in_this_week), 0),
            this_days=Count("session__local_date", distinct=True, filter=in_this_week),
            next_seconds=Coalesce(Sum(seconds, filter=in_next_week), 0),
            next_days=Count("session__local_date", distinct=True, filter=in_next_week),
        )
        .values_list("episode_id", "this_seconds", "this_days", "next_seconds", "next_days")
    )
    return {
        str(episode_id): [float(this_seconds) / 60, this_days, float(next_seconds) / 60, next_days]
        for episode_id, this_seconds, this_days, next_seconds, next_days in weeks
    }


def _booked_figure(weeks: dict[str, list], index: int, output_field: Field) -> Coalesce:
    """Figure `index` of the episode's entry in `_booked_weeks` (0 without a booking)."""
    figure = Func(
        Value(weeks, output_field=JSONField()),
        Cast("pk", TextField()),
        Value(str(index)),
        function="jsonb_extract_path_text",
        output_field=TextField(),
    )
    return Coalesce(Cast(figure, output_field=output_field), 0, output_field=output_field)


def _gap_rows(context: TodayContext) -> QuerySet:
    weeks = _booked_weeks(context)
    minutes, days = DecimalField(max_digits=12, decimal_places=4), IntegerField()
    this_minutes, this_days = _booked_figure(weeks, 0, minutes), _booked_figure(weeks, 1, days)
    next_minutes, next_days = _booked_figure(weeks, 2, minutes), _booked_figure(weeks, 3, days)
    episodes = (
        Episode.objects.filter(organization=context.organization, status=EpisodeStatus.ACTIVE)
        .annotate(
            placed=Exists(Placement.objects.filter(episode=OuterRef("pk"), is_active=True)),
            required_minutes=Cast(
                Coalesce("treatment_plan__required_hours_per_week", "program__default_min_weekly_hours")
                * Value(Decimal(60)),
                IntegerField(),
            ),
            required_days=Coalesce("treatment_plan__required_days_per_week", "program__default_min_days_per_week"),
            this_minutes=this_minutes,
            this_days=this_days,
            next_minutes=next_minutes,
            next_days=next_days,
        )
        .annotate(
            problem=Case(
                When(placed=False, then=Value(_NO_PLACEMENT)),
                When(
                    Q(this_minutes__lt=F("required_minutes")) | Q(this_days__lt=F("required_days")),
                    then=Value(_THIS_WEEK),
                ),
                When(
                    Q(next_minutes__lt=F("required_minutes")) | Q(next_days__lt=F("required_days")),
                    then=Value(_NEXT_WEEK),
                ),
                default=Value(""),
            )
        )
        .exclude(problem="")
        # The most urgent first: not placed, short this week, short next week.
        .annotate(
            urgency=Case(
                When(problem=_NO_PLACEMENT, then=Value(0)),
                When(problem=_THIS_WEEK, then=Value(1)),
                default=Value(2),
            )
        )
    )
    return today_values(
        episodes,
        ref="pk",
        client="client_id",
        label=client_name_expression(),
        note="problem",
        n1=Case(When(problem=_NEXT_WEEK, then="next_minutes"), default="this_minutes"),
        n2="required_minutes",
        n3=Case(When(problem=_NEXT_WEEK, then="next_days"), default="this_days"),
    )


def _gap_line(row: dict, context: TodayContext) -> TodayLine:
    problem = row["t_note"]
    url = context.url("scheduling:placement_assistant", episode_id=row["t_ref"])
    if problem == _NO_PLACEMENT:
        return TodayLine(
            text=row["t_label"], url=url, status="No group placement", tone="alert", client_id=row["t_client"]
        )
    week = "This week" if problem == _THIS_WEEK else "Next week"
    return TodayLine(
        text=row["t_label"],
        url=url,
        status=f"{week}: {row['t_n1'] / 60:.1f} of {row['t_n2'] / 60:.1f} h scheduled",
        detail=f"{plural(row['t_n3'], 'day')} booked",
        tone="alert" if problem == _THIS_WEEK else "warn",
        client_id=row["t_client"],
    )


# --- Tonight's reminders ------------------------------------------------------------------------------


def _reminders_load(context: TodayContext) -> TodayItems:
    """Tomorrow's lineup reminders: how many clients are due one, how many have gone, how many
    need a person (outcome unknown or failed). One query."""
    day = reminders_date(organization=context.organization, now=context.now)
    dispatched = ReminderDispatch.objects.filter(client=OuterRef("episode__client"), local_date=day)
    sent = Exists(dispatched.filter(status__in=[ReminderStatus.SENT, ReminderStatus.SKIPPED]))
    # Only clients a reminder can reach (consent, a channel, its address): the others get none,
    # by design, and are listed as such on the reminders page — not "to send" here forever.
    reachable = Q(episode__client__reminder_consent=True) & (
        Q(episode__client__reminder_channel=ReminderChannel.EMAIL) & ~Q(episode__client__email="")
        | Q(episode__client__reminder_channel=ReminderChannel.SMS) & ~Q(episode__client__phone="")
    )
    counts = RosterEntry.objects.filter(
        reachable,
        organization=context.organization,
        status=RosterStatus.BOOKED,
        episode__status__in=REMINDABLE_STATUSES,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gte=context.local_midnight(day),
        session__starts_at__lt=context.local_midnight(day + dt.timedelta(days=1)),
    ).aggregate(
        clients=Count("episode__client", distinct=True),
        sent=Count("episode__client", distinct=True, filter=Q(sent)),
        # Failed or unknown and not sent since (a resend that went out settles it).
        stuck=Count(
            "episode__client",
            distinct=True,
            filter=Q(Exists(dispatched.filter(status__in=[ReminderStatus.UNKNOWN, ReminderStatus.FAILED]))) & ~Q(sent),
        ),
    )
    url = context.url("reminders:preview")
    # Read whether or not anyone is booked: the board costs the same queries on any day.
    at = reminder_time(context.organization)
    clients, sent, stuck = counts["clients"], counts["sent"], counts["stuck"]
    if not clients:
        line = TodayLine(text=f"{date_short(day)}: no one booked", url=url, status="Nothing to send", tone="ok")
        return TodayItems(lines=[line], total=0)
    to_send = max(clients - sent - stuck, 0)
    parts = (
        [f"{sent} sent"]
        + ([f"{to_send} to send at {time_hm(at)}"] if to_send else [])
        + ([f"{stuck} to check"] if stuck else [])
    )
    late = to_send and context.now.astimezone(context.organization.tzinfo).time() > at
    return TodayItems(
        lines=[
            TodayLine(
                text=f"{date_short(day)}: {plural(clients, 'client')}",
                url=url,
                status=", ".join(parts),
                tone="alert" if stuck or late else ("ok" if not to_send else ""),
            )
        ],
        total=to_send + stuck,
        listed=False,
    )


# --- Facilitators' absences (admins) ---------------------------------------------------------------------


def _absence_rows(context: TodayContext) -> QuerySet:
    absences = FacilitatorAbsence.objects.filter(organization=context.organization, end_date__gte=context.today)
    return today_values(
        absences,
        ref="pk",
        label="staff_profile__membership__user__full_name",
        note="reason",
        day="start_date",
        # Days from the first to the last day away (the row's one date column holds the first).
        n1=Func(
            F("end_date"), F("start_date"), arg_joiner=" - ", template="(%(expressions)s)", output_field=IntegerField()
        ),
    )


def _absence_line(row: dict, context: TodayContext) -> TodayLine:
    end = row["t_day"] + dt.timedelta(days=row["t_n1"])
    current = row["t_day"] <= context.today
    span = date_short(row["t_day"]) if row["t_day"] == end else f"{date_short(row['t_day'])} – {date_short(end)}"
    return TodayLine(
        text=row["t_label"],
        url=context.url("scheduling:absences"),
        status="Away now" if current else "Away",
        detail=span + (f" · {row['t_note']}" if row["t_note"] else ""),
        tone="warn" if current else "",
    )


def register_today_panels() -> None:
    from iop.today.hooks import today_panel_register

    today_panel_register(
        TodayPanel(
            key="uncovered",
            title="Sessions without a facilitator",
            roles=VA,
            permission=permissions.SCHEDULE_MANAGE,
            order=120,
            rows=TodayRows(query=_uncovered_rows, line=_uncovered_line, order_by=("starts_at",)),
            link=today_link("scheduling:absences"),
            empty="Every session this week has a facilitator.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="waitlist_seats",
            title="Waitlists with a free seat",
            roles=VA,
            permission=permissions.PLACEMENT_MANAGE,
            order=160,
            rows=TodayRows(query=_waitlist_rows, line=_waitlist_line, order_by=("starts_at",)),
            link=today_link("scheduling:week"),
            empty="No waitlist has a free seat.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="scheduling_gaps",
            title="Scheduling gaps",
            roles=VA,
            permission=permissions.PLACEMENT_MANAGE,
            order=150,
            rows=TodayRows(query=_gap_rows, line=_gap_line, order_by=("urgency", "t_label")),
            link=today_link("scheduling:gaps"),
            empty="Every active client is scheduled for their hours this week and next.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="reminders",
            title="Reminders tonight",
            roles=VA,
            permission=permissions.REMINDERS_VIEW,
            order=170,
            load=_reminders_load,
            link=today_link("reminders:preview"),
        )
    )
    today_panel_register(
        TodayPanel(
            key="absences",
            title="Facilitators away",
            roles=ADMIN,
            permission=permissions.SCHEDULE_MANAGE,
            order=900,
            rows=TodayRows(query=_absence_rows, line=_absence_line, order_by=("start_date",)),
            link=today_link("scheduling:absences"),
            empty="No facilitator is away now or soon.",
        )
    )
