"""Reads for pre-authorization requests and packets. Each selector owns its joins, so a request
page costs the same number of queries with 2 lines as with 20, and a list the same for 5 rows as
for 500."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from authorizations.coverage.selectors import latest_verifications_by_coverage
from authorizations.models import (
    AuthorizationRequest,
    Determination,
    PayerRule,
    RequestAttachment,
    RequestPacket,
)
from authorizations.requests.services import RequestCheck, Totals, request_check, request_totals
from iop.clients.models import Client, Couple
from iop.tenancy.models import Organization


def _requests() -> QuerySet[AuthorizationRequest]:
    return AuthorizationRequest.objects.select_related(
        "organization",
        "episode__client",
        "episode__program",
        "episode__treatment_plan",
        "coverage__payer",
        "coverage__plan",
        "packet__couple",
        "created_by",
        "submitted_by",
    ).prefetch_related(
        "diagnoses",
        "lines",
        Prefetch("attachments", queryset=RequestAttachment.objects.select_related("uploaded_by")),
        Prefetch(
            "determinations",
            queryset=Determination.objects.select_related("recorded_by", "authorization").order_by("-decided_at"),
        ),
    )


def request_list(*, organization: Organization, status: str = "", client_id=None) -> QuerySet[AuthorizationRequest]:
    """Requests with everything the API shows of them (diagnoses, lines, determinations)."""
    qs = _requests().filter(organization=organization)
    if status:
        qs = qs.filter(status=status)
    if client_id:
        qs = qs.filter(episode__client_id=client_id)
    return qs


def request_get(*, organization: Organization, request_id) -> AuthorizationRequest | None:
    return _requests().filter(organization=organization, pk=request_id).first()


def _packets() -> QuerySet[RequestPacket]:
    return RequestPacket.objects.select_related(
        "couple__partner_a", "couple__partner_b", "couple__identified_patient", "created_by"
    ).prefetch_related(
        Prefetch(
            "requests",
            queryset=_requests().order_by("episode__client__last_name", "episode__client__first_name", "pk"),
        )
    )


def packet_list(*, organization: Organization) -> QuerySet[RequestPacket]:
    return _packets().filter(organization=organization)


def packet_get(*, organization: Organization, packet_id) -> RequestPacket | None:
    return _packets().filter(organization=organization, pk=packet_id).first()


def determination_list(*, organization: Organization) -> QuerySet[Determination]:
    return Determination.objects.filter(organization=organization).select_related(
        "request__episode", "recorded_by", "authorization"
    )


@dataclass(frozen=True)
class RequestView:
    """A request with what its page shows: the checks and the totals."""

    request: AuthorizationRequest
    check: RequestCheck
    totals: Totals

    @property
    def client(self) -> Client:
        return self.request.episode.client


def request_views(requests: list[AuthorizationRequest]) -> list[RequestView]:
    """The requests (loaded by `request_get`/`packet_get`) with their checks: three queries for any
    number of them (payer rules, latest verifications, open couples)."""
    if not requests:
        return []
    payer_ids = {r.coverage.payer_id for r in requests}
    rules_by_payer = defaultdict(list)
    for rule in PayerRule.objects.filter(payer_id__in=payer_ids):
        rules_by_payer[rule.payer_id].append(rule)
    latest = latest_verifications_by_coverage({r.coverage_id for r in requests})
    client_ids = {r.episode.client_id for r in requests}
    couples = {}
    for couple in Couple.objects.filter(
        Q(partner_a_id__in=client_ids) | Q(partner_b_id__in=client_ids), ended_on__isnull=True
    ):
        couples[couple.partner_a_id] = couple
        couples[couple.partner_b_id] = couple
    views = []
    for request in requests:
        check = request_check(
            request=request,
            rules=rules_by_payer[request.coverage.payer_id],
            verification=latest.get(request.coverage_id),
            couple=couples.get(request.episode.client_id),
        )
        views.append(RequestView(request=request, check=check, totals=request_totals(list(request.lines.all()))))
    return views


def client_requests(*, client: Client) -> list[AuthorizationRequest]:
    """A client's requests, newest first, for the client page (one query)."""
    return list(
        AuthorizationRequest.objects.filter(episode__client=client)
        .select_related("coverage__payer", "packet")
        .order_by("-created_at")
    )
