"""The documents of a disclosure, rendered by `iop.common.pdf` (static-only fetcher, PDF/UA):

- the records packet for the receiving provider: the 42 CFR 2.32 notice on every page and at the
  top, the consent's scope (what, to whom, for what, until when, revocable), then only the
  sections of the information kinds sent;
- the accounting of disclosures the client can be given.

Templates escape every value (no `|safe`). File names carry ids, never a client's name.
"""

from __future__ import annotations

from iop.common.pdf import RenderedPdf, pdf_document

from .selectors import AccountingData, PacketData

PACKET_TEMPLATE = "pdf/discharge/records_packet.html"
ACCOUNTING_TEMPLATE = "pdf/discharge/accounting.html"

# 42 CFR 2.32(a)(2), Statement 2, verbatim (the short form allowed since the 2024 final rule; the
# long form, Statement 1, may replace it only copied exactly from the eCFR text).
PART2_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


def records_packet_document(*, data: PacketData, prepared_by: str) -> RenderedPdf:
    context = {"packet": data, "organization": data.organization, "prepared_by": prepared_by, "notice": PART2_NOTICE}
    if data.attendance is not None:
        context["report"] = data.attendance
    return pdf_document(template=PACKET_TEMPLATE, context=context)


def disclosure_filename(disclosure_id) -> str:
    return f"records-{str(disclosure_id)[:8]}.pdf"


def accounting_document(*, data: AccountingData, prepared_by: str) -> RenderedPdf:
    context = {"accounting": data, "organization": data.organization, "prepared_by": prepared_by}
    return pdf_document(template=ACCOUNTING_TEMPLATE, context=context)
