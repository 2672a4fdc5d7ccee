"""Writes for coverage and benefit verification: a client's coverages, verifications recorded by
hand (portal, phone) or imported from an X12 271 eligibility response, and when a verification is
due again.

Every write is one transaction and refuses with an `ApplicationError` whose `extra` names the
field at fault; a refused write saves nothing. A 271 is refused whole — malformed, a payer
rejection (AAA) that blocks the member, another member's file, or no mental-health / substance-use
benefits in it — and when accepted its raw text is kept on the verification (with any AAA that did
not block it noted).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.clients.models import Client
from iop.common.exceptions import ApplicationError
from iop.common.services import model_update, validated_save

from . import x12
from .models import (
    Answer,
    BenefitVerification,
    Coverage,
    CoveragePriority,
    NetworkStatus,
    Payer,
    PayerPlan,
    SubscriberRelationship,
    VerificationMethod,
)

COVERAGE_EDITABLE_FIELDS = [
    "payer",
    "plan",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relationship",
    "subscriber_date_of_birth",
    "priority",
    "effective_from",
    "effective_to",
]

# A verification older than this is due again (as is one from before a plan-year start).
STALE_AFTER_DAYS = 30
# The largest 271 accepted (a single member's response is a few kilobytes).
MAX_271_CHARS = 1_000_000

# Service types (EB03) whose benefits a verification reads (domain.md §3.1): mental health and
# psychiatric outpatient, with the plan's generic coverage (30) as the fallback; substance abuse.
GENERIC_SERVICE_TYPE = "30"
MENTAL_HEALTH_SERVICE_TYPES = frozenset({"MH", "A8", "CH", "A6", GENERIC_SERVICE_TYPE})
SUBSTANCE_USE_SERVICE_TYPES = frozenset({"AI", "AJ", "AK", "CJ"})
RELEVANT_SERVICE_TYPES = MENTAL_HEALTH_SERVICE_TYPES | SUBSTANCE_USE_SERVICE_TYPES

# EB01 codes.
EB_ACTIVE = "1"
EB_NOT_COVERED = frozenset({"6", "I"})  # inactive; non-covered
EB_COINSURANCE, EB_COPAY, EB_DEDUCTIBLE, EB_LIMITATIONS, EB_OUT_OF_POCKET = "A", "B", "C", "F", "G"
# EB06 time periods: the whole amount for a period, what is left of it, and what was used so far.
PERIOD_REMAINING = frozenset({"29", "33"})  # remaining; lifetime remaining
PERIOD_USED = frozenset({"24"})  # year to date
# EB09 quantity qualifiers.
QUANTITY_VISITS, QUANTITY_DAYS = "VS", "DY"

_CENT = Decimal("0.01")


# --- Coverage -------------------------------------------------------------------------------------


def _refuse(message: str, field: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, extra={field: [message]})


def _check_coverage(*, client: Client, values: dict[str, Any], exclude_pk=None, current_payer_id=None) -> None:
    payer: Payer | None = values.get("payer")
    plan: PayerPlan | None = values.get("plan")
    if payer is None or payer.organization_id != client.organization_id:
        raise _refuse("Choose one of your payers.", "payer")
    if not payer.is_active and payer.pk != current_payer_id:
        raise _refuse(f"{payer.name} is no longer an active payer.", "payer")
    if plan is not None:
        if plan.organization_id != client.organization_id or plan.payer_id != payer.pk:
            raise _refuse(f"Choose a plan of {payer.name}, or no plan.", "plan")
    if not (values.get("member_id") or "").strip():
        raise _refuse("Enter the member id from the insurance card.", "member_id")
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is None:
        raise _refuse("Enter the date the coverage starts.", "effective_from")
    if end is not None and end < start:
        raise _refuse("The coverage cannot end before it starts.", "effective_to")
    born = values.get("subscriber_date_of_birth")
    if born is not None and born > client.organization.local_today():
        raise _refuse("The subscriber's date of birth cannot be in the future.", "subscriber_date_of_birth")
    if values.get("subscriber_relationship") not in SubscriberRelationship.values:
        raise _refuse("Choose the client's relationship to the subscriber.", "subscriber_relationship")
    priority = values.get("priority")
    if priority not in CoveragePriority.values:
        raise _refuse("Choose primary or secondary.", "priority")
    clashes = Coverage.objects.filter(client_id=client.pk, priority=priority).exclude(pk=exclude_pk)
    if end is not None:
        clashes = clashes.filter(effective_from__lte=end)
    clash = clashes.exclude(effective_to__lt=start).select_related("payer").first()
    if clash is not None:
        label = CoveragePriority(priority).label.lower()
        until = f" to {clash.effective_to:%d %b %Y}" if clash.effective_to else ""
        raise ApplicationError(
            f"The client already has a {label} coverage for these dates ({clash.payer.name} from "
            f"{clash.effective_from:%d %b %Y}{until}): give that one an end date first, or change the priority.",
            code="coverage_overlap",
            extra={"priority": [f"Another {label} coverage covers these dates."]},
        )


def _lock_client(client: Client) -> None:
    # One coverage change per client at a time, so two overlapping primaries cannot both pass.
    list(Client.objects.filter(pk=client.pk).select_for_update(no_key=True).values_list("pk", flat=True))


def _clean_text(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


@transaction.atomic
def coverage_create(
    *,
    client: Client,
    payer: Payer,
    member_id: str,
    effective_from: dt.date,
    plan: PayerPlan | None = None,
    group_number: str = "",
    subscriber_name: str = "",
    subscriber_relationship: str = SubscriberRelationship.SELF,
    subscriber_date_of_birth: dt.date | None = None,
    priority: str = CoveragePriority.PRIMARY,
    effective_to: dt.date | None = None,
    actor=None,
) -> Coverage:
    """A coverage of the client. Refused: a payer or plan of another organization, a plan of
    another payer, an inactive payer, an end before the start, and a second coverage of the same
    priority (primary, secondary) for overlapping dates."""
    values = _clean_text(
        {
            "payer": payer,
            "plan": plan,
            "member_id": member_id,
            "group_number": group_number,
            "subscriber_name": subscriber_name,
            "subscriber_relationship": subscriber_relationship,
            "subscriber_date_of_birth": subscriber_date_of_birth,
            "priority": priority,
            "effective_from": effective_from,
            "effective_to": effective_to,
        }
    )
    _lock_client(client)
    _check_coverage(client=client, values=values)
    coverage = Coverage(organization_id=client.organization_id, client=client, **values)
    return validated_save(coverage, invalid="Check the coverage.")


@transaction.atomic
def coverage_update(*, coverage: Coverage, data: dict[str, Any], actor=None) -> Coverage:
    """Change the listed fields present in `data` (the client of a coverage never changes), with
    the same checks as `coverage_create`; a payer that has since been deactivated may stay."""
    client = coverage.client
    _lock_client(client)
    data = _clean_text({k: v for k, v in data.items() if k in COVERAGE_EDITABLE_FIELDS})
    values = {name: data.get(name, getattr(coverage, name)) for name in COVERAGE_EDITABLE_FIELDS}
    _check_coverage(client=client, values=values, exclude_pk=coverage.pk, current_payer_id=coverage.payer_id)
    coverage, _ = model_update(instance=coverage, fields=COVERAGE_EDITABLE_FIELDS, data=data)
    return coverage


# --- Verification by hand --------------------------------------------------------------------------


def _check_amounts(values: dict[str, Any]) -> None:
    for name, label in (
        ("deductible", "The deductible"),
        ("deductible_met", "The deductible met"),
        ("out_of_pocket_max", "The out-of-pocket maximum"),
        ("out_of_pocket_met", "The out-of-pocket met"),
        ("copay", "The copay"),
        ("coinsurance_percent", "The coinsurance"),
    ):
        value = values.get(name)
        if value is not None and value < 0:
            raise _refuse(f"{label} cannot be negative.", name)
    for total, met, label in (
        ("deductible", "deductible_met", "deductible"),
        ("out_of_pocket_max", "out_of_pocket_met", "out-of-pocket maximum"),
    ):
        if values.get(total) is not None and values.get(met) is not None and values[met] > values[total]:
            raise _refuse(f"The amount met cannot be more than the {label}.", met)
    coinsurance = values.get("coinsurance_percent")
    if coinsurance is not None and coinsurance > 100:
        raise _refuse("The coinsurance is a percentage from 0 to 100.", "coinsurance_percent")
    for name in ("visit_limit", "day_limit"):
        if values.get(name) is not None and values[name] < 0:
            raise _refuse("A limit cannot be negative.", name)
    for name, choices in (
        ("network_status", NetworkStatus.values),
        ("mental_health_iop", Answer.values),
        ("substance_use_iop", Answer.values),
        ("authorization_required", Answer.values),
        ("method", VerificationMethod.values),
    ):
        if name in values and values[name] not in choices:
            raise _refuse("Choose one of the options.", name)


def _verification_save(values: dict[str, Any]) -> BenefitVerification:
    verification = BenefitVerification(**values)
    try:
        # The coverage is the caller's (already found in the tenant); a job may record without a user.
        verification.full_clean(exclude=["coverage", "verified_by"])
    except ValidationError as exc:
        extra = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise ApplicationError("Check the verification.", extra=extra) from exc
    verification.save()
    return verification


@transaction.atomic
def verification_record(
    *,
    coverage: Coverage,
    actor,
    method: str,
    verified_at: dt.datetime | None = None,
    reference_number: str = "",
    network_status: str = NetworkStatus.UNKNOWN,
    mental_health_iop: str = Answer.UNKNOWN,
    substance_use_iop: str = Answer.UNKNOWN,
    deductible: Decimal | None = None,
    deductible_met: Decimal | None = None,
    out_of_pocket_max: Decimal | None = None,
    out_of_pocket_met: Decimal | None = None,
    copay: Decimal | None = None,
    coinsurance_percent: Decimal | None = None,
    authorization_required: str = Answer.UNKNOWN,
    visit_limit: int | None = None,
    day_limit: int | None = None,
    plan_year_start: dt.date | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> BenefitVerification:
    """A verification done on the payer's portal or by phone (who, when, how, the reference
    number and what the payer said). Refused: a time in the future, negative amounts, an amount
    met above its total, a coinsurance above 100 %."""
    now = now or timezone.now()
    verified_at = verified_at or now
    if verified_at > now + dt.timedelta(minutes=5):
        raise _refuse("The verification cannot be in the future.", "verified_at")
    values = {
        "organization_id": coverage.organization_id,
        "coverage": coverage,
        "verified_by": actor if getattr(actor, "pk", None) else None,
        "verified_at": verified_at,
        "method": method,
        "reference_number": (reference_number or "").strip(),
        "network_status": network_status,
        "mental_health_iop": mental_health_iop,
        "substance_use_iop": substance_use_iop,
        "deductible": deductible,
        "deductible_met": deductible_met,
        "out_of_pocket_max": out_of_pocket_max,
        "out_of_pocket_met": out_of_pocket_met,
        "copay": copay,
        "coinsurance_percent": coinsurance_percent,
        "authorization_required": authorization_required,
        "visit_limit": visit_limit,
        "day_limit": day_limit,
        "plan_year_start": plan_year_start,
        "notes": (notes or "").strip(),
    }
    _check_amounts(values)
    return _verification_save(values)


# --- Verification from an X12 271 -------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitSummary:
    """What a 271's benefits say about IOP, as a verification stores it."""

    network_status: str
    mental_health_iop: str
    substance_use_iop: str
    authorization_required: str
    deductible: Decimal | None
    deductible_met: Decimal | None
    out_of_pocket_max: Decimal | None
    out_of_pocket_met: Decimal | None
    copay: Decimal | None
    coinsurance_percent: Decimal | None
    visit_limit: int | None
    day_limit: int | None
    plan_year_start: dt.date | None
    messages: tuple[str, ...]


