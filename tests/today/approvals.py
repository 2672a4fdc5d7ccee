"""An authorization approved in full through the real request services, for the Today tests:
the request asks for one group session a day over the window, so approving that many units is an
approval in full (A1), whatever the window's length."""

from __future__ import annotations

import datetime as dt

from authorizations.models import Authorization
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.workflow import request_mark_ready, request_submit

from ..authorizations.requests.conftest import complete


def authorization_approved(episode, coverage, start: dt.date, *, days: int, number: str, actor) -> Authorization:
    """An authorization of `days` group sessions from `start`, approved in full through the request
    services (the request asks for one session a day over the window)."""
    request = request_create(episode=episode, coverage=coverage, actor=actor, start_date=start)
    request.end_date = start + dt.timedelta(days=days - 1)
    request.save(update_fields=["end_date"])
    request.lines.update(end_date=request.end_date, estimated_sessions=days)
    complete(request)
    request_mark_ready(request=request, actor=actor)
    request_submit(request=request, channel="portal", payer_reference="REF", actor=actor)
    group = request.lines.get(track="group")
    determination_record(
        request=request,
        action="A1",
        authorization_number=number,
        approved_code=group.code,
        approved_units=days * group.units,
        unit_type=group.unit_type,
        start_date=start,
        end_date=request.end_date,
        actor=actor,
    )
    return Authorization.objects.filter(number=number, episode=episode).latest("created_at")
