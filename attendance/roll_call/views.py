"""Roll-call pages: the roll call of a session, walk-ins and the missing-attendance worklist.

Pages that name clients write an access event. Objects are found through the organization's
selectors, so another tenant's id is a 404 like an unknown one. Every change goes through
`attendance.roll_call.services`; a refusal is shown next to the row and field it is about, and
nothing changes (the roll call is saved whole or not at all).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.models import Episode
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_state_take, redirect_refused
from iop.common.forms import ErrorLink, error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, found_or_404, org_page, org_render
from iop.common.text import plural
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can
from scheduling.models import SessionStatus

from ..errors import AttendanceErrorCode
from ..models import AttendanceStatus
from . import selectors, services
from .forms import ROW_FIELDS, SERVICE_FIELDS, RollCallRowForm, RowInputs, WalkInForm
from .permissions import can_record_session


def _roll_call_session(request, session_id):
    session = found_or_404(selectors.roll_call_session(organization=request.organization, session_id=session_id))
    session.organization = request.organization
    return session


def _can_record(request, session) -> bool:
    return (
        session.status == SessionStatus.SCHEDULED
        and session.starts_at <= timezone.now()
        and membership_can(request.membership, permissions.ATTENDANCE_RECORD)
        and can_record_session(request.membership, session)
    )


def _row_forms(session, entries, data=None) -> dict:
    return {
        entry.pk: RollCallRowForm(
            data,
            prefix=str(entry.pk),
            session=session,
            record=getattr(entry, "attendance", None),
            subject=entry.episode.client.display_name,
        )
        for entry in entries
    }


def _row_inputs(session, rows, forms=None) -> dict:
    """Each row's inputs: as recorded, or as posted (`forms`, a refused roll call: the rows it sent)."""
    if forms:
        return {pk: RowInputs.posted(form) for pk, form in forms.items()}
    return {row.entry.pk: RowInputs.recorded(str(row.entry.pk), session=session, record=row.record) for row in rows}


def _offered_episodes(walk_in_form: WalkInForm) -> QuerySet[Episode]:
    queryset = cast(ModelChoiceField, walk_in_form.fields["episode"]).queryset
    assert queryset is not None  # offer_placeable_episodes set it
    return queryset


def _roll_call_page(request, session, *, forms=None, errors=None, status: int = 200):
    state = form_state_take(request)  # a refused walk-in, posted to its own endpoint
    rows = selectors.roll_call_rows(organization=request.organization, session=session)
    can_record = _can_record(request, session)
    inputs = _row_inputs(session, rows, forms) if forms or can_record else {}
    on_roster = [row.entry.episode_id for row in rows]
    walk_in_form = None
    if can_record:
        walk_in_form = state.form("walk_in", lambda data: WalkInForm(data, session=session, on_roster=on_roster))
    offered = list(_offered_episodes(walk_in_form).values_list("client_id", flat=True)) if walk_in_form else []
    access_record(
        request=request,
        action=AccessAction.LIST,
        obj=session,
        object_ids=[row.entry.episode.client_id for row in rows] + offered,
    )
    recorded = sum(1 for row in rows if row.record is not None)
    context = {
        "session": session,
        "rows": [(row, inputs.get(row.entry.pk)) for row in rows],
        "row_fields": ROW_FIELDS,
        "recorded": recorded,
        "pending": len(rows) - recorded,
        "can_record": can_record,
        "has_started": session.starts_at <= timezone.now(),
        "walk_in_form": walk_in_form,
        "history": list(selectors.record_history(session=session)[:50]),
        "statuses": AttendanceStatus,
        "errors": errors
        if errors is not None
        else error_summary(*(forms or {}).values(), *filter(None, [walk_in_form])),
    }
    return org_render(request, "attendance/roll_call.html", context, status=max(status, state.status))