def _normalized_member_id(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def _types(benefit: x12.Benefit) -> set[str]:
    return set(benefit.service_types)


def _coverage_answer(rows: Iterable[x12.Benefit]) -> str | None:
    codes = {b.eb01 for b in rows}
    if EB_ACTIVE in codes:
        return Answer.YES
    if codes & EB_NOT_COVERED:
        return Answer.NO
    return None


def _flag(rows: Iterable[x12.Benefit], attribute: str) -> str:
    """ "Y" if any row says yes, else "N" if any says no, else ""."""
    values = {getattr(b, attribute).upper() for b in rows}
    return "Y" if "Y" in values else "N" if "N" in values else ""


def _usable(member: x12.Member) -> list[x12.Benefit]:
    """The member's mental-health / substance-use / plan-coverage rows the payer answered: a row
    followed by an AAA (the payer could not process that service type) says nothing."""
    return [b for b in member.benefits if _types(b) & RELEVANT_SERVICE_TYPES and not b.rejections]


def _network(rows: Sequence[x12.Benefit]) -> str:
    """In or out of network from EB12 of any relevant row that is not a non-covered one — coverage
    rows and the cost-sharing rows (copay, coinsurance, deductible…) that carry it in real files —
    preferring rows of the mental-health / substance-use service types over the generic 30."""
    flagged = [b for b in rows if b.eb01 not in EB_NOT_COVERED and b.eb12.upper() in ("Y", "N")]
    specific = [b for b in flagged if _types(b) - {GENERIC_SERVICE_TYPE}]
    flag = _flag(specific or flagged, "eb12")
    return {"Y": NetworkStatus.IN_NETWORK, "N": NetworkStatus.OUT_OF_NETWORK}.get(flag, NetworkStatus.UNKNOWN)


def _rank(benefit: x12.Benefit, network: str, like: x12.Benefit | None = None) -> tuple:
    """Best first: specific service types over the generic 30, the network asked for over rows for
    both, the individual over the family, and (for a pair) the same level and network as `like`."""
    specific = bool(_types(benefit) - {GENERIC_SERVICE_TYPE})
    wanted, other = ("N", "Y") if network == NetworkStatus.OUT_OF_NETWORK else ("Y", "N")
    network_rank = 0 if benefit.eb12 == wanted else 2 if benefit.eb12 == other else 1
    level_rank = {"IND": 0, "": 1}.get(benefit.eb02, 2)
    same = 0 if like is None or (benefit.eb02, benefit.eb12) == (like.eb02, like.eb12) else 1
    return (same, 0 if specific else 1, network_rank, level_rank)


def _best(rows: Sequence[x12.Benefit], network: str, like: x12.Benefit | None = None) -> x12.Benefit | None:
    if not rows:
        return None
    return min(enumerate(rows), key=lambda pair: (*_rank(pair[1], network, like), pair[0]))[1]


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_CENT)


