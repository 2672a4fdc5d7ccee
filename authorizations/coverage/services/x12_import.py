"""A verification imported from an X12 271 eligibility response. The 271 is refused whole —
malformed, a payer rejection (AAA) that blocks the member, a file about another member or another
person of the family (a member id is shared by a subscriber and their dependents, so the person is
matched by loop, name and date of birth), or no mental-health / substance-use benefits in it — and
when accepted the matched person's benefits are kept as `BenefitLine` rows and its raw text on the
verification (with any AAA that did not block it noted). Every write is one transaction; a refused
write saves nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from authorizations.coverage import x12
from authorizations.coverage.services.verifications import verification_save
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    X12_CODE,
    Answer,
    BenefitLine,
    BenefitNetwork,
    BenefitVerification,
    Coverage,
    InteropDirection,
    InteropFormat,
    InteropMessage,
    NetworkStatus,
    SubscriberRelationship,
    VerificationMethod,
)
from iop.common.dates import date_full
from iop.common.exceptions import refuse

# The largest 271 accepted (a single member's response is a few kilobytes).
MAX_271_CHARS = 1_000_000

# Service types (EB03) whose benefits a verification reads: mental health and psychiatric
# outpatient, with the plan's generic coverage (30) as the fallback; substance abuse. X12 has no
# IOP-specific service type and payers answer inconsistently, so all of these are read.
GENERIC_SERVICE_TYPE = "30"
MENTAL_HEALTH_SERVICE_TYPES = frozenset({"MH", "A8", "CH", "A6", GENERIC_SERVICE_TYPE})
SUBSTANCE_USE_SERVICE_TYPES = frozenset({"AI", "AJ", "AK", "CJ"})
RELEVANT_SERVICE_TYPES = MENTAL_HEALTH_SERVICE_TYPES | SUBSTANCE_USE_SERVICE_TYPES

# EB01 codes.
EB_ACTIVE = "1"
EB_ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})  # active coverage, however capitated or pending
EB_NOT_COVERED = frozenset({"6", "I"})  # inactive; non-covered
EB_COINSURANCE, EB_COPAY, EB_DEDUCTIBLE, EB_LIMITATIONS, EB_OUT_OF_POCKET = "A", "B", "C", "F", "G"
# EB06 time periods: the whole amount for a period, what is left of it, and what was used so far.
PERIOD_REMAINING = frozenset({"29", "33"})  # remaining; lifetime remaining
PERIOD_USED = frozenset({"24"})  # year to date
# EB09 quantity qualifiers.
QUANTITY_VISITS, QUANTITY_DAYS = "VS", "DY"

_CENT = Decimal("0.01")


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
    plan_name: str
    coverage_level: str
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
    # Every row of `mine` has an amount (EB07); the checks of it below only tell mypy so.
    if total is not None and remaining_row is not None and remaining_row.eb07 is not None:
        met = total - remaining_row.eb07
    elif used_row is not None:
        met = used_row.eb07
    if met is not None:
        met = max(Decimal(0), min(met, total) if total is not None else met)
    return _money(total), _money(met)


def _limit(rows: list[x12.Benefit], qualifier: str, network: str) -> int | None:
    mine = [b for b in rows if b.eb01 == EB_LIMITATIONS and b.eb09 == qualifier and b.eb10 is not None]
    best = _best([b for b in mine if b.eb06 not in PERIOD_REMAINING], network) or _best(mine, network)
    return int(best.eb10) if best is not None and best.eb10 is not None else None


def _percent(fraction: Decimal) -> Decimal:
    # EB08 is a decimal fraction (0.2 is 20 %); some payers send the percentage itself.
    percent = fraction * 100 if fraction <= 1 else fraction
    return min(percent, Decimal(100)).quantize(_CENT)


def _plan(relevant: Sequence[x12.Benefit]) -> tuple[str, str]:
    """The plan's name (EB05) and coverage level (EB02) from the active-coverage rows, the plan's
    generic 30 row first (a dependent on a family plan: FAM)."""
    active = [b for b in relevant if b.eb01 in EB_ACTIVE_CODES]
    ordered = sorted(active, key=lambda b: GENERIC_SERVICE_TYPE not in _types(b))
    name = next((b.eb05 for b in ordered if b.eb05), "") or next((b.eb05 for b in relevant if b.eb05), "")
    level = next((b.eb02.upper() for b in ordered if b.eb02), "")
    # RegexValidator compiles its pattern; the stubs also allow the str it was given.
    return name[:50], level if X12_CODE.regex.match(level) else ""  # type: ignore[union-attr]


def benefits_summarize(
    member: x12.Member, *, verified_on: dt.date, subscriber: x12.Member | None = None
) -> BenefitSummary:
    """Read a member's EB rows for IOP (those the payer answered, see `_usable`): mental-health
    and substance-use coverage (specific service types first, the plan's generic 30 as the
    mental-health fallback, an inactive 30 for both), authorization required (EB11) and network
    (EB12, see `_network`), the cost sharing and limits of the network found, and the plan's name
    and coverage level. The plan year comes from the member's dates, else (a dependent's loop
    may leave them out) from the `subscriber`'s."""
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

    plan_year_start = member.date("291", "346") or (subscriber.date("291", "346") if subscriber else None)
    if plan_year_start is None and any(b.eb01 == EB_DEDUCTIBLE and b.eb06 == "23" for b in relevant):
        plan_year_start = dt.date(verified_on.year, 1, 1)  # a calendar-year deductible resets on 1 January
    messages = tuple(dict.fromkeys(m for b in relevant for m in b.messages if m))
    plan_name, coverage_level = _plan(relevant)
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
        coinsurance_percent=_percent(coinsurance_row.eb08)
        if coinsurance_row and coinsurance_row.eb08 is not None
        else None,
        visit_limit=_limit(relevant, QUANTITY_VISITS, network),
        day_limit=_limit(relevant, QUANTITY_DAYS, network),
        plan_year_start=plan_year_start,
        plan_name=plan_name,
        coverage_level=coverage_level,
        messages=messages,
    )


