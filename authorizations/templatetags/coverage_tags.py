"""Template pieces for coverage pages: `{{ amount|dollars }}`, and
`{% verification_benefits verification as benefits %}` lays out an imported verification's
benefit lines (prefetched: no query) for the verification page: cost sharing per service types
with in-network and out-of-network side by side, and the coverage, authorization and limit rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import template

from authorizations.coverage import x12_codes
from authorizations.coverage.services.x12_import import RELEVANT_SERVICE_TYPES
from authorizations.models import Answer, BenefitLine, BenefitNetwork, BenefitVerification
from iop.common.dates import date_full

register = template.Library()


@register.filter
def dollars(value) -> str:
    """`$1,500.00`; an em dash for no amount."""
    if value is None or value == "":
        return "—"
    return f"${Decimal(value):,.2f}"


def _number(value: Decimal) -> str:
    """40 for 40.00, 12.5 for 12.50."""
    return format(value.normalize(), "f")


def _details(line: BenefitLine) -> list[str]:
    details = [line.coverage_level_label.lower()] if line.coverage_level else []
    if line.time_period:
        details.append(line.time_period_label.lower())
    if line.authorization_required == Answer.YES:
        details.append("authorization required")
    return details


def _cost_text(line: BenefitLine) -> str:
    """ "$1,500.00 (individual, calendar year)", "30% (individual, visit)"."""
    money = dollars(line.amount) if line.amount is not None else ""
    percent = f"{_number(line.percent)}%" if line.percent is not None else ""
    value = (percent or money) if line.benefit == "A" else (money or percent)
    if line.quantity is not None:
        value = f"{value} for {_number(line.quantity)} {line.quantity_qualifier_label.lower()}".strip()
    details = _details(line)
    text = value or "No amount stated"
    return f"{text} ({', '.join(details)})" if details else text


def _limit_text(line: BenefitLine) -> str:
    """ "40 visits, calendar year (1 Jan 2026 to 31 Dec 2026)"; "" without a quantity or amount."""
    parts = []
    if line.quantity is not None:
        parts.append(f"{_number(line.quantity)} {line.quantity_qualifier_label.lower()}".strip())
    if line.amount is not None:
        parts.append(dollars(line.amount))
    if not parts:
        return ""
    if line.time_period:
        parts.append(line.time_period_label.lower())
    text = ", ".join(parts)
    if line.period_start:
        end = f" to {date_full(line.period_end)}" if line.period_end and line.period_end != line.period_start else ""
        text += f" ({date_full(line.period_start)}{end})"
    return text


@dataclass(frozen=True)
class CostSharingRow:
    label: str  # Copay, Coinsurance, Deductible, Out-of-pocket maximum
    cells: tuple[tuple[str, ...], ...]  # one per column: the texts of the lines for that network


@dataclass(frozen=True)
class ServiceTypeGroup:
    service_types: tuple[str, ...]
    labels: tuple[str, ...]  # "Mental health (MH)", …
    rows: tuple[CostSharingRow, ...]


@dataclass(frozen=True)
class OtherBenefit:
    line: BenefitLine
    limit: str  # "" when the line states no quantity or amount


@dataclass(frozen=True)
class VerificationBenefits:
    columns: tuple[str, ...]  # network labels, in-network first
    cost_sharing: tuple[ServiceTypeGroup, ...]
    others: tuple[OtherBenefit, ...]

    def __bool__(self) -> bool:
        return bool(self.cost_sharing or self.others)


def _columns_of(line: BenefitLine) -> tuple[str, ...]:
    # W (either) is the same benefit in and out of network: it belongs in both columns.
    if line.network == BenefitNetwork.EITHER:
        return (BenefitNetwork.IN_NETWORK, BenefitNetwork.OUT_OF_NETWORK)
    return (line.network,)


@register.simple_tag
def verification_benefits(verification: BenefitVerification) -> VerificationBenefits:
    """The verification's benefit lines laid out: cost sharing (copay, coinsurance, deductible,
    out-of-pocket) per set of service types as the payer grouped them — mental-health,
    substance-use and plan-wide (30) ones first — with a column per network (and one for lines
    without a network, only when there are some); every other line (coverage, limitations,
    non-covered…) as a row of its own."""
    lines = list(verification.benefit_lines.all())
    costs = [line for line in lines if line.is_cost_sharing]
    columns = [BenefitNetwork.IN_NETWORK, BenefitNetwork.OUT_OF_NETWORK]
    if any(line.network == BenefitNetwork.NOT_STATED for line in costs):
        columns.append(BenefitNetwork.NOT_STATED)
    groups: dict[tuple[str, ...], list[BenefitLine]] = {}
    for line in costs:
        groups.setdefault(tuple(line.service_types), []).append(line)
    ordered = sorted(groups, key=lambda types: not set(types) & RELEVANT_SERVICE_TYPES)  # stable: file order kept
    cost_sharing = []
    for types in ordered:
        rows = []
        for code in x12_codes.COST_SHARING:
            mine = [line for line in groups[types] if line.benefit == code]
            if mine:
                cells = tuple(
                    tuple(_cost_text(line) for line in mine if column in _columns_of(line)) for column in columns
                )
                rows.append(CostSharingRow(label=x12_codes.BENEFIT_CODES[code], cells=cells))
        labels = tuple(x12_codes.service_type_label(code) for code in types) or ("Not stated",)
        cost_sharing.append(ServiceTypeGroup(service_types=types, labels=labels, rows=tuple(rows)))
    others = tuple(OtherBenefit(line=line, limit=_limit_text(line)) for line in lines if not line.is_cost_sharing)
    return VerificationBenefits(
        columns=tuple(BenefitNetwork(column).label for column in columns),
        cost_sharing=tuple(cost_sharing),
        others=others,
    )
