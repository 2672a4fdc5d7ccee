"""The review packet as one PDF: member and authorization, the units asked for, the attendance of
the review window (the attendance report's own numbers), hours against the payer's minimum,
diagnoses, goals and progress, risk, medications, scores and the discharge plan.

Rendered by `iop.common.pdf` (static-only fetcher, PDF/UA): every PDF of the application gets the
same hardening. The template escapes every value (no `|safe`). File names carry the review's id,
never a client's name.
"""

from __future__ import annotations

from iop.common.pdf import RenderedPdf, pdf_document

from .selectors import PacketData

TEMPLATE = "pdf/review_packet.html"


def review_packet_document(*, data: PacketData, prepared_by: str) -> RenderedPdf:
    """The packet rendered (content and page count); `prepared_by` is printed on it."""
    context = {"packet": data, "report": data.attendance, "organization": data.organization, "prepared_by": prepared_by}
    return pdf_document(template=TEMPLATE, context=context)


def review_packet_filename(review_id) -> str:
    return f"review-packet-{str(review_id)[:8]}.pdf"
