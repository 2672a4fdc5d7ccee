"""The client page's insurance panel, so the clients app's view needs no change:
`{% load coverage_tags %}{% client_coverage_rows client as rows %}` — each coverage with its latest
benefit verification and whether that is due again, in two queries however many coverages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import template

from authorizations.models import BenefitVerification, Coverage
from authorizations.selectors_coverage import client_coverages, latest_verification
from authorizations.services_coverage import verification_stale_reason

register = template.Library()


@dataclass(frozen=True)
class CoverageRow:
    coverage: Coverage
    verification: BenefitVerification | None
    stale_reason: str  # "" when the verification is current
    state: str  # "current", "ended" or "future"


def _state(coverage: Coverage, today) -> str:
    if coverage.effective_to is not None and coverage.effective_to < today:
        return "ended"
    return "future" if coverage.effective_from > today else "current"


@register.simple_tag(takes_context=True)
def client_coverage_rows(context, client) -> list[CoverageRow]:
    """The client's coverages, primary first, each with its latest verification (two queries)."""
    organization = context.get("organization")
    if client is None or organization is None:
        return []
    today = organization.local_today()
    rows = []
    for coverage in client_coverages(organization=organization, client_id=client.pk):
        verification = latest_verification(coverage)
        reason = verification_stale_reason(verification, today, organization.tzinfo) if verification else ""
        rows.append(
            CoverageRow(
                coverage=coverage, verification=verification, stale_reason=reason, state=_state(coverage, today)
            )
        )
    return rows


@register.filter
def dollars(value) -> str:
    """`$1,500.00`; an em dash for no amount."""
    if value is None or value == "":
        return "—"
    return f"${Decimal(value):,.2f}"