def _total_and_met(rows: list[x12.Benefit], code: str, network: str) -> tuple[Decimal | None, Decimal | None]:
    mine = [b for b in rows if b.eb01 == code and b.eb07 is not None]
    totals = [b for b in mine if b.eb06 not in PERIOD_REMAINING | PERIOD_USED]
    total_row = _best(totals, network)
    remaining_row = _best([b for b in mine if b.eb06 in PERIOD_REMAINING], network, like=total_row)
    used_row = _best([b for b in mine if b.eb06 in PERIOD_USED], network, like=total_row)
    total = total_row.eb07 if total_row else None
    met = None
    if total is not None and remaining_row is not None:
        met = total - remaining_row.eb07
    elif used_row is not None:
        met = used_row.eb07
    if met is not None:
        met = max(Decimal(0), min(met, total) if total is not None else met)
    return _money(total), _money(met)


def _limit(rows: list[x12.Benefit], qualifier: str, network: str) -> int | None:
    mine = [b for b in rows if b.eb01 == EB_LIMITATIONS and b.eb09 == qualifier and b.eb10 is not None]
    best = _best([b for b in mine if b.eb06 not in PERIOD_REMAINING], network) or _best(mine, network)
    return int(best.eb10) if best is not None else None


def _percent(fraction: Decimal) -> Decimal:
    # EB08 is a decimal fraction (0.2 is 20 %); some payers send the percentage itself.
    percent = fraction * 100 if fraction <= 1 else fraction
    return min(percent, Decimal(100)).quantize(_CENT)


