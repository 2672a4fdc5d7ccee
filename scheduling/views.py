"""Scheduling pages: the master schedule, a session (roster, one-off changes, coverage), facilitator
absences, the placement assistant, the scheduling-gaps worklist and the groups.

Pages that show client names (a session's roster, the gaps worklist, the placement assistant)
write an access event. Objects are found through the organization's selectors, so another
tenant's id is a 404 like an unknown one. Every change goes through `scheduling.services`; a
refusal is shown next to the field it is about, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import cast

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.models import Episode, TherapyTrack
from iop.clients.selectors import episode_get
from iop.common.dates import date_short, time_hm
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_state_take, redirect_refused
from iop.common.forms import ErrorLink, error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, form_status, found_or_404, org_page, org_render
from iop.common.text import plural
from iop.common.units import hours
from iop.common.weeks import week_start_for
from iop.tenancy import permissions
from iop.tenancy.models import Weekday
from iop.tenancy.permissions import membership_can

from . import assistant, hooks, selectors
from .forms import (
    AbsenceForm,
    FacilitatorAssignForm,
    PlacementAcceptForm,
    PlacementEndForm,
    ProposalStartForm,
    RosterAddForm,
    SessionCancelForm,
    SessionMoveForm,
    SessionTopicForm,
    WeekFilterForm,
)
from .models import FacilitatorRole, RosterEntry, RosterSource, RosterStatus, Session, SessionStatus, WeeklySlot
from .services import absences as absence_services
from .services import common as common_services
from .services import placements as placement_services
from .services import rosters as roster_services
from .services import sessions as session_services

# The absences page lists uncovered sessions this far ahead, and absences that ended this long ago.
UNCOVERED_LOOKAHEAD = dt.timedelta(days=14)
RECENT_ABSENCES = dt.timedelta(days=30)


def _session_or_404(request, session_id) -> Session:
    session = found_or_404(selectors.session_get(organization=request.organization, session_id=session_id))
    # The selector filtered by the request's organization: reuse it rather than query it again.
    session.organization = request.organization
    return session


def _session_url(org_slug: str, session_id) -> str:
    return reverse("scheduling:session_detail", kwargs={"org_slug": org_slug, "session_id": session_id})


def _to_session(org_slug: str, session_id):
    return redirect(_session_url(org_slug, session_id))


def _is_open(session: Session) -> bool:
    """Whether the session can still be changed: scheduled, and not over yet."""
    return session.status == SessionStatus.SCHEDULED and session.ends_at > timezone.now()


def _person(staff_profile) -> str:
    return staff_profile.membership.user.get_full_name()


def _when(session: Session, organization) -> str:
    local = session.starts_at.astimezone(organization.tzinfo)
    return f"{date_short(local)} at {time_hm(local)}"


def _slot_text(slot: WeeklySlot) -> str:
    return f"{slot.get_weekday_display()} {time_hm(slot.start_time)}–{time_hm(slot.end_time)}"


def _current_slots(group, day: dt.date) -> list[WeeklySlot]:
    # From the prefetched slots: no query per group.
    return [s for s in group.slots.all() if s.is_effective_on(day)]


def _weekday_names(days) -> str:
    return ", ".join(Weekday(d).label for d in sorted(days)) or "—"


# --- Master schedule ---------------------------------------------------------------------------------


_URL_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class GridDay:
    date: dt.date
    is_today: bool


@dataclass(frozen=True)
class GridRow:
    """The sessions starting at one local time, one list per shown day."""

    start: dt.time
    cells: list[list[Session]]


def _session_card(session: Session, url_prefix: str, tz: dt.tzinfo) -> SafeString:
    """One session of the week grid, as HTML. Every state is spelled out in words, never shown by
    colour alone. Built here rather than by a template: a week holds hundreds of cards, and a
    template's lookups through each facilitator booking, its localised numbers and a `{% url %}`
    per card cost several times the query that loaded them."""
    modifier = ""
    if session.is_cancelled:
        modifier = " session-card--cancelled"
    elif not session.has_lead:  # type: ignore[attr-defined]  # a session_list annotation
        modifier = " session-card--uncovered"
    head = format_html(
        '<a class="session-card__group" href="{}{}/">{}</a> <span class="session-card__time">{}–{}</span>',
        url_prefix,
        session.pk,
        session.group.name,
        time_hm(session.starts_at, tz),
        time_hm(session.ends_at, tz),
    )
    if session.is_cancelled:
        body = mark_safe('<span class="tag tag--muted">Cancelled</span>')  # noqa: S308 - a constant
    else:
        bookings = session.facilitator_bookings  # type: ignore[attr-defined]  # a to_attr prefetch
        names = [(b.role, b.staff_profile.membership.user.get_full_name()) for b in bookings]
        booked, capacity = session.booked_count, session.capacity  # type: ignore[attr-defined]
        waiting = session.waitlist_count  # type: ignore[attr-defined]
        body = format_html(
            "{}{}{}{}{}",
            format_html_join(
                " ",
                '<span class="session-card__facilitator">{}</span>',
                ((n,) for r, n in names if r == FacilitatorRole.LEAD),
            ),
            format_html_join(
                " ",
                ' <span class="session-card__facilitator">{} (co)</span>',
                ((n,) for r, n in names if r == FacilitatorRole.CO),
            ),
            mark_safe("" if session.has_lead else ' <span class="tag tag--warning">Uncovered</span>'),  # type: ignore[attr-defined]  # noqa: S308
            format_html(
                ' <span class="session-card__fill"><span class="fill">{}/{}</span> booked{}</span>',
                booked,
                capacity,
                mark_safe(' <span class="tag">Full</span>' if booked >= capacity else ""),  # noqa: S308 - constants
            ),
            format_html(' <span class="session-card__waitlist">{} on the waitlist</span>', waiting) if waiting else "",
        )
    return format_html('<li class="session-card{}">{} {}</li>', modifier, head, body)


def _week_grid(sessions: list[Session], days: list[GridDay], organization) -> list[GridRow]:
    by_time: dict[dt.time, dict[dt.date, list[Session]]] = {}
    # Every session page's address but its id (the URL pattern ends with the id and a slash).
    url_prefix = reverse(
        "scheduling:session_detail", kwargs={"org_slug": organization.slug, "session_id": _URL_ID}
    ).removesuffix(f"{_URL_ID}/")
    for session in sessions:
        # Read by week.html; not a model field, so unknown to the stubs.
        session.card = _session_card(session, url_prefix, organization.tzinfo)  # type: ignore[attr-defined]
        local = session.starts_at.astimezone(organization.tzinfo)
        by_time.setdefault(local.time(), {}).setdefault(local.date(), []).append(session)
    return [GridRow(start=start, cells=[by_time[start].get(day.date, []) for day in days]) for start in sorted(by_time)]


def _shown_days(week_start: dt.date, sessions: list[Session], today: dt.date, organization) -> list[GridDay]:
    """The seven days of the week, less a Saturday or Sunday without sessions (most programs run
    Monday to Friday, and two empty columns would squeeze the five that matter)."""
    busy = {s.starts_at.astimezone(organization.tzinfo).date() for s in sessions}
    days = [week_start + dt.timedelta(days=i) for i in range(7)]
    return [GridDay(date=d, is_today=d == today) for d in days if d.weekday() < 5 or d in busy]


@org_page(permissions.SCHEDULE_VIEW)
def week(request, org_slug: str):
    """The week grid of every session: group, time, facilitator or "Uncovered", fill, waitlist."""
    organization = request.organization
    form = WeekFilterForm(request.GET or None, organization=organization)
    today = organization.local_today()
    week_start = week_start_for(organization, form.value("week") or today)
    program, facilitator = form.value("program"), form.value("facilitator")
    sessions = list(
        selectors.week_sessions(
            organization=organization,
            week_start=week_start,
            program_id=program.pk if program else None,
            facilitator_id=facilitator.pk if facilitator else None,
        )
    )
    days = _shown_days(week_start, sessions, today, organization)
    scheduled = [s for s in sessions if s.status == SessionStatus.SCHEDULED]
    # `has_lead` and `booked_count` are week_sessions' annotations, unknown to the stubs.
    uncovered_count = len([s for s in scheduled if not s.has_lead])  # type: ignore[attr-defined]
    full_count = len([s for s in scheduled if s.booked_count >= s.capacity])  # type: ignore[attr-defined]
    context = {
        "form": form,
        "errors": error_summary(form),
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=6),
        "previous_week": week_start - dt.timedelta(days=7),
        "next_week": week_start + dt.timedelta(days=7),
        "is_this_week": week_start == week_start_for(organization, today),
        "days": days,
        "rows": _week_grid(sessions, days, organization),
        "session_count": len(scheduled),
        "uncovered_count": uncovered_count,
        "full_count": full_count,
        "cancelled_count": len(sessions) - len(scheduled),
        "filtered": bool(program or facilitator),
    }
    return org_render(request, "scheduling/week.html", context, status=form_status(form))


# --- Session page ---------------------------------------------------------------------------------


def _offered_episodes(add_form: RosterAddForm) -> QuerySet[Episode]:
    queryset = cast(ModelChoiceField, add_form.fields["episode"]).queryset
    assert queryset is not None  # offer_placeable_episodes set it
    return queryset


def _live_roster(session: Session) -> list[RosterEntry]:
    # A to_attr prefetch of the session selectors, unknown to the stubs.
    return session.live_roster  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Waiting:
    place: int  # 1 = offered the next free seat
    entry: RosterEntry


@dataclass(frozen=True)
class Undo:
    """The client just taken off the session, offered back by the roster's "Undo" button."""

    entry: RosterEntry
    waitlisted: bool


