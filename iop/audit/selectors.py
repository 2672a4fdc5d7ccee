"""Reads of the audit trail."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from iop.tenancy.models import Organization

from .models import AccessEvent


def access_event_list(
    *,
    organization: Organization,
    client_id=None,
    actor_id: int | None = None,
    occurred_from: dt.datetime | None = None,
    occurred_before: dt.datetime | None = None,
) -> QuerySet[AccessEvent]:
    """Access events newest first. A client filter matches events about that client and list
    pages that showed them (their ids are in `object_ids`)."""
    qs = AccessEvent.objects.filter(organization=organization)
    if client_id:
        qs = qs.filter(Q(client_id=client_id) | Q(object_ids__contains=[str(client_id)]))
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if occurred_from:
        qs = qs.filter(occurred_at__gte=occurred_from)
    if occurred_before:
        qs = qs.filter(occurred_at__lt=occurred_before)
    return qs.select_related("actor").order_by("-occurred_at", "-id")