def benefits_summarize(member: x12.Member, *, verified_on: dt.date) -> BenefitSummary:
    """Read a member's EB rows for IOP (those the payer answered, see `_usable`): mental-health
    and substance-use coverage (specific service types first, the plan's generic 30 as the
    mental-health fallback, an inactive 30 for both), authorization required (EB11) and network
    (EB12, see `_network`), and the cost sharing and limits of the network found."""
    relevant = _usable(member)
    generic = [b for b in relevant if GENERIC_SERVICE_TYPE in _types(b)]
    mental = [b for b in relevant if _types(b) & (MENTAL_HEALTH_SERVICE_TYPES - {GENERIC_SERVICE_TYPE})]
    substance = [b for b in relevant if _types(b) & SUBSTANCE_USE_SERVICE_TYPES]
    generic_answer = _coverage_answer(generic)
    mental_health = _coverage_answer(mental) or generic_answer or Answer.UNKNOWN
    substance_use = _coverage_answer(substance) or (Answer.NO if generic_answer == Answer.NO else Answer.UNKNOWN)

    network = (
        NetworkStatus.UNKNOWN
        if (mental_health, substance_use) == (Answer.NO, Answer.NO)  # no coverage to be in network for
        else _network(relevant)
    )
    authorization = {"Y": Answer.YES, "N": Answer.NO}.get(_flag(relevant, "eb11"), Answer.UNKNOWN)

    deductible, deductible_met = _total_and_met(relevant, EB_DEDUCTIBLE, network)
    out_of_pocket, out_of_pocket_met = _total_and_met(relevant, EB_OUT_OF_POCKET, network)
    copay_row = _best([b for b in relevant if b.eb01 == EB_COPAY and b.eb07 is not None], network)
    coinsurance_row = _best([b for b in relevant if b.eb01 == EB_COINSURANCE and b.eb08 is not None], network)

    plan_year_start = member.date("291", "346")
    if plan_year_start is None and any(b.eb01 == EB_DEDUCTIBLE and b.eb06 == "23" for b in relevant):
        plan_year_start = dt.date(verified_on.year, 1, 1)  # a calendar-year deductible resets on 1 January
    messages = tuple(dict.fromkeys(m for b in relevant for m in b.messages if m))
    return BenefitSummary(
        network_status=network,
        mental_health_iop=mental_health,
        substance_use_iop=substance_use,
        authorization_required=authorization,
        deductible=deductible,
        deductible_met=deductible_met,
        out_of_pocket_max=out_of_pocket,
        out_of_pocket_met=out_of_pocket_met,
        copay=_money(copay_row.eb07) if copay_row else None,
        coinsurance_percent=_percent(coinsurance_row.eb08) if coinsurance_row else None,
        visit_limit=_limit(relevant, QUANTITY_VISITS, network),
        day_limit=_limit(relevant, QUANTITY_DAYS, network),
        plan_year_start=plan_year_start,
        messages=messages,
    )


