"""The request packet as a PDF: a cover sheet, then for each request (one, or a couple's two) the
member and provider, the diagnoses, the itemized lines with units, sessions and projected cost and
their totals, the clinical justification and the list of attachments.

Rendered by `iop.common.pdf` (static-only fetcher, PDF/UA). File names carry the request's or
packet's id, never a client's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from authorizations.models import AuthorizationRequest, RequestPacket
from authorizations.requests.selectors import RequestView, request_views
from authorizations.requests.services.drafting import OTHER_COMPONENTS
from iop.common.pdf import pdf_render
from iop.tenancy.models import Organization

TEMPLATE = "pdf/request_packet.html"


@dataclass(frozen=True)
class PacketDocument:
    organization: Organization
    title: str
    views: list[RequestView]
    packet: RequestPacket | None
    generated_at: dt.datetime
    generated_by: str

    @property
    def total_cost(self) -> Decimal:
        return sum((v.totals.projected_cost for v in self.views), Decimal("0.00"))

    @property
    def lines_without_fee(self) -> int:
        return sum(v.totals.lines_without_fee for v in self.views)

    @property
    def payers(self) -> list[str]:
        return list(dict.fromkeys(v.request.coverage.payer.name for v in self.views))


def _document(*, organization, requests: list[AuthorizationRequest], packet, generated_by: str) -> PacketDocument:
    views = request_views(requests)
    for view in views:
        # Read by the packet template; not a model field, so unknown to the stubs.
        labels = [OTHER_COMPONENTS.get(c, c) for c in view.request.other_components]
        view.request.component_labels = labels  # type: ignore[attr-defined]
    title = "Couple's combined pre-authorization packet" if packet else "Pre-authorization request"
    return PacketDocument(
        organization=organization,
        title=title,
        views=views,
        packet=packet,
        generated_at=timezone.now(),
        generated_by=generated_by,
    )


def request_pdf(*, organization: Organization, request: AuthorizationRequest, generated_by: str) -> bytes:
    document = _document(organization=organization, requests=[request], packet=None, generated_by=generated_by)
    return pdf_render(template=TEMPLATE, context={"document": document, "organization": organization})


def packet_pdf(*, organization: Organization, packet: RequestPacket, generated_by: str) -> bytes:
    document = _document(
        organization=organization, requests=list(packet.requests.all()), packet=packet, generated_by=generated_by
    )
    return pdf_render(template=TEMPLATE, context={"document": document, "organization": organization})


def request_pdf_filename(request: AuthorizationRequest) -> str:
    return f"authorization-request-{str(request.pk)[:8]}.pdf"


def packet_pdf_filename(packet: RequestPacket) -> str:
    return f"authorization-packet-{str(packet.pk)[:8]}.pdf"