# The "Undo" of a removal made without JavaScript, for the page the redirect lands on (server-side
# session, never the URL: the page names the client).
UNDO_SESSION_KEY = "iop.roster_undo"


def _undo_pop(request, session: Session) -> Undo | None:
    kept = request.session.pop(UNDO_SESSION_KEY, None)
    if not kept or kept.get("session") != str(session.pk):
        return None
    entry = selectors.removed_roster_entry(session=session, entry_id=kept["entry"])
    return Undo(entry=entry, waitlisted=kept["waitlisted"]) if entry is not None else None


def _roster_context(request, session: Session, *, add_form: RosterAddForm | None = None) -> dict:
    """What the roster region shows; records that its client names were read."""
    roster = _live_roster(session)
    can_place = membership_can(request.membership, permissions.PLACEMENT_MANAGE) and _is_open(session)
    if add_form is None and can_place:
        add_form = RosterAddForm(session=session, on_roster=[e.episode_id for e in roster])
    booked = selectors.roster_by_name(e for e in roster if e.status == RosterStatus.BOOKED)
    # The waitlist is shown by name too; each client's place is the order seats are offered in.
    queue = [e for e in roster if e.status == RosterStatus.WAITLISTED]  # by added_at (session_get)
    places = {e.pk: place for place, e in enumerate(queue, start=1)}
    waitlisted = [Waiting(place=places[e.pk], entry=e) for e in selectors.roster_by_name(queue)]
    # The roster and the "add a client" picker both name clients: both are reads of their records.
    offered = list(_offered_episodes(add_form).values_list("client_id", flat=True)) if add_form else []
    access_record(
        request=request,
        action=AccessAction.LIST,
        obj=session,
        object_ids=[e.episode.client_id for e in roster] + offered,
    )
    return {
        "session": session,
        "booked": booked,
        "waitlisted": waitlisted,
        "is_full": len(booked) >= session.capacity,
        "can_place": can_place,
        "add_form": add_form,
    }