def _file_error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, extra={"raw_271": [message]})


def _rejected(rejections: Iterable[x12.Rejection]) -> ApplicationError:
    reasons = "; ".join(dict.fromkeys(str(r) for r in rejections))
    return _file_error(f"The payer rejected the eligibility request: {reasons}. Nothing was saved.", "x12_rejected")


def _member_for(response: x12.Response271, coverage: Coverage) -> x12.Member:
    """The coverage's member in the file (for a dependent coverage, the dependent with benefits),
    preferring the loop with usable benefits. No member of this id: refused — with the payer's
    rejections when the file has any (a member the payer could not find), else as another member's."""
    wanted = _normalized_member_id(coverage.member_id)
    matching = [m for m in response.members if _normalized_member_id(m.member_id) == wanted]
    if not matching and response.rejections:
        raise _rejected(response.rejections)
    if not matching:
        found = sorted({m.member_id for m in response.members if m.member_id})
        shown = ", ".join(found) if found else "no member id"
        raise _file_error(
            f"The file is about member {shown}, not this coverage's member {coverage.member_id}: "
            "nothing was saved. Check that it is this client's response.",
            "member_mismatch",
        )
    if coverage.subscriber_relationship != SubscriberRelationship.SELF:
        dependents = [m for m in matching if m.level == "dependent" and m.benefits]
        if dependents:
            return next((m for m in dependents if _usable(m)), dependents[0])
    return next((m for m in matching if _usable(m)), None) or next((m for m in matching if m.benefits), matching[0])


def _blocking(response: x12.Response271, member: x12.Member) -> list[x12.Rejection]:
    """The AAAs that stop the import: any at the payer (information source) or provider level —
    the payer answered for nobody — and the matched member's own when none of its mental-health /
    substance-use rows is usable. An AAA under another member, or on one service type while the
    member has usable rows, only goes into the notes."""
    upper = [r for r in response.rejections if r.level in ("payer", "provider")]
    if upper:
        return upper
    return [] if _usable(member) else list(member.rejections)


def _rejection_note(rejection: x12.Rejection) -> str:
    about = f"{rejection.member_level or rejection.level} {rejection.member_id}".strip()
    if rejection.service_types:
        about += f", service type {'/'.join(rejection.service_types)}"
    return f"Payer rejection (AAA, not blocking) for {about}: {rejection}"


def _import_notes(response: x12.Response271, summary: BenefitSummary) -> str:
    """Where the file came from, the payer's messages, and the AAAs that did not block it."""
    envelope = response.envelope
    payer = response.payer_name or "the payer"
    if response.payer_id:
        payer = f"{payer} ({response.payer_id})"
    dated = f", dated {envelope.created:%d %b %Y}" if envelope.created else ""
    lines = [
        f"Imported from an X12 271 eligibility response from {payer}{dated}, interchange {envelope.control_number}."
    ]
    lines += [f"Payer message: {message}" for message in summary.messages]
    lines += list(dict.fromkeys(_rejection_note(r) for r in response.rejections))
    return "\n".join(lines)