@org_page(permissions.ATTENDANCE_VIEW)
def roll_call(request, org_slug: str, session_id):
    """Every seated client with one-tap status, times defaulting to the session's, reason and
    note; saved together. "Everyone else present" records the rows left blank as present."""
    session = _roll_call_session(request, session_id)
    if request.method != "POST":
        return _roll_call_page(request, session)
    if not _can_record(request, session):
        raise PermissionDenied
    # The roster as prefetched with the session: the weeks are read again after the save anyway.
    by_entry = {str(entry.pk): entry for entry in session.roll_call_entries}
    posted = request.POST.getlist("entry")
    if any(entry_id not in by_entry for entry_id in posted):
        # A roster entry of another session or tenant: not found, and nothing is saved.
        raise Http404("Not found")
    forms = _row_forms(session, [by_entry[e] for e in posted], request.POST)
    if not all([form.is_valid() for form in forms.values()]):
        return _roll_call_page(request, session, forms=forms, status=INVALID_FORM_STATUS)
    default = AttendanceStatus.PRESENT if request.POST.get("action") == "everyone_present" else ""
    lines = [line for pk, form in forms.items() if (line := form.line(pk, default_status=default))]
    if not lines:
        nothing_chosen = [ErrorLink(text="Choose an attendance status for at least one client.")]
        return _roll_call_page(request, session, forms=forms, errors=nothing_chosen, status=INVALID_FORM_STATUS)
    try:
        result = services.roll_call_save(session=session, lines=lines, actor=request.user)
    except ApplicationError as exc:
        if exc.code == AttendanceErrorCode.ROSTER_ENTRY_NOT_ON_SESSION:
            raise Http404("Not found") from exc
        errors = _errors_on_rows(exc, forms)
        return _roll_call_page(request, session, forms=forms, errors=errors, status=INVALID_FORM_STATUS)
    messages.success(request, _saved_message(result))
    return redirect("attendance:roll_call", org_slug=org_slug, session_id=session.pk)


def _errors_on_rows(exc: ApplicationError, forms: dict) -> list[ErrorLink] | None:
    """A refusal's row errors on their rows (the summary then names each row's client), or, for
    one about the whole roll call, the summary to show instead."""
    by_id = {str(pk): form for pk, form in forms.items()}
    placed = False
    for key, messages_ in exc.extra.items():
        entry_id, _, field = key.partition(".")
        form = by_id.get(entry_id)
        if form is None:
            continue
        for message in messages_:
            form.add_error(SERVICE_FIELDS.get(field), message)
            placed = True
    return None if placed else [ErrorLink(text=exc.message)]


def _saved_message(result) -> str:
    parts = []
    if result.created:
        parts.append(f"{plural(len(result.created), 'client')} recorded")
    if result.updated:
        parts.append(f"{plural(len(result.updated), 'record')} corrected")
    text = "Attendance saved: " + ", ".join(parts) + "." if parts else "Nothing had changed."
    if result.clamped:
        text += f" {plural(len(result.clamped), 'time')} outside the session counted from the session's start or end."
    if result.flags:
        text += f" {plural(len(result.flags), 'client')} flagged on the hours-at-risk worklist."
    if result.alerts:
        text += f" {plural(len(result.alerts), 'absence alert')} raised for the clinical team."
    return text


@org_page(permissions.ATTENDANCE_RECORD)
def walk_in(request, org_slug: str, session_id):
    """Add a client who joined without being on the roster (with the reason), then mark them."""
    session = _roll_call_session(request, session_id)
    if request.method != "POST":
        return redirect("attendance:roll_call", org_slug=org_slug, session_id=session.pk)
    if not _can_record(request, session):
        raise PermissionDenied
    on_roster = [e.episode_id for e in session.roll_call_entries]
    form = WalkInForm(request.POST, session=session, on_roster=on_roster)
    if form.is_valid():
        try:
            services.roll_call_walk_in(
                session=session,
                episode=form.cleaned_data["episode"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The client was added to the roster: record their attendance below.")
            return redirect("attendance:roll_call", org_slug=org_slug, session_id=session.pk)
    page = reverse("attendance:roll_call", kwargs={"org_slug": org_slug, "session_id": session.pk})
    return redirect_refused(request, page, key="walk_in", form=form)


@org_page(permissions.ATTENDANCE_VIEW)
def missing(request, org_slug: str):
    """Ended sessions (last four weeks) where a seated client has no attendance yet, oldest first."""
    sessions = list(selectors.sessions_missing_attendance(organization=request.organization))
    context = {"sessions": sessions, "lookback_days": selectors.MISSING_LOOKBACK.days}
    return org_render(request, "attendance/missing.html", context)
