"""Writes of the episode's billing: billing lines imported from a CSV file or entered by hand, and
the close-out of the episode's billing (reconciled, or written off with a reason and amount).

CSV import (the columns are documented in the README, "Billing reconciliation"):

- the whole file is read and checked first; a file that is empty, too large, not UTF-8, without
  the required columns, or with a row that cannot be read is refused naming what is wrong, and
  nothing is written;
- each row is matched to its episode by an explicit `episode_id`, or by the client's coverage
  member id and a service date within the episode (admission to discharge); a row that matches no
  episode, or more than one, is reported back and not written (never guessed);
- the raw file is kept (`BillingImport.raw`); importing the same file again writes nothing, and a
  row already imported (same episode, claim number, date, code and units) updates that line's
  remittance (paid amount, status, CARC) instead of adding a second one.

X12 835 remittance (`billing_835_import`, read by `discharge.billing.x12_835`): each service
line is a row as above, matched by the member id and its date of service.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from authorizations.models import AuthorizationLine, Coverage
from discharge.billing.selectors import CLOSED, COVERING, reconciliations_load
from discharge.errors import DischargeErrorCode
from discharge.models import (
    BillingImport,
    BillingLine,
    BillingSource,
    ClaimStatus,
    EpisodeReconciliation,
    ReconciliationStatus,
)
from iop.accounts.models import User
from iop.clients.models import Episode
from iop.common.exceptions import refuse
from iop.tenancy.models import Membership, Organization

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
REQUIRED_COLUMNS = ("service_date", "code", "units", "billed_amount")
OPTIONAL_COLUMNS = (
    "member_id",
    "episode_id",
    "claim_number",
    "authorization_number",
    "paid_amount",
    "status",
    "carc",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_CODE = re.compile(r"^[A-Z0-9]{4,10}$")
_CARC = re.compile(r"^[A-Z0-9]{1,5}$")
_UUID = re.compile(r"^[0-9a-fA-F-]{32,36}$")
MAX_AMOUNT = Decimal("999999999.99")


# --- Reading and checking values --------------------------------------------------------------------


def _date(value: str) -> dt.date:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a date, no time of day)
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD)")


def _amount(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise ValueError(f"the {name} “{value}” is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(f"the {name} “{value}” is not an amount from 0 to {MAX_AMOUNT}")
    return amount.quantize(Decimal("0.01"))


def _units(value: str) -> int:
    try:
        units = int(str(value).strip())
    except ValueError:
        raise ValueError(f"the units “{value}” are not a whole number") from None
    if units < 1 or units > 10000:
        raise ValueError(f"the units “{value}” must be from 1 to 10000")
    return units


def _carcs(value: str) -> list[str]:
    # "CO-197; 50" → ["197", "50"]: the group code (CO/PR/OA/PI) is dropped, the reason kept.
    reasons = []
    for part in re.split(r"[;,| ]+", value.strip().upper()):
        if not part:
            continue
        part = part.split("-", 1)[1] if re.match(r"^(CO|PR|OA|PI|CR)-", part) else part
        if not _CARC.match(part):
            raise ValueError(f"“{part}” is not an adjustment reason code (CARC)")
        reasons.append(part)
    return reasons[:10]


def line_values(data: dict[str, Any]) -> dict[str, Any]:
    """A billing line's values from text (a CSV row or a form), checked. Raises ValueError with a
    message for a person."""
    get = lambda name: str(data.get(name) or "").strip()  # noqa: E731
    code = get("code").upper()
    if not _CODE.match(code):
        raise ValueError(f"the code “{get('code')}” is not a CPT/HCPCS code")
    status = get("status").lower() or ""
    paid = _amount(get("paid_amount"), "paid amount") if get("paid_amount") else None
    reasons = _carcs(get("carc"))
    if status and status not in ClaimStatus.values:
        raise ValueError(f"the status “{get('status')}” is not one of {', '.join(ClaimStatus.values)}")
    if not status:
        # Without a status, the remittance says it: nothing paid with a reason is a denial.
        if paid is None:
            status = ClaimStatus.DENIED if reasons else ClaimStatus.BILLED
        else:
            status = ClaimStatus.DENIED if paid == 0 and reasons else ClaimStatus.PAID
    billed = _amount(get("billed_amount"), "billed amount")
    if status == ClaimStatus.PAID and reasons and paid is not None and paid < billed:
        status = ClaimStatus.PARTIAL
    for name in ("claim_number", "authorization_number"):
        if len(get(name)) > 60:
            raise ValueError(f"the {name.replace('_', ' ')} is longer than 60 characters")
    return {
        "service_date": _date(get("service_date")),
        "code": code,
        "units": _units(get("units")),
        "billed_amount": billed,
        "paid_amount": paid,
        "status": status,
        "adjustment_reasons": reasons,
        "claim_number": get("claim_number"),
        "authorization_number": get("authorization_number"),
    }


def _episode_dates(episode: Episode) -> tuple[dt.date, dt.date | None]:
    start = episode.admission_date or episode.referral_date
    end = episode.discharge_date or episode.step_down_date
    return start, end


def _holds(episode: Episode, day: dt.date) -> bool:
    start, end = _episode_dates(episode)
    return start <= day and (end is None or day <= end)


def _authorization_line_for(lines: list[AuthorizationLine], values: dict[str, Any]) -> AuthorizationLine | None:
    """The authorization line of the same code whose window holds the date (the number chooses
    among several); None when none does — the reconciliation then names the discrepancy."""
    day, code, number = values["service_date"], values["code"], values["authorization_number"]
    candidates = [li for li in lines if li.code == code and li.start_date <= day <= li.end_date]
    if number:
        candidates = [li for li in candidates if li.authorization.number == number] or candidates
    return candidates[0] if candidates else None


def _covering_lines(organization: Organization, episode_ids) -> dict:
    lines: dict = {}
    for line in AuthorizationLine.objects.filter(
        organization=organization,
        authorization__episode_id__in=list(episode_ids),
        authorization__status__in=COVERING,
    ).select_related("authorization"):
        lines.setdefault(line.authorization.episode_id, []).append(line)
    return lines


def _check_open(organization: Organization, episode_ids) -> set:
    """The ids of those episodes whose billing is closed."""
    return set(
        EpisodeReconciliation.objects.filter(
            organization=organization, episode_id__in=list(episode_ids), status__in=CLOSED
        ).values_list("episode_id", flat=True)
    )


# --- CSV import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    billing_import: BillingImport | None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    already_imported: bool = False
    # (row number in the file, what was in it that matters, why it was not written)
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)


def _decode(content: bytes) -> str:
    if not content or not content.strip():
        refuse("The file is empty.", code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    if len(content) > MAX_FILE_BYTES:
        refuse(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it.",
            code=DischargeErrorCode.BILLING_FILE_INVALID,
            field="file",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        refuse("The file is not UTF-8 text (a CSV export).", code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    if "\x00" in text:
        refuse("The file is not text.", code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    return text


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing or not ({"member_id", "episode_id"} & set(header)):
            needed = missing + ([] if {"member_id", "episode_id"} & set(header) else ["member_id or episode_id"])
            refuse(
                f"The file's first line must name the columns; missing: {', '.join(needed)}.",
                code=DischargeErrorCode.BILLING_FILE_INVALID,
                field="file",
            )
        reader.fieldnames = header
        rows = []
        for row in reader:
            if not any((value or "").strip() for key, value in row.items() if key is not None):
                continue
            rows.append((reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}))
            if len(rows) > MAX_ROWS:
                refuse(
                    f"The file has more than {MAX_ROWS} rows: split it.",
                    code=DischargeErrorCode.BILLING_FILE_INVALID,
                    field="file",
                )
    except csv.Error as error:
        refuse(f"The file is not a readable CSV: {error}.", code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    if not rows:
        refuse("The file has no rows under its header.", code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    return rows


def billing_file_import(
    *, organization: Organization, content: bytes, file_name: str, actor: User | None
) -> ImportResult:
    """An uploaded billing file: an X12 835 when it begins with an ISA segment, else a CSV."""
    if content.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"ISA"):
        return billing_835_import(organization=organization, content=content, file_name=file_name, actor=actor)
    return billing_csv_import(organization=organization, content=content, file_name=file_name, actor=actor)


@transaction.atomic
def billing_csv_import(
    *, organization: Organization, content: bytes, file_name: str, actor: User | None
) -> ImportResult:
    """Import a CSV of billing lines (the module's docstring says how rows are read and matched)."""
    text = _decode(content)
    checked = _checked(_rows(text), where="line")
    return _import_checked(
        organization=organization,
        text=text,
        source=BillingSource.CSV,
        file_name=file_name,
        checked=checked,
        actor=actor,
    )


@transaction.atomic
def billing_835_import(
    *, organization: Organization, content: bytes, file_name: str, actor: User | None
) -> ImportResult:
    """Import an X12 835 remittance: each service line as a CSV row would be (matched by the
    member id and date of service, idempotent, unmatched lines reported, refused whole)."""
    from authorizations.coverage.x12 import X12Error
    from discharge.billing.x12_835 import remittance_rows

    text = _decode(content)
    try:
        rows = remittance_rows(text)
    except X12Error as error:
        refuse(str(error), code=DischargeErrorCode.BILLING_FILE_INVALID, field="file")
    checked = _checked(rows, where="segment")
    return _import_checked(
        organization=organization,
        text=text,
        source=BillingSource.X12_835,
        file_name=file_name,
        checked=checked,
        actor=actor,
    )


def _checked(rows, *, where: str) -> list[tuple[int, dict[str, str], dict[str, Any]]]:
    """Every row read and checked; any row that cannot be read refuses the whole file."""
    checked: list[tuple[int, dict[str, str], dict[str, Any]]] = []
    problems: list[str] = []
    for number, row in rows:
        try:
            values = line_values(row)
            episode_ref = row.get("episode_id", "").strip()
            if episode_ref and not _UUID.match(episode_ref):
                raise ValueError(f"the episode id “{episode_ref}” is not an id")
            if len(row.get("member_id", "").strip()) > 40:
                raise ValueError("the member id is longer than 40 characters")
            checked.append((number, row, values))
        except ValueError as error:
            problems.append(f"{where} {number}: {error}")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        refuse(
            f"Nothing was imported: {len(problems)} row{'s' if len(problems) != 1 else ''} cannot be read — {shown}.",
            code=DischargeErrorCode.BILLING_ROWS_INVALID,
            field="file",
            extra={"rows": problems},
        )
    return checked


def _import_checked(
    *,
    organization: Organization,
    text: str,
    source: str,
    file_name: str,
    checked: list[tuple[int, dict[str, str], dict[str, Any]]],
    actor: User | None,
) -> ImportResult:
    # The same file again (same bytes): nothing more to write.
    previous = BillingImport.objects.filter(organization=organization, source=source, raw=text).first()
    if previous is not None:
        return ImportResult(billing_import=previous, already_imported=True, unchanged=len(checked))

    members = {row.get("member_id", "").strip() for _, row, _ in checked} - {""}
    episode_refs = {row.get("episode_id", "").strip().lower() for _, row, _ in checked} - {""}
    clients_of_member: dict[str, set] = {}
    for member_id, client_id in Coverage.objects.filter(organization=organization, member_id__in=members).values_list(
        "member_id", "client_id"
    ):
        clients_of_member.setdefault(member_id, set()).add(client_id)
    client_ids = {c for ids in clients_of_member.values() for c in ids}
    episodes = list(
        Episode.objects.filter(organization=organization)
        .filter(Q(client_id__in=client_ids) | Q(pk__in=list(episode_refs)))
        .order_by("pk")
    )
    by_id = {str(e.pk): e for e in episodes}
    by_client: dict = {}
    for e in episodes:
        by_client.setdefault(e.client_id, []).append(e)

    billing_import = BillingImport.objects.create(
        organization=organization, source=source, file_name=file_name[:200], raw=text, imported_by=actor
    )
    result = ImportResult(billing_import=billing_import)
    matched: list[tuple[Episode, dict[str, Any]]] = []
    for number, row, values in checked:
        member_id = row.get("member_id", "").strip()
        ref = row.get("episode_id", "").strip().lower()
        what = f"{values['service_date']:%Y-%m-%d} {values['code']}"
        if ref:
            episode = by_id.get(ref)
            if episode is None:
                result.unmatched.append((number, what, "no episode of this organization has that id"))
                continue
            if member_id and episode.client_id not in clients_of_member.get(member_id, set()):
                result.unmatched.append((number, what, "the member id is not that episode's client's"))
                continue
        else:
            if member_id not in clients_of_member:
                result.unmatched.append((number, what, "no client has a coverage with that member id"))
                continue
            candidates = [
                e
                for client_id in clients_of_member[member_id]
                for e in by_client.get(client_id, [])
                if _holds(e, values["service_date"])
            ]
            if len(candidates) != 1:
                why = "no episode of that member holds the date" if not candidates else "several episodes hold the date"
                result.unmatched.append((number, what, why))
                continue
            episode = candidates[0]
        matched.append((episode, values))

    episode_ids = {e.pk for e, _ in matched}
    closed = _check_open(organization, episode_ids)
    lines_of = _covering_lines(organization, episode_ids)
    existing: dict = {}
    for known in BillingLine.objects.filter(organization=organization, episode_id__in=list(episode_ids)):
        existing[(known.episode_id, known.claim_number, known.service_date, known.code, known.units)] = known
    for episode, values in matched:
        if episode.pk in closed:
            what = f"{values['service_date']:%Y-%m-%d} {values['code']}"
            result.unmatched.append((0, what, "the episode's billing is already closed"))
            continue
        key = (episode.pk, values["claim_number"], values["service_date"], values["code"], values["units"])
        line: BillingLine | None = existing.get(key)
        if line is None:
            line = BillingLine.objects.create(
                organization=organization,
                episode=episode,
                source_import=billing_import,
                authorization_line=_authorization_line_for(lines_of.get(episode.pk, []), values),
                created_by=actor,
                **values,
            )
            existing[key] = line
            result.created += 1
            continue
        remittance = {
            "paid_amount": values["paid_amount"],
            "status": values["status"],
            "adjustment_reasons": values["adjustment_reasons"],
        }
        if all(getattr(line, name) == value for name, value in remittance.items()):
            result.unchanged += 1
            continue
        for name, value in remittance.items():
            setattr(line, name, value)
        line.save(update_fields=list(remittance))
        result.updated += 1
    billing_import.line_count = result.created + result.updated
    billing_import.save(update_fields=["line_count"])
    return result


# --- Entered by hand ----------------------------------------------------------------------------------


@transaction.atomic
def billing_line_create(*, episode: Episode, data: dict[str, Any], actor: User | None) -> BillingLine:
    """A billing line entered by hand (the values as text, checked as an import's)."""
    organization = episode.organization
    try:
        values = line_values(data)
    except ValueError as error:
        message = str(error)
        refuse(message[0].upper() + message[1:] + ".", code=DischargeErrorCode.BILLING_LINE_INVALID)
    EpisodeReconciliation.objects.select_for_update().filter(organization=organization, episode=episode).first()
    if _check_open(organization, [episode.pk]):
        refuse("The episode's billing is closed: it no longer changes.", code=DischargeErrorCode.RECONCILIATION_CLOSED)
    start, end = _episode_dates(episode)
    if values["service_date"] < start or (end is not None and values["service_date"] > end):
        refuse(
            "The date of service falls outside the episode.",
            code=DischargeErrorCode.BILLING_LINE_INVALID,
            field="service_date",
        )
    lines = _covering_lines(organization, [episode.pk]).get(episode.pk, [])
    return BillingLine.objects.create(
        organization=organization,
        episode=episode,
        authorization_line=_authorization_line_for(lines, values),
        created_by=actor,
        **values,
    )


# --- Close-out --------------------------------------------------------------------------------------


def _record_locked(episode: Episode) -> EpisodeReconciliation:
    record, _ = EpisodeReconciliation.objects.get_or_create(organization=episode.organization, episode=episode)
    record = EpisodeReconciliation.objects.select_for_update().get(pk=record.pk)
    if record.status in CLOSED:
        refuse(
            f"The episode's billing is already {record.get_status_display().lower()}.",
            code=DischargeErrorCode.RECONCILIATION_CLOSED,
        )
    return record


def _check_role(membership: Membership | None) -> None:
    from iop.tenancy.permissions import BILLING_RECONCILE, membership_can

    if not membership_can(membership, BILLING_RECONCILE):
        refuse(
            "Only the billing team (intake, VAs) or an organization admin closes an episode's billing.",
            code=DischargeErrorCode.BILLING_NOT_ALLOWED,
        )


@transaction.atomic
def reconciliation_close(
    *, episode: Episode, actor: User, membership: Membership | None, now: dt.datetime | None = None
) -> EpisodeReconciliation:
    """Close the episode's billing as reconciled: refused while any discrepancy remains, naming them."""
    _check_role(membership)
    record = _record_locked(episode)
    reconciliation = reconciliations_load([episode.pk], organization=episode.organization, now=now)[episode.pk]
    if reconciliation.count:
        shown = "; ".join(d.message for d in reconciliation.discrepancies[:10])
        more = f"; and {reconciliation.count - 10} more" if reconciliation.count > 10 else ""
        refuse(
            f"The billing cannot be closed as reconciled: {reconciliation.count} "
            f"discrepanc{'ies remain' if reconciliation.count != 1 else 'y remains'} — {shown}{more}.",
            code=DischargeErrorCode.DISCREPANCIES_REMAIN,
            field="__all__",
            extra={"discrepancies": [d.kind for d in reconciliation.discrepancies]},
        )
    record.status = ReconciliationStatus.RECONCILED
    record.closed_at, record.closed_by = now or timezone.now(), actor
    with pghistory.context(billing_closed_by=str(actor.pk), billing_status="reconciled"):
        record.save()
    return record


@transaction.atomic
def reconciliation_write_off(
    *,
    episode: Episode,
    actor: User,
    membership: Membership | None,
    reason: str,
    amount: Decimal | str | None,
    now: dt.datetime | None = None,
) -> EpisodeReconciliation:
    """Close the episode's billing by writing off what is left, with a reason and an amount. The
    write-off is audited: the record's change history carries who wrote off what, why, and the
    discrepancies left at that moment."""
    _check_role(membership)
    reason = (reason or "").strip()
    if not reason:
        refuse("Give the reason for the write-off.", code=DischargeErrorCode.WRITE_OFF_REASON_REQUIRED, field="reason")
    if len(reason) > 2000:
        refuse(
            "The reason is longer than 2000 characters.",
            code=DischargeErrorCode.WRITE_OFF_REASON_REQUIRED,
            field="reason",
        )
    try:
        value = _amount(str(amount if amount is not None else ""), "amount")
    except ValueError:
        refuse(
            "Give the amount written off (0 or more, in dollars).",
            code=DischargeErrorCode.WRITE_OFF_AMOUNT_INVALID,
            field="amount",
        )
    record = _record_locked(episode)
    reconciliation = reconciliations_load([episode.pk], organization=episode.organization, now=now)[episode.pk]
    record.status = ReconciliationStatus.WRITTEN_OFF
    record.closed_at, record.closed_by = now or timezone.now(), actor
    record.write_off_reason, record.write_off_amount = reason, value
    with pghistory.context(
        billing_closed_by=str(actor.pk),
        billing_status="written_off",
        billing_write_off_amount=str(value),
        billing_discrepancies_left=[d.kind for d in reconciliation.discrepancies],
    ):
        record.save()
    return record
