"""REST endpoints of the roll call: a session's roll call (read, and bulk upsert) and attendance
records (weekly hours and flags: attendance/hours/apis.py; alerts: attendance/patterns/apis.py).

Thin: validate with a serializer, call a service or selector, serialize. The roll call is saved
whole or not at all by `services.roll_call_save` (idempotent: lines equal to what is stored change
nothing); a refused line is a 400 `lines_refused` keyed `"<roster entry id>.<field>"`, naming each
refused line (`records.<n>`) and its client's id, and a roster entry that is not on the session
(another session's, another tenant's) is a 404 with nothing saved. Everything here names clients,
so every read writes an access event (channel "api").
"""

from __future__ import annotations

import uuid

from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet
from iop.common.exceptions import ApplicationError
from iop.tenancy import permissions as perms
from scheduling.models import Session

from ..errors import AttendanceErrorCode
from ..pagination import BySessionStartPagination
from . import selectors, services
from .filters import AttendanceRecordFilter
from .permissions import can_record_session
from .serializers import AttendanceRecordSerializer, RollCallSavedSerializer, RollCallSaveSerializer, RollCallSerializer


def _line_errors(data, errors) -> dict:
    """Line errors keyed like the roll-call service's, `"<roster entry id>.<field>"` (or
    `"records.<n>.<field>"` when the line has no usable roster entry); other errors as they are."""
    lines = errors.get("records")
    # Per-line errors come as a list (one item per line) or a dict by line index.
    if isinstance(lines, list):
        lines = dict(enumerate(lines))
    if not isinstance(lines, dict) or not all(isinstance(i, int) and isinstance(e, dict) for i, e in lines.items()):
        return errors
    raw = data.get("records") if isinstance(data, dict) else None
    flat = {key: value for key, value in errors.items() if key != "records"}
    for index, line_errors in sorted(lines.items()):
        item = raw[index] if isinstance(raw, list) and index < len(raw) else None
        prefix = f"records.{index}"
        if isinstance(item, dict) and "roster_entry" not in line_errors:
            try:
                prefix = str(uuid.UUID(str(item["roster_entry"])))
            except (KeyError, ValueError):
                pass
        for field, messages in line_errors.items():
            flat[f"{prefix}.{field}"] = messages
    return flat


def _roll_call_lines(data) -> list[services.RollCallLine]:
    serializer = RollCallSaveSerializer(data=data)
    if not serializer.is_valid():
        raise ValidationError(_line_errors(data, serializer.errors))
    return [
        services.RollCallLine(
            roster_entry_id=line["roster_entry_id"],
            status=line["status"],
            arrived_at=line["arrived_at"],
            departed_at=line["departed_at"],
            absence_reason=line["absence_reason"],
            note=line["note"],
        )
        for line in serializer.validated_data["records"]
    ]


class SessionAttendanceViewSet(TenantScopedViewSet):
    """`attendance/sessions/<session id>/`: GET the roll call; PUT (or POST) records or corrects
    some or all of its clients' attendance in one transaction. Recording needs the role's
    permission and, for a clinician, to be booked as one of the session's facilitators."""

    serializer_class = RollCallSerializer
    pagination_class = None
    required_actions = {"retrieve": perms.ATTENDANCE_VIEW, "*": perms.ATTENDANCE_RECORD}

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # POST is the same upsert as PUT (for clients that only send POST); the router maps only PUT.
        if actions and actions.get("put") == "update":
            actions = {**actions, "post": "update"}
        return super().as_view(actions, **initkwargs)

    def scoped_queryset(self):
        return Session.objects.filter(organization=self.organization)

    def _roll_call(self, found: Session) -> Session:
        session = selectors.roll_call_session(organization=self.organization, session_id=found.pk)
        assert session is not None  # `found` is this organization's session
        for entry in session.roll_call_entries:  # type: ignore[attr-defined]  # a to_attr prefetch
            record = getattr(entry, "attendance", None)
            if record is not None:  # already loaded: no query per record
                record.session, record.episode = session, entry.episode
        return session

    def _audit(self, request, session: Session, client_ids) -> None:
        access_record(request=request, action=AccessAction.LIST, obj=session, object_ids=client_ids, channel="api")

    def retrieve(self, request, *args, **kwargs):
        """Every client seated in the session (and anyone taken off it after being recorded), each
        with their attendance record or null."""
        session = self._roll_call(self.get_object())
        entries = session.roll_call_entries  # type: ignore[attr-defined]  # a to_attr prefetch
        self._audit(request, session, [entry.episode.client_id for entry in entries])
        return Response(self.get_serializer(session).data)

    @extend_schema(request=RollCallSaveSerializer, responses=RollCallSavedSerializer)
    def update(self, request, *args, **kwargs):
        """Bulk upsert: one line per client; clients left out are untouched. Sending the same lines
        again changes nothing (`unchanged`). Refused whole (400, errors keyed
        `"<roster entry id>.<field>"`) when any line is; a roster entry that is not on this
        session is a 404; nothing is saved either way."""
        session = self.get_object()
        if not can_record_session(self.membership, session):
            raise PermissionDenied("Only the session's facilitators, or staff who record any session, may record it.")
        lines = _roll_call_lines(request.data)
        try:
            result = services.roll_call_save(session=session, lines=lines, actor=request.user)
        except ApplicationError as exc:
            if exc.code == AttendanceErrorCode.ROSTER_ENTRY_NOT_ON_SESSION:
                raise NotFound(exc.message) from exc
            raise
        saved = selectors.record_list(organization=self.organization).filter(pk__in=[r.pk for r in result.records])
        by_entry = {record.roster_entry_id: record for record in saved}
        records = [by_entry[line.roster_entry_id] for line in lines]
        self._audit(request, session, [record.episode.client_id for record in records])
        answer = {
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
            "clamped": result.clamped,
            "records": records,
        }
        return Response(RollCallSavedSerializer(answer).data)


class AttendanceRecordViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Attendance records in session order; filter by session, episode, session dates, status."""

    serializer_class = AttendanceRecordSerializer
    filterset_class = AttendanceRecordFilter
    pagination_class = BySessionStartPagination
    audit_object_type = "attendance.AttendanceRecord"
    required_actions = {"*": perms.ATTENDANCE_VIEW}

    def scoped_queryset(self):
        return selectors.record_list(organization=self.organization).annotate(session_starts_at=F("session__starts_at"))

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)