def _reference(response: x12.Response271, member: x12.Member) -> str:
    # The payer's own trace number for this response (TRN*1), else the echoed request reference.
    own = next((number for kind, number in member.trace_numbers if kind == "1" and number), "")
    return (own or response.envelope.reference or response.envelope.control_number)[:60]


@transaction.atomic
def verification_import_271(
    *, coverage: Coverage, raw: str, actor, now: dt.datetime | None = None
) -> BenefitVerification:
    """A verification from an X12 271 eligibility response: the member's mental-health,
    psychiatric outpatient and substance-abuse benefits (see `benefits_summarize`), method
    electronic, the raw file kept. Refused, with nothing saved: a file that is not a readable
    271, a payer rejection (AAA, with its reason) that blocks the member (see `_blocking`; the
    others are noted), a file about another member id, and a file without any mental-health or
    substance-use benefit."""
    if not raw or not raw.strip():
        raise _file_error("The file is empty.", "x12_empty")
    if len(raw) > MAX_271_CHARS:
        raise _file_error("The file is too large for a single eligibility response.", "x12_too_large")
    try:
        response = x12.parse_271(raw)
    except x12.X12Error as exc:
        raise _file_error(f"This file cannot be read as an X12 271: {exc.message}", "x12_malformed") from exc
    upper = [r for r in response.rejections if r.level in ("payer", "provider")]
    if upper:
        raise _rejected(upper)
    member = _member_for(response, coverage)
    blocking = _blocking(response, member)
    if blocking:
        raise _rejected(blocking)
    if not _usable(member):
        raise _file_error(
            "The file has no mental-health, substance-abuse or plan coverage (30) benefits for this member: "
            "ask the payer for service types 30, MH, A8, AI or CJ. Nothing was saved.",
            "x12_no_benefits",
        )
    now = now or timezone.now()
    verified_on = now.astimezone(coverage.organization.tzinfo).date()
    summary = benefits_summarize(member, verified_on=verified_on)
    values = {
        "organization_id": coverage.organization_id,
        "coverage": coverage,
        "verified_by": actor if getattr(actor, "pk", None) else None,
        "verified_at": now,
        "method": VerificationMethod.ELECTRONIC,
        "reference_number": _reference(response, member),
        "network_status": summary.network_status,
        "mental_health_iop": summary.mental_health_iop,
        "substance_use_iop": summary.substance_use_iop,
        "deductible": summary.deductible,
        "deductible_met": summary.deductible_met,
        "out_of_pocket_max": summary.out_of_pocket_max,
        "out_of_pocket_met": summary.out_of_pocket_met,
        "copay": summary.copay,
        "coinsurance_percent": summary.coinsurance_percent,
        "authorization_required": summary.authorization_required,
        "visit_limit": summary.visit_limit,
        "day_limit": summary.day_limit,
        "plan_year_start": summary.plan_year_start,
        "notes": _import_notes(response, summary),
        "raw_271": raw,
    }
    return _verification_save(values)


# --- When a verification is due again ---------------------------------------------------------------


def _anniversary(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 29 February in a common year
        return dt.date(year, month, 28)


def next_plan_year_start(*, plan_year_start: dt.date | None, after: dt.date) -> dt.date:
    """The first plan-year start after `after` (1 January when the plan year is not known: most
    plans reset benefits with the calendar year)."""
    month, day = (plan_year_start.month, plan_year_start.day) if plan_year_start else (1, 1)
    start = _anniversary(after.year, month, day)
    return start if start > after else _anniversary(after.year + 1, month, day)


def verification_stale_reason(verification: BenefitVerification, today: dt.date, tzinfo=None) -> str:
    """Why the verification is due again ("" when it is not): older than 30 days, or a plan year
    started since it was done. `tzinfo` is the organization's (the day it was verified there)."""
    verified_at = verification.verified_at
    verified_on = verified_at.astimezone(tzinfo).date() if tzinfo is not None else verified_at.date()
    age = (today - verified_on).days
    if age > STALE_AFTER_DAYS:
        return f"Verified {age} days ago (more than {STALE_AFTER_DAYS})."
    reset = next_plan_year_start(plan_year_start=verification.plan_year_start, after=verified_on)
    if reset <= today:
        return f"A new plan year began on {reset:%d %b %Y}, after this verification."
    return ""


def verification_is_stale(verification: BenefitVerification, today: dt.date, tzinfo=None) -> bool:
    return bool(verification_stale_reason(verification, today, tzinfo))