def _file_refuse(message: str, code: AuthorizationsErrorCode) -> NoReturn:
    """The refusal of a 271 file, on the file input."""
    refuse(message, code=code, field="raw_271")


def _rejected(rejections: Iterable[x12.Rejection]) -> NoReturn:
    reasons = "; ".join(dict.fromkeys(str(r) for r in rejections))
    _file_refuse(
        f"The payer rejected the eligibility request: {reasons}. Nothing was saved.",
        AuthorizationsErrorCode.X12_REJECTED,
    )


# Particles and suffixes that say nothing about which family a name is: "DE LA CRUZ" and "DE LEON"
# do not match on "DE".
_NAME_PARTICLES = frozenset(
    {"DA", "DAS", "DE", "DEL", "DELA", "DEN", "DER", "DI", "DOS", "DU", "LA", "LE", "VAN", "VON"}
)
_NAME_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV"})


def _fold(value: str) -> str:
    """Upper case without accents: "Núñez-Ruiz" reads as "NUNEZ-RUIZ", as payers send it."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _name_words(value: str) -> set[str]:
    return set(re.findall(r"[A-Z]+", _fold(value)))


def _last_names_match(theirs: str, ours: str) -> bool:
    """A shared word of the family names (payers truncate, hyphenate or drop a second surname)."""
    a, b = _name_words(theirs) - _NAME_SUFFIXES, _name_words(ours) - _NAME_SUFFIXES
    return bool(((a - _NAME_PARTICLES) or a) & ((b - _NAME_PARTICLES) or b))


def _first_names_match(theirs: str, client) -> bool:
    """The file's first name is the client's first or preferred name, or one starts the other (a
    truncated "CHRIS", a "SAM" for Samuel)."""
    file_name = re.sub(r"[^A-Z]", "", _fold(theirs))  # "MARY ANN" and "Mary-Ann" alike
    for name in (client.first_name, client.preferred_name):
        ours = re.sub(r"[^A-Z]", "", _fold(name))
        if file_name and ours and (ours.startswith(file_name) or file_name.startswith(ours)):
            return True
    return False


def _is_client(member: x12.Member, client, *, birth_date_required: bool = False) -> bool:
    """The member's name (NM1) and date of birth (DMG, when the loop has one) are the client's."""
    if member.date_of_birth is None and birth_date_required:
        return False
    if member.date_of_birth is not None and member.date_of_birth != client.date_of_birth:
        return False
    return _last_names_match(member.last_name, client.last_name) and _first_names_match(member.first_name, client)


def person_is_client(*, last_name: str, first_name: str, date_of_birth: dt.date | None, client) -> bool:
    """A name (and date of birth, when given) read from an X12 file is the client's, as the 271
    import matches it (see `_is_client`): the 278 response import asks the same."""
    if date_of_birth is not None and date_of_birth != client.date_of_birth:
        return False
    return _last_names_match(last_name, client.last_name) and _first_names_match(first_name, client)


def _who(member: x12.Member) -> str:
    name = " ".join(part for part in (member.first_name, member.last_name) if part) or "no name"
    born = f", born {date_full(member.date_of_birth)}" if member.date_of_birth else ""
    return f"{name} ({member.level}{born})"


def _people(response: x12.Response271) -> str:
    return "; ".join(dict.fromkeys(_who(m) for m in response.members)) or "nobody"


def _person_mismatch(response: x12.Response271, coverage: Coverage, family: list[x12.Member]) -> NoReturn:
    """The refusal of a file whose member id is the coverage's but whose person is not the client:
    who the file is about, who was expected, and what to do."""
    client = coverage.client
    is_self = coverage.subscriber_relationship == SubscriberRelationship.SELF
    relationship = SubscriberRelationship(coverage.subscriber_relationship).label.lower()
    expected = f"{client.first_name} {client.last_name} (born {date_full(client.date_of_birth)})"
    expected += " as the subscriber" if is_self else f" as a dependent ({relationship}) of the subscriber"
    if is_self and any(m.level == "dependent" and _is_client(m, client) for m in family):
        hint = (
            "The file has the client as a dependent: if that is right, change the coverage's relationship "
            "to the subscriber and import it again."
        )
    elif not is_self and not any(m.level == "dependent" for m in family):
        hint = (
            "It holds the subscriber only: ask the payer for the client's own response as a dependent "
            "(a 270 with the client's name and date of birth)."
        )
    else:
        hint = "Check the client's name and date of birth, and that this is the client's response."
    said = list(dict.fromkeys(str(r) for m in family for r in m.rejections if r.level == m.level))
    if said:
        hint += f" The payer said: {'; '.join(said)}."
    _file_refuse(
        f"This file is about {_people(response)}, not {expected}: nothing was saved. {hint}",
        AuthorizationsErrorCode.PERSON_MISMATCH,
    )


def _person_for(response: x12.Response271, coverage: Coverage) -> x12.Member:
    """The person of the file the coverage is about. A member id is the whole family's, so the
    loop decides: the subscriber (HL 22) for a coverage of the client's own (relationship self),
    else a dependent (HL 23); and that loop's name and date of birth must be the client's. A
    dependent with a member id of their own is sent as the subscriber (005010X279A1 1.4.2), so a
    dependent's coverage also takes a subscriber loop with the client's name and date of birth.
    Of several matching loops, the one with usable benefits. Refused: no loop of this member id
    (with the payer's rejections when the file has any — a member it could not find — else as
    another member's file), and no loop of the client (naming who the file is about)."""
    wanted = _normalized_member_id(coverage.member_id)
    family = [m for m in response.members if _normalized_member_id(m.member_id) == wanted]
    if not family and response.rejections:
        _rejected(response.rejections)
    if not family:
        _file_refuse(
            f"The file is about {_people(response)}, member "
            f"{', '.join(sorted({m.member_id for m in response.members if m.member_id})) or 'id not given'}, "
            f"not this coverage's member {coverage.member_id}: nothing was saved. "
            "Check that it is this client's response.",
            AuthorizationsErrorCode.MEMBER_MISMATCH,
        )
    client = coverage.client
    if coverage.subscriber_relationship == SubscriberRelationship.SELF:
        found = [m for m in family if m.level == "subscriber" and _is_client(m, client)]
    else:
        found = [m for m in family if m.level == "dependent" and _is_client(m, client)] or [
            m for m in family if m.level == "subscriber" and _is_client(m, client, birth_date_required=True)
        ]
    if not found:
        _person_mismatch(response, coverage, family)
    return next((m for m in found if _usable(m)), None) or next((m for m in found if m.benefits), found[0])


def _refuse_benefits_of_another(response: x12.Response271, coverage: Coverage, member: x12.Member) -> None:
    """The client's loop has nothing usable but another person's has: the file is that person's
    response (a dependent's, whose subscriber loop carries only the name and member id)."""
    others = [m for m in response.members if m is not member and _usable(m)]
    if not others:
        return
    client = coverage.client
    whose = "; ".join(dict.fromkeys(_who(m) for m in others))
    _file_refuse(
        f"This file's benefits are about {whose}, not {client.first_name} {client.last_name} "
        f"(born {date_full(client.date_of_birth)}), the {member.level} in it: nothing was saved. It is the eligibility "
        "response of the person named: import it on that person's own coverage.",
        AuthorizationsErrorCode.PERSON_MISMATCH,
    )


def benefit_line_values(member: x12.Member) -> list[dict[str, Any]]:
    """The member's benefits as `BenefitLine` values, in the file's order: codes upper-cased,
    amounts in cents, EB08 as a percentage, EB11/EB12 as answers, the first dated DTP of the loop
    as the benefit's period. Rows the payer could not answer (followed by an AAA) are left out."""
    values = []
    answered = [b for b in member.benefits if not b.rejections]
    for position, benefit in enumerate(answered, start=1):
        start, end = next(((s, e) for _, s, e in benefit.dates if s is not None), (None, None))
        values.append(
            {
                "position": position,
                "benefit": benefit.eb01.upper(),
                "coverage_level": benefit.eb02.upper(),
                "service_types": [code.upper() for code in benefit.service_types],
                "insurance_type": benefit.eb04.upper(),
                "plan_name": benefit.eb05[:50],
                "time_period": benefit.eb06.upper(),
                "amount": _money(benefit.eb07),
                "percent": _percent(benefit.eb08) if benefit.eb08 is not None else None,
                "quantity_qualifier": benefit.eb09.upper(),
                "quantity": _money(benefit.eb10),
                "authorization_required": {"Y": Answer.YES, "N": Answer.NO}.get(benefit.eb11.upper(), Answer.UNKNOWN),
                "network": {
                    "Y": BenefitNetwork.IN_NETWORK,
                    "N": BenefitNetwork.OUT_OF_NETWORK,
                    "W": BenefitNetwork.EITHER,
                }.get(benefit.eb12.upper(), BenefitNetwork.NOT_STATED),
                "period_start": start,
                "period_end": end,
                "messages": [message[:264] for message in benefit.messages if message],
            }
        )
    return values


def benefit_lines_build(*, coverage: Coverage, member: x12.Member) -> list[BenefitLine]:
    """The member's benefit lines, unsaved and checked (a code that is not one, an amount out of
    range): refused as a damaged file, so before anything is saved."""
    lines = []
    for values in benefit_line_values(member):
        line = BenefitLine(organization_id=coverage.organization_id, **values)
        try:
            # The field validators hold the percent's range; the constraints would cost a query a line.
            line.full_clean(exclude=["verification"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems = "; ".join(f"{name} {', '.join(errors)}" for name, errors in exc.message_dict.items())
            _file_refuse(
                f"Benefit {line.position} of the file (EB segment) cannot be read: {problems}. Nothing was saved.",
                AuthorizationsErrorCode.X12_MALFORMED,
            )
        lines.append(line)
    return lines


def _blocking(response: x12.Response271, member: x12.Member) -> list[x12.Rejection]:
    """The AAAs that stop the import: any at the payer (information source) or provider level —
    the payer answered for nobody — and the matched member's own when none of its mental-health /
    substance-use rows is usable. An AAA under another member, or on one service type while the
    member has usable rows, only goes into the notes."""
    upper = [r for r in response.rejections if r.level in ("payer", "provider")]
    if upper:
        return upper
    return [] if _usable(member) else list(member.rejections)


def person_of_271(response: x12.Response271, coverage: Coverage) -> x12.Member:
    """The person of a read 271 a verification of `coverage` takes its benefits from: the
    coverage's person (see `_person_for`) with mental-health / substance-use rows the payer
    answered. Refused (`ApplicationError`, its message for the user): a payer or provider level
    AAA, another member or person, the person's own blocking AAA (see `_blocking`), and no usable
    benefit for the person — naming whose they are when another person of the file has them."""
    upper = [r for r in response.rejections if r.level in ("payer", "provider")]
    if upper:
        _rejected(upper)
    member = _person_for(response, coverage)
    blocking = _blocking(response, member)
    if blocking:
        _rejected(blocking)
    if not _usable(member):
        _refuse_benefits_of_another(response, coverage, member)
        _file_refuse(
            "The file has no mental-health, substance-abuse or plan coverage (30) benefits for this person: "
            "ask the payer for service types 30, MH, A8, AI or CJ. Nothing was saved.",
            AuthorizationsErrorCode.X12_NO_BENEFITS,
        )
    return member


def _subscriber_of(response: x12.Response271, member: x12.Member) -> x12.Member | None:
    return next((m for m in response.members if m.level == "subscriber" and m.member_id == member.member_id), None)


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
    dated = f", dated {date_full(envelope.created)}" if envelope.created else ""
    lines = [
        f"Imported from an X12 271 eligibility response from {payer}{dated}, interchange {envelope.control_number}."
    ]
    lines += [f"Payer message: {message}" for message in summary.messages]
    lines += list(dict.fromkeys(_rejection_note(r) for r in response.rejections))
    return "\n".join(lines)


def inquiry_of_271(response: x12.Response271, coverage: Coverage) -> InteropMessage | None:
    """The 270 we sent that this 271 answers: the outbound 270 whose trace number a member loop
    echoes (TRN*2). None when it echoes none of ours (a 270 sent from a portal). Refused when it
    echoes the 270 of another coverage: the answer is about someone else's question."""
    echoed = {number for m in response.members for kind, number in m.trace_numbers if kind == "2" and number}
    if not echoed:
        return None
    sent = list(
        InteropMessage.objects.filter(
            organization_id=coverage.organization_id,
            format=InteropFormat.X12_270_REQUEST,
            direction=InteropDirection.OUTBOUND,
            trace_number__in=echoed,
        ).order_by("-created_at")
    )
    mine = next((m for m in sent if m.coverage_id == coverage.pk), None)
    if mine is None and sent:
        _file_refuse(
            f"This 271 answers the 270 sent for another coverage (interchange {sent[0].interchange_control_number}, "
            f"trace {sent[0].trace_number}), not this one: nothing was saved. Import it on that coverage.",
            AuthorizationsErrorCode.X12_TRACE_MISMATCH,
        )
    return mine


def _inquiry_note(inquiry: InteropMessage | None) -> str:
    if inquiry is None:
        return ""
    return f"\nAnswers the 270 sent as interchange {inquiry.interchange_control_number} (trace {inquiry.trace_number})."


def _reference(response: x12.Response271, member: x12.Member) -> str:
    # The payer's own trace number for this response (TRN*1), else the echoed request reference.
    own = next((number for kind, number in member.trace_numbers if kind == "1" and number), "")
    return (own or response.envelope.reference or response.envelope.control_number)[:60]


@transaction.atomic
def verification_import_271(
    *, coverage: Coverage, raw: str, actor, now: dt.datetime | None = None
) -> BenefitVerification:
    """A verification from an X12 271 eligibility response, read from the loop of the person the
    coverage is about (see `_person_for`): its mental-health, psychiatric outpatient and
    substance-abuse benefits summarized (see `benefits_summarize`), every benefit it holds kept as
    a `BenefitLine` (in- and out-of-network cost sharing, service types, authorization required,
    limits), method electronic, the raw file kept. Refused, with nothing saved: a file that is not
    a readable 271, the answer to a 270 we sent for another coverage (`inquiry_of_271`; the
    answer to one of this coverage's is linked to it), a payer rejection (AAA, with its reason)
    that blocks the person (see
    `_blocking`; the others are noted), a file about another member id or another person of the
    family (named in the refusal), and a file without any mental-health or substance-use benefit
    for the person."""
    if not raw or not raw.strip():
        _file_refuse("The file is empty.", AuthorizationsErrorCode.X12_EMPTY)
    if len(raw) > MAX_271_CHARS:
        _file_refuse("The file is too large for a single eligibility response.", AuthorizationsErrorCode.X12_TOO_LARGE)
    try:
        response = x12.parse_271(raw)
    except x12.X12Error as exc:
        _file_refuse(f"This file cannot be read as an X12 271: {exc.message}", AuthorizationsErrorCode.X12_MALFORMED)
    inquiry = inquiry_of_271(response, coverage)
    member = person_of_271(response, coverage)
    now = now or timezone.now()
    summary = benefits_summarize(
        member,
        verified_on=now.astimezone(coverage.organization.tzinfo).date(),
        subscriber=_subscriber_of(response, member),
    )
    lines = benefit_lines_build(coverage=coverage, member=member)
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
        "plan_name": summary.plan_name,
        "coverage_level": summary.coverage_level,
        "notes": _import_notes(response, summary) + _inquiry_note(inquiry),
        "raw_271": raw,
        "eligibility_request": inquiry,
    }
    verification = verification_save(values)
    for line in lines:
        line.verification = verification
    BenefitLine.objects.bulk_create(lines)
    return verification