def _session_page(request, session: Session):
    """The whole session page, with a refused form of it as it was typed (iop.common.form_state)."""
    state = form_state_take(request)
    is_open = _is_open(session)
    can_manage = membership_can(request.membership, permissions.SCHEDULE_MANAGE) and is_open
    refused_add = None
    if state.key == "roster":
        on_roster = [e.episode_id for e in _live_roster(session)]
        refused_add = state.form("roster", lambda data: RosterAddForm(data, session=session, on_roster=on_roster))
    context = _roster_context(request, session, add_form=refused_add)
    context["undo"] = _undo_pop(request, session) if context["can_place"] else None
    forms = {}
    if can_manage:
        forms = {
            "topic_form": state.form("topic", lambda data: SessionTopicForm(data, session=session)),
            "move_form": state.form("move", lambda data: SessionMoveForm(data, session=session)),
            "cancel_form": state.form("cancel", lambda data: SessionCancelForm(data, session=session)),
        }
    bookings = session.facilitator_bookings  # type: ignore[attr-defined]  # a to_attr prefetch
    context.update(
        forms,
        is_open=is_open,
        can_manage=can_manage,
        lead=next((b for b in bookings if b.role == FacilitatorRole.LEAD), None),
        co=next((b for b in bookings if b.role == FacilitatorRole.CO), None),
        suggestions=selectors.coverage_suggestions(session=session) if can_manage else [],
        errors=error_summary(*(f for f in (context["add_form"], *forms.values()) if f is not None)),
    )
    return org_render(request, "scheduling/session_detail.html", context, status=state.status)


