"""A couple's combined packet: one request per partner with joint goals, made ready and submitted
together or not at all."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    AuthorizationRequest,
    RequestPacket,
    RequestStatus,
    Urgency,
)
from authorizations.requests.selectors import open_episode_of, request_validate
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.editing import EDITABLE_STATUSES
from authorizations.requests.services.workflow import channel_check, request_submit_one
from iop.clients.models import Couple
from iop.common.exceptions import ApplicationError, refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

# --- Couples' packets ---------------------------------------------------------------------------------


@transaction.atomic
def packet_create(
    *,
    couple: Couple,
    coverages: dict,
    joint_goals: str = "",
    actor: User | None,
    start_date: dt.date | None = None,
    urgency: str = Urgency.STANDARD,
) -> RequestPacket:
    """A couple's combined packet: one draft request per partner, each on the partner's own open
    episode and own coverage (`coverages` maps each partner's client id to it), sharing the joint
    goals; the couples-therapy line goes on the identified patient's request only. Errors name
    `coverage_a` / `coverage_b` (the couple's `partner_a` / `partner_b`)."""
    if couple.ended_on is not None:
        refuse(
            "The couple has ended: start a packet for a current couple.",
            code=AuthorizationsErrorCode.COUPLE_ENDED,
            field="__all__",
        )
    partners = (("coverage_a", couple.partner_a), ("coverage_b", couple.partner_b))
    by_client = {str(k): v for k, v in coverages.items()}
    errors: dict[str, list[str]] = {}
    plan = []
    for key, partner in partners:
        coverage = by_client.get(str(partner.pk))
        episode = open_episode_of(partner)
        if episode is None:
            errors.setdefault(key, []).append(f"{partner.display_name} has no open episode of care.")
        if coverage is None:
            errors.setdefault(key, []).append(f"Choose {partner.display_name}'s coverage.")
        elif coverage.client_id != partner.pk:
            owner = couple.partner_of(partner) if coverage.client_id == couple.partner_of(partner).pk else None
            errors.setdefault(key, []).append(
                f"That coverage belongs to {owner.display_name if owner else 'another client'}: "
                f"{partner.display_name}'s request must be against their own coverage."
            )
        plan.append((key, partner, episode, coverage))
    if errors:
        refuse(
            "Each partner needs an open episode and their own coverage.",
            code=AuthorizationsErrorCode.INVALID_PACKET,
            extra=errors,
        )
    packet = RequestPacket.objects.create(
        organization_id=couple.organization_id, couple=couple, joint_goals=(joint_goals or "").strip(), created_by=actor
    )
    for key, partner, episode, coverage in plan:
        assert episode is not None and coverage is not None  # refused above otherwise
        try:
            request_create(
                episode=episode,
                coverage=coverage,
                actor=actor,
                start_date=start_date,
                urgency=urgency,
                packet=packet,
                couples_line=partner.pk == couple.identified_patient_id,
            )
        except ApplicationError as exc:
            # The partner's refusal keeps its rule (code) and message, shown on that partner's part
            # of the packet form.
            exc.extra = {
                key: [f"{partner.display_name}: {m}" for ms in exc.extra.values() for m in ms] or [exc.message]
            }
            raise
    return packet


@transaction.atomic
def packet_update(*, packet: RequestPacket, joint_goals: str, actor: User | None = None) -> RequestPacket:
    packet = RequestPacket.objects.select_for_update().get(pk=packet.pk)
    requests = list(packet.requests.all())
    if any(r.status not in EDITABLE_STATUSES for r in requests):
        refuse(
            "The packet was submitted: its goals can no longer change.",
            code=AuthorizationsErrorCode.NOT_EDITABLE,
            field="joint_goals",
        )
    packet.joint_goals = (joint_goals or "").strip()
    packet.save(update_fields=["joint_goals"])
    for request in requests:
        if request.status == RequestStatus.READY:
            request.status = RequestStatus.DRAFT
            request.save(update_fields=["status", "updated_at"])
    return packet


def _packet_requests(packet: RequestPacket) -> list[AuthorizationRequest]:
    requests = list(
        AuthorizationRequest.objects.select_for_update(of=("self",))
        .filter(packet=packet)
        .select_related("episode__client", "episode__treatment_plan", "coverage__payer", "packet", "organization")
        .order_by("episode__client__last_name", "episode__client__first_name", "pk")
    )
    return requests


@transaction.atomic
def packet_mark_ready(*, packet: RequestPacket, actor: User | None = None) -> list[AuthorizationRequest]:
    """Mark both partners' requests ready together, or neither (every partner's missing items)."""
    requests = _packet_requests(packet)
    problems = []
    for request in requests:
        name = request.episode.client.display_name
        if request.status not in EDITABLE_STATUSES:
            problems.append(f"{name}: the request is {request.get_status_display().lower()}.")
            continue
        problems.extend(f"{name}: {p}" for p in request_validate(request=request))
    if problems:
        refuse("The packet is not ready.", code=AuthorizationsErrorCode.INCOMPLETE, extra={"__all__": problems})
    for request in requests:
        request.status = RequestStatus.READY
        request.save(update_fields=["status", "updated_at"])
    return requests


@transaction.atomic
def packet_submit(
    *,
    packet: RequestPacket,
    channel: str,
    payer_references: dict | None = None,
    actor: User | None,
    submitted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[AuthorizationRequest]:
    """Submit both partners' requests in one transaction; both must be ready, else nothing is
    submitted and every partner's missing items are listed. `payer_references` maps a request id
    to the payer's reference number for it; `submitted_at` (default now) is when they went out."""
    channel_check(channel)
    requests = _packet_requests(packet)
    references = {str(k): v for k, v in (payer_references or {}).items()}
    problems = []
    for request in requests:
        name = request.episode.client.display_name
        missing = request_validate(request=request)
        if request.status != RequestStatus.READY:
            problems.append(f"{name}'s request is {request.get_status_display().lower()}, not ready.")
        problems.extend(f"{name}: {p}" for p in missing)
    if problems:
        refuse(
            "The packet was not submitted: both requests must be ready.",
            code=AuthorizationsErrorCode.NOT_READY,
            extra={"__all__": problems},
        )
    now = now or timezone.now()
    for request in requests:
        request_submit_one(
            request,
            channel=channel,
            payer_reference=references.get(str(request.pk), ""),
            actor=actor,
            now=now,
            submitted_at=submitted_at,
        )
    return requests