def _roster_partial(
    request,
    session_id,
    *,
    add_form=None,
    message: str = "",
    notes=(),
    undo: Undo | None = None,
    problems: Sequence[ErrorLink] = (),
    status: int = 200,
):
    """The roster region alone, for htmx: the fill, both lists and the add form, read afresh."""
    session = _session_or_404(request, session_id)
    context = _roster_context(request, session, add_form=add_form)
    roster_errors = [*(error_summary(add_form) if add_form is not None else []), *problems]
    undo = undo if context["can_place"] else None
    context.update(message=message, notes=notes, undo=undo, roster_errors=roster_errors)
    return render(request, "scheduling/partials/roster.html", context, status=status)


@org_page(permissions.SCHEDULE_VIEW)
def session_detail(request, org_slug: str, session_id):
    return _session_page(request, _session_or_404(request, session_id))


@org_page(permissions.PLACEMENT_MANAGE)
def roster_add(request, org_slug: str, session_id):
    """Seat a client (or waitlist them when full, if asked). htmx gets the roster region back;
    without JavaScript the page reloads."""
    session = _session_or_404(request, session_id)
    if request.method != "POST":
        return _to_session(org_slug, session.pk)
    form = RosterAddForm(request.POST, session=session, on_roster=[e.episode_id for e in _live_roster(session)])
    if form.is_valid():
        try:
            entry = roster_services.roster_book(
                session=session,
                episode=form.cleaned_data["episode"],
                source=RosterSource.MANUAL,
                waitlist_if_full=form.cleaned_data["waitlist_if_full"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            # No client name: flash messages travel in a cookie.
            if entry.status == RosterStatus.WAITLISTED:
                message = "The session is full: the client was put on its waitlist."
            else:
                message = "The client was added to the roster."
            # Authorization limits warn, never refuse: the VA reads them with the confirmation.
            notes = hooks.placement_warnings(entry.episode, [session]) if entry.status == RosterStatus.BOOKED else []
            if request.htmx:
                return _roster_partial(request, session.pk, message=message, notes=notes)
            messages.success(request, message)
            for note in notes:
                messages.warning(request, note)
            return _to_session(org_slug, session.pk)
    if request.htmx:
        return _roster_partial(
            request,
            session.pk,
            add_form=form,
            message="The client was not added.",
            status=INVALID_FORM_STATUS,
        )
    return redirect_refused(request, _session_url(org_slug, session.pk), key="roster", form=form)


@org_page(permissions.PLACEMENT_MANAGE)
def roster_remove(request, org_slug: str, session_id, entry_id):
    """Take a client off the session or its waitlist; a freed seat goes to the waitlist at once."""
    session = _session_or_404(request, session_id)
    entry = found_or_404(next((e for e in _live_roster(session) if e.pk == entry_id), None))
    if request.method != "POST":
        return _to_session(org_slug, session.pk)
    was_waitlisted = entry.status == RosterStatus.WAITLISTED
    roster_services.roster_remove(entry=entry, actor=request.user, reason="Removed by staff")
    if was_waitlisted:
        message = "The client was taken off the waitlist."
    else:
        message = "The client was removed from the roster."
    # A removal is one click: the roster offers it back ("Undo") instead of asking first.
    if request.htmx:
        return _roster_partial(request, session.pk, message=message, undo=Undo(entry=entry, waitlisted=was_waitlisted))
    request.session[UNDO_SESSION_KEY] = {
        "session": str(session.pk),
        "entry": str(entry.pk),
        "waitlisted": was_waitlisted,
    }
    messages.success(request, message)
    return _to_session(org_slug, session.pk)


@org_page(permissions.PLACEMENT_MANAGE)
def roster_undo(request, org_slug: str, session_id, entry_id):
    """Put back the client just taken off the session ("Undo"): their seat if it is still free, or
    their place on the waitlist; refused, with the reason, when the seat has gone meanwhile."""
    session = _session_or_404(request, session_id)
    entry = found_or_404(selectors.removed_roster_entry(session=session, entry_id=entry_id))
    if request.method != "POST":
        return _to_session(org_slug, session.pk)
    try:
        restored = roster_services.roster_removal_undo(
            entry=entry, waitlisted=request.POST.get("to") == "waitlist", actor=request.user
        )
    except ApplicationError as exc:
        if request.htmx:
            return _roster_partial(
                request,
                session.pk,
                message="The client was not put back.",
                problems=[ErrorLink(text=exc.message)],
                status=INVALID_FORM_STATUS,
            )
        messages.error(request, exc.message)  # names the session, never the client
        return _to_session(org_slug, session.pk)
    if restored.status == RosterStatus.WAITLISTED:
        message = "The client is back on the waitlist, in their place."
    else:
        message = "The client is back on the roster."
    if request.htmx:
        return _roster_partial(request, session.pk, message=message)
    messages.success(request, message)
    return _to_session(org_slug, session.pk)


def _session_form_action(request, org_slug: str, session_id, *, key: str, form_class, perform, done: str):
    """A form of the session page posted to its own URL: on success back to the page with
    `done`; on a refusal back to the page too, the form as typed showing why."""
    session = _session_or_404(request, session_id)
    if request.method != "POST":
        return _to_session(org_slug, session.pk)
    form = form_class(request.POST, session=session)
    if form.is_valid():
        try:
            perform(session, form.cleaned_data)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, done)
            return _to_session(org_slug, session.pk)
    return redirect_refused(request, _session_url(org_slug, session.pk), key=key, form=form)


@org_page(permissions.SCHEDULE_MANAGE)
def session_topic(request, org_slug: str, session_id):
    return _session_form_action(
        request,
        org_slug,
        session_id,
        key="topic",
        form_class=SessionTopicForm,
        perform=lambda session, data: session_services.session_update_topic(session=session, topic=data["topic"]),
        done="The topic was saved.",
    )


@org_page(permissions.SCHEDULE_MANAGE)
def session_move(request, org_slug: str, session_id):
    return _session_form_action(
        request,
        org_slug,
        session_id,
        key="move",
        form_class=SessionMoveForm,
        perform=lambda session, data: session_services.session_move(session=session, actor=request.user, **data),
        done="The session was moved. Its clients and facilitators moved with it.",
    )


@org_page(permissions.SCHEDULE_MANAGE)
def session_cancel(request, org_slug: str, session_id):
    return _session_form_action(
        request,
        org_slug,
        session_id,
        key="cancel",
        form_class=SessionCancelForm,
        perform=lambda session, data: session_services.session_cancel(
            session=session, reason=data["reason"], actor=request.user
        ),
        done="The session was cancelled. Its clients will see it in their next reminder.",
    )


@org_page(permissions.SCHEDULE_MANAGE)
def session_facilitator_assign(request, org_slug: str, session_id):
    """One click from a coverage suggestion (session page or absences page), then back there."""
    session = _session_or_404(request, session_id)
    if request.method != "POST":
        return _to_session(org_slug, session.pk)
    form = FacilitatorAssignForm(request.POST, organization=request.organization)
    if not form.is_valid():
        messages.error(request, "Choose one of the suggested facilitators.")
        return _to_session(org_slug, session.pk)
    staff_profile, role = form.cleaned_data["staff_profile"], form.cleaned_data["role"]
    try:
        session_services.session_facilitator_assign(
            session=session, staff_profile=staff_profile, role=role, actor=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        what = "leads" if role == FacilitatorRole.LEAD else "co-facilitates"
        when = _when(session, request.organization)
        messages.success(request, f"{_person(staff_profile)} now {what} {session.group.name} on {when}.")
    if form.cleaned_data["back"] == "absences":
        return redirect("scheduling:absences", org_slug=org_slug)
    return _to_session(org_slug, session.pk)


# --- Facilitator absences and coverage --------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """An uncovered session and who could take it."""

    session: Session
    suggestions: list


def _coverage(sessions) -> list[Coverage]:
    # One query per uncovered session: a short list (the next two weeks), not a whole schedule.
    return [Coverage(session=s, suggestions=selectors.coverage_suggestions(session=s)) for s in sessions]


def _absences_page(request, form: AbsenceForm):
    organization = request.organization
    now = timezone.now()
    today = organization.local_today()
    absences = list(selectors.absence_list(organization=organization, since=today - RECENT_ABSENCES))
    recorded = next((a for a in absences if str(a.pk) == request.GET.get("absence")), None)
    affected = []
    if recorded is not None:
        first_day = organization.local_datetime(recorded.start_date, dt.time(0))
        day_after = recorded.end_date + dt.timedelta(days=1)
        after_last = organization.local_datetime(day_after, dt.time(0))
        affected = list(
            selectors.uncovered_sessions(organization=organization, start=max(now, first_day), end=after_last)
        )
    shown = {s.pk for s in affected}
    soon = selectors.uncovered_sessions(organization=organization, start=now, end=now + UNCOVERED_LOOKAHEAD)
    upcoming = [s for s in soon if s.pk not in shown]
    context = {
        "form": form,
        "errors": error_summary(form),
        "recorded": recorded,
        "affected": _coverage(affected),
        "uncovered": _coverage(upcoming),
        "lookahead_days": UNCOVERED_LOOKAHEAD.days,
        "current_absences": [a for a in absences if a.end_date >= today],
        "past_absences": [a for a in absences if a.end_date < today],
    }
    return org_render(request, "scheduling/absences.html", context, status=form_status(form))


@org_page(permissions.SCHEDULE_MANAGE)
def absences(request, org_slug: str):
    """Record a facilitator's absence, then cover the sessions it leaves without a facilitator."""
    form = AbsenceForm(request.POST if request.method == "POST" else None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            result = absence_services.facilitator_absence_record(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            count = len(result.uncovered)
            lost = f"{plural(count, 'session')} lost their facilitator." if count else "No sessions were affected."
            who = _person(form.cleaned_data["staff_profile"])
            messages.success(request, f"The absence of {who} was recorded. {lost}")
            url = reverse("scheduling:absences", kwargs={"org_slug": org_slug})
            return redirect(f"{url}?absence={result.absence.pk}")
    return _absences_page(request, form)


# --- Placement assistant -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupChoice:
    """One row of the assistant's table: a group of the program, its checkbox and the verdict."""

    checkbox: object
    group: object
    meets: list[str]
    weekly_hours: Decimal
    proposed: bool
    verdict: str
    full_dates: list[dt.date]


def _verdicts(proposal) -> dict:
    # group id → (proposed, why, the dates its sessions are full)
    verdicts: dict[object, tuple[bool, str, list[dt.date]]] = {}
    if proposal is None:
        return verdicts
    for option in proposal.options:
        verdicts[option.group.pk] = (True, "Proposed", option.full_dates)
    for option in proposal.alternatives:
        verdicts[option.group.pk] = (False, "Also fits the plan", option.full_dates)
    for group, reason in proposal.unsuitable:
        verdicts[group.pk] = (False, f"Not proposed: {reason}", [])
    return verdicts


def _group_choices(form: PlacementAcceptForm, proposal, start_date: dt.date) -> list[GroupChoice]:
    verdicts = _verdicts(proposal)
    rows = []
    for checkbox in form["groups"]:
        group = checkbox.data["value"].instance
        slots = _current_slots(group, start_date)
        if group.pk in verdicts:
            proposed, verdict, full_dates = verdicts[group.pk]
        elif not group.group_type.counts_toward_hours:
            proposed, verdict, full_dates = False, "Does not count toward therapy hours", []
        else:
            proposed, verdict, full_dates = False, "Not one of the plan's therapy tracks", []
        rows.append(
            GroupChoice(
                checkbox=checkbox,
                group=group,
                meets=[_slot_text(s) for s in slots] or ["No weekly times from that date"],
                weekly_hours=hours(sum(s.duration_minutes for s in slots)),
                proposed=proposed,
                verdict=verdict,
                full_dates=full_dates,
            )
        )
    return rows


def _placements_and_groups(organization, episode):
    """The episode's current placements, and the other groups of its program it could join."""
    placements = list(selectors.placement_list(organization=organization, episode_id=episode.pk, active_only=True))
    groups = (
        selectors.group_list(organization=organization)
        .filter(program_id=episode.program_id)
        .exclude(pk__in=[p.group_id for p in placements])
    )
    return placements, groups


def _proposal_warnings(episode, proposal, start_date: dt.date) -> list[str]:
    """What other apps warn about booking the client as proposed (e.g. beyond their authorization)."""
    if proposal is None or not proposal.options:
        return []
    sessions = Session.objects.filter(
        group__in=[o.group for o in proposal.options],
        status=SessionStatus.SCHEDULED,
        local_date__gte=start_date,
        starts_at__gt=timezone.now(),
    )
    return hooks.placement_warnings(episode, sessions)


def _assistant_page(request, episode, *, accept_form=None, status: int = 200):
    organization = request.organization
    state = form_state_take(request)  # a refused "End the placement" (posted to its own endpoint)
    placeable = episode.status in common_services.PLACEABLE_STATUSES
    today = organization.local_today()
    start_form = ProposalStartForm(request.GET or None, initial={"start": today})
    start_date = getattr(accept_form, "cleaned_data", {}).get("start_date") or start_form.start_date(default=today)
    placements, groups = _placements_and_groups(organization, episode)
    waits = {w.group.pk: w for w in selectors.episode_waitlists(organization=organization, episode_id=episode.pk)}
    proposal = (
        assistant.placement_proposal(
            episode=episode,
            start_date=start_date,
            waiting_group_ids={pk for pk, w in waits.items() if w.only_waiting},
        )
        if placeable
        else None
    )
    if accept_form is None and proposal is not None:  # there is a proposal when the episode is placeable
        accept_form = PlacementAcceptForm(
            groups=groups,
            initial={"groups": [o.group.pk for o in proposal.options], "start_date": start_date},
        )
    end_forms = [
        state.form(f"end-{p.pk}", partial(PlacementEndForm, placement=p, organization=organization)) for p in placements
    ]
    plan = getattr(episode, "treatment_plan", None)
    access_record(request=request, action=AccessAction.VIEW, obj=episode, client_id=episode.client_id)
    context = {
        "episode": episode,
        "client": episode.client,
        "plan": plan,
        "plan_tracks": [TherapyTrack(t).label for t in plan.tracks] if plan else [],
        "availability": list(plan.availability.all()) if plan else [],
        "placeable": placeable,
        "start_form": start_form,
        "start_date": start_date,
        "proposal": proposal,
        "proposal_days": _weekday_names(proposal.days) if proposal else "",
        "required_days": plan.required_days_per_week if plan else episode.program.default_min_days_per_week,
        "required_hours": plan.required_hours_per_week if plan else episode.program.default_min_weekly_hours,
        "accept_form": accept_form,
        "group_choices": _group_choices(accept_form, proposal, start_date) if accept_form is not None else [],
        "placement_warnings": _proposal_warnings(episode, proposal, start_date) if placeable else [],
        "placements": [(p, form, waits.get(p.group_id)) for p, form in zip(placements, end_forms, strict=True)],
        # Waitlisted by staff on a session's page, without a placement in the group.
        "waitlists_unplaced": [w for pk, w in waits.items() if pk not in {p.group_id for p in placements}],
        "errors": error_summary(*(f for f in (start_form, accept_form, *end_forms) if f is not None)),
    }
    return org_render(request, "scheduling/placement_assistant.html", context, status=max(status, state.status))


def _without(exc: ApplicationError, *keys: str) -> ApplicationError:
    """The refusal without data meant for programs (e.g. ISO `full_dates`: the message names them)."""
    exc.extra = {k: v for k, v in exc.extra.items() if k not in keys}
    return exc


def _accepted(results) -> str:
    booked = sum(len(r.booked) for r in results)
    waitlisted = sum(len(r.waitlisted) for r in results)
    text = f"Placed into {plural(len(results), 'group')}: {plural(booked, 'session')} booked"
    return text + (f", {waitlisted} on a waitlist." if waitlisted else ".")


@org_page(permissions.PLACEMENT_MANAGE)
def placement_assistant(request, org_slug: str, episode_id):
    """The proposal from the treatment plan and availability; the VA ticks groups and accepts."""
    episode = found_or_404(episode_get(organization=request.organization, episode_id=episode_id))
    if request.method != "POST":
        return _assistant_page(request, episode)
    _, groups = _placements_and_groups(request.organization, episode)
    form = PlacementAcceptForm(request.POST, groups=groups)
    if form.is_valid():
        try:
            results = placement_services.placements_accept(episode=episode, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            forms_add_application_error(_without(exc, "full_dates"), form)
        else:
            messages.success(request, _accepted(results))
            # Non-blocking: e.g. the placement books more days than the authorization has left.
            for text in hooks.placement_warnings(episode, [s for r in results for s in r.booked]):
                messages.warning(request, text)
            return redirect("clients:client_detail", org_slug=org_slug, client_id=episode.client_id)
    return _assistant_page(request, episode, accept_form=form, status=INVALID_FORM_STATUS)


@org_page(permissions.PLACEMENT_MANAGE)
def placement_end(request, org_slug: str, placement_id):
    placements = selectors.placement_list(organization=request.organization, active_only=True)
    placement = found_or_404(placements.filter(pk=placement_id).first())
    if request.method != "POST":
        return redirect("scheduling:placement_assistant", org_slug=org_slug, episode_id=placement.episode_id)
    form = PlacementEndForm(request.POST, placement=placement, organization=request.organization)
    if form.is_valid():
        end_date = form.cleaned_data["end_date"]
        removed = placement_services.placement_end(placement=placement, end_date=end_date, actor=request.user)
        messages.success(
            request,
            f"The placement in {placement.group.name} ends after {date_short(end_date)}: "
            f"{plural(removed, 'later session')} removed.",
        )
        return redirect("scheduling:placement_assistant", org_slug=org_slug, episode_id=placement.episode_id)
    page = reverse("scheduling:placement_assistant", kwargs={"org_slug": org_slug, "episode_id": placement.episode_id})
    return redirect_refused(request, page, key=form.prefix or "", form=form)


# --- Scheduling gaps and groups --------------------------------------------------------------------------


@org_page(permissions.PLACEMENT_MANAGE)
def gaps(request, org_slug: str):
    """Every active client short of their required hours or days this week or next, or unplaced."""
    found = selectors.scheduling_gaps(organization=request.organization)
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="clients.Client",
        object_ids=[gap.episode.client_id for gap in found],
    )
    return org_render(request, "scheduling/gaps.html", {"gaps": found})


@org_page(permissions.SCHEDULE_VIEW)
def groups(request, org_slug: str):
    """The groups and their weekly times (configured in Django admin by an org admin)."""
    today = request.organization.local_today()
    rows = [
        (group, [_slot_text(s) for s in _current_slots(group, today)])
        for group in selectors.group_list(organization=request.organization).order_by("program__name", "name")
    ]
    return org_render(request, "scheduling/groups.html", {"rows": rows})
