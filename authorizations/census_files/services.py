"""The census import: a CSV of clients, each with their episode of care and (optionally) their
coverage, previewed and then imported through the services that create them one by one
(`client_intake`, `episode_transition`, `coverage_create`), so every rule, the change history and
the program's weekly defaults apply as on the intake form.

The file (one row per client; the first line names the columns, in any order, any case):

- `first_name`, `last_name`, `date_of_birth` — required; `preferred_name`, `email`, `phone`;
- `program` — required: the name of one of the organization's active programs;
- `referral_date` — required; `admission_date` — when given, the episode is admitted on it
  (referred → intake → active), else it stays referred;
- `payer` (the payer's name or its electronic payer id), `member_id`, `coverage_start` — required
  together when the client is covered (all empty: no coverage); `coverage_end`, `group_number`,
  `plan` (a plan of that payer, by name), `subscriber_relationship` (self, spouse, child, other;
  default self), `priority` (primary, secondary; default primary).

Dates are `YYYY-MM-DD` or `MM/DD/YYYY`. `CENSUS_COLUMNS` is the order of the template file.

How rows are judged (`census_import`): every row is read and checked first — the values, the
program and payer (of this organization only), the dates against each other and today, duplicates
within the file (same name and date of birth, or same payer and member id, as an earlier line) —
and then (unless previewing) the good rows are written through the services inside one
transaction, each in a savepoint, so a refusal of a service — none is expected after the checks,
which hold the services' rules for a new client — is still reported on its row. A row for a client the
organization already has (same name and date of birth, or a coverage with the same payer and member
id) is reported as existing and skipped, never duplicated: uploading the same file again imports
nothing.

`mode`: `preview` writes nothing (the checks only); `all` imports only when every row
is good or existing (else nothing, and the rows are reported); `good_only` imports the good rows
and reports the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower

from authorizations.coverage.services.coverages import coverage_create
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import Coverage, CoveragePriority, Payer, PayerPlan, SubscriberRelationship
from iop.clients.models import Client, EpisodeStatus
from iop.clients.services import client_intake, episode_transition
from iop.common.csv_files import csv_text
from iop.common.exceptions import ApplicationError, refuse
from iop.common.uploads import MIB, FileType, UploadValidator
from iop.tenancy.models import Organization, Program

from .documents import CENSUS_EXPORT_HEADER

if TYPE_CHECKING:
    from iop.accounts.models import User

MAX_FILE_BYTES = 2 * MIB
MAX_ROWS = 2000

REQUIRED_COLUMNS = ("first_name", "last_name", "date_of_birth", "program", "referral_date")
CENSUS_COLUMNS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "program",
    "referral_date",
    "admission_date",
    "payer",
    "plan",
    "member_id",
    "group_number",
    "coverage_start",
    "coverage_end",
    "subscriber_relationship",
    "priority",
)
# The template's example row (an invented client; the demo organization's program and payer): what each
# column holds.
TEMPLATE_EXAMPLE = {
    "first_name": "Jordan",
    "last_name": "Example",
    "preferred_name": "Jo",
    "date_of_birth": "1988-04-12",
    "email": "jordan@example.com",
    "phone": "555-0100",
    "program": "Adult Mental Health IOP",
    "referral_date": "2026-11-02",
    "admission_date": "2026-11-05",
    "payer": "Blue Harbor Health",
    "plan": "",
    "member_id": "XJH123456789",
    "group_number": "GRP-100",
    "coverage_start": "2026-01-01",
    "coverage_end": "",
    "subscriber_relationship": "self",
    "priority": "primary",
}
_COVERAGE_COLUMNS = ("payer", "member_id", "coverage_start", "coverage_end", "group_number", "plan")
_LIMITS = {
    "first_name": 80,
    "last_name": 80,
    "preferred_name": 80,
    "phone": 32,
    "member_id": 40,
    "group_number": 40,
}

# The upload: a CSV (text, UTF-8) up to 2 MB — the form's and the API's validator.
census_file_validator = UploadValidator(
    types={".csv": FileType("text/csv", text=True), ".txt": FileType("text/plain", text=True)},
    max_bytes=MAX_FILE_BYTES,
    accepted="a CSV file (.csv)",
)


class ImportMode(StrEnum):
    PREVIEW = "preview"
    ALL = "all"
    GOOD_ONLY = "good_only"


class RowStatus(StrEnum):
    NEW = "new"  # good: imported (or would be, in a preview)
    EXISTING = "existing"  # the organization has this client already: skipped
    BAD = "bad"  # something is wrong: not imported


@dataclass
class CensusRow:
    line: int  # the line of the file (the header is line 1)
    name: str  # "Last, First", as the file has it: for the person reading the preview
    status: RowStatus = RowStatus.NEW
    problems: list[str] = field(default_factory=list)
    note: str = ""  # why an existing row was skipped
    client_id: object = None  # the client created, or the one that exists


@dataclass
class CensusImportResult:
    mode: ImportMode
    rows: list[CensusRow]
    imported: bool = False  # whether anything was written
    created_clients: int = 0
    created_coverages: int = 0
    admitted: int = 0

    def of(self, status: RowStatus) -> list[CensusRow]:
        return [row for row in self.rows if row.status == status]

    @property
    def bad(self) -> list[CensusRow]:
        return self.of(RowStatus.BAD)

    @property
    def good(self) -> list[CensusRow]:
        return self.of(RowStatus.NEW)

    @property
    def existing(self) -> list[CensusRow]:
        return self.of(RowStatus.EXISTING)

    @property
    def all_good(self) -> bool:
        return not self.bad


def census_template_csv() -> str:
    """The template file: the header and one example row."""
    return csv_text(header=CENSUS_COLUMNS, rows=[[TEMPLATE_EXAMPLE[name] for name in CENSUS_COLUMNS]])


# --- Reading the file -------------------------------------------------------------------------------


def _file_refused(message: str):
    refuse(message, code=AuthorizationsErrorCode.CENSUS_FILE_INVALID, field="file")


def census_text(content: bytes) -> str:
    """The file's text; refused when empty, too large or not UTF-8 text."""
    if not content or not content.strip():
        _file_refused("The file is empty.")
    if len(content) > MAX_FILE_BYTES:
        _file_refused(f"The file is larger than {MAX_FILE_BYTES // MIB} MB: split it.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _file_refused("The file is not UTF-8 text: save it as “CSV UTF-8” and attach it again.")
    if "\x00" in text:
        _file_refused("The file is not text.")
    return text


def _header_name(name: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [_header_name(name) for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            _file_refused(f"The file's first line must name the columns; missing: {', '.join(missing)}.")
        # The census export's own columns (level of care, authorization…) are read past, so an
        # export can be imported as it is; any other name is a typo that would lose a value.
        unknown = [name for name in header if name and name not in CENSUS_COLUMNS + CENSUS_EXPORT_HEADER]
        if unknown:
            _file_refused(f"Unknown columns: {', '.join(unknown)} (the template lists the columns).")
        reader.fieldnames = header
        rows: list[tuple[int, dict[str, str]]] = []
        for row in reader:
            values = {k: (v or "").strip() for k, v in row.items() if k}
            if not any(values.values()):
                continue
            if len(rows) >= MAX_ROWS:
                _file_refused(f"The file has more than {MAX_ROWS} rows: split it.")
            rows.append((reader.line_num, values))
    except csv.Error as error:
        _file_refused(f"The file is not a readable CSV: {error}.")
    if not rows:
        _file_refused("The file has no rows under its header.")
    return rows


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(text: str) -> dt.date:
    """A date as census sheets write them (ISO, or US month/day/year); ValueError otherwise."""
    if match := _US_DATE.match(text):
        month, day, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    if _ISO_DATE.match(text):
        return dt.date.fromisoformat(text)
    raise ValueError(text)


# --- Checking rows -------------------------------------------------------------------------------------


@dataclass
class _Lookups:
    """Everything the rows are matched against, loaded once (a constant number of queries)."""

    programs: dict[str, Program]
    payers: dict[str, Payer]
    plans: dict[tuple, PayerPlan]
    clients_by_name: dict[tuple, Any]  # (first, last, dob) → client id
    clients_by_member: dict[tuple, Any]  # (payer id, member id) → client id


def _lookups(organization: Organization) -> _Lookups:
    programs = {p.name.strip().lower(): p for p in Program.objects.filter(organization=organization)}
    payers: dict[str, Payer] = {}
    for payer in Payer.objects.filter(organization=organization):
        payers[payer.name.strip().lower()] = payer
        if payer.payer_id:
            payers.setdefault(payer.payer_id.strip().lower(), payer)
    plans = {(p.payer_id, p.name.strip().lower()): p for p in PayerPlan.objects.filter(organization=organization)}
    by_name = {
        (first, last, born): pk
        for pk, first, last, born in Client.objects.filter(organization=organization)
        .annotate(first=Lower("first_name"), last=Lower("last_name"))
        .values_list("pk", "first", "last", "date_of_birth")
    }
    by_member = {
        (payer_id, member.strip().lower()): client_id
        for client_id, payer_id, member in Coverage.objects.filter(organization=organization).values_list(
            "client_id", "payer_id", "member_id"
        )
    }
    return _Lookups(programs, payers, plans, by_name, by_member)


@dataclass
class _Checked:
    """A row's values, read and checked (what the services will be given)."""

    row: CensusRow
    client_fields: dict
    program: Program | None = None
    referral_date: dt.date | None = None
    admission_date: dt.date | None = None
    coverage: dict | None = None


def _row_check(line: int, values: dict[str, str], *, lookups: _Lookups, today: dt.date) -> _Checked:
    first, last = values.get("first_name", ""), values.get("last_name", "")
    row = CensusRow(line=line, name=", ".join(part for part in (last, first) if part) or "(no name)")
    problems = row.problems

    def date_of(name: str, label: str, *, required: bool = False) -> dt.date | None:
        text = values.get(name, "")
        if not text:
            if required:
                problems.append(f"{label} is missing.")
            return None
        try:
            return _date(text)
        except ValueError:
            problems.append(f"{label} “{text}” is not a date (YYYY-MM-DD or MM/DD/YYYY).")
            return None

    if not first:
        problems.append("First name is missing.")
    if not last:
        problems.append("Last name is missing.")
    for name, limit in _LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append(f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters.")
    email = values.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Email “{email}” is not an email address.")

    born = date_of("date_of_birth", "Date of birth", required=True)
    if born is not None and born > today:
        problems.append("Date of birth is in the future.")
    elif born is not None and born.year < 1900:
        problems.append("Date of birth is before 1900.")

    program = None
    program_name = values.get("program", "")
    if not program_name:
        problems.append("Program is missing.")
    else:
        program = lookups.programs.get(program_name.lower())
        if program is None:
            problems.append(f"Unknown program “{program_name}”.")
        elif not program.is_active:
            problems.append(f"Program “{program_name}” is no longer active.")

    referral = date_of("referral_date", "Referral date", required=True)
    admission = date_of("admission_date", "Admission date")
    if referral is not None and referral > today:
        problems.append("Referral date is in the future.")
    if admission is not None:
        if admission > today:
            problems.append("Admission date is in the future.")
        if referral is not None and admission < referral:
            problems.append("Admission date is before the referral date.")

    coverage = None
    if any(values.get(name) for name in _COVERAGE_COLUMNS):
        coverage = _coverage_check(values, lookups=lookups, problems=problems, date_of=date_of, today=today)

    checked = _Checked(
        row=row,
        client_fields={
            "first_name": first,
            "last_name": last,
            "preferred_name": values.get("preferred_name", ""),
            "date_of_birth": born,
            "email": email,
            "phone": values.get("phone", ""),
        },
        program=program,
        referral_date=referral,
        admission_date=admission,
        coverage=coverage,
    )
    if problems:
        row.status = RowStatus.BAD
    return checked


def _coverage_check(values: dict[str, str], *, lookups: _Lookups, problems: list[str], date_of, today) -> dict:
    payer_name, member_id = values.get("payer", ""), values.get("member_id", "")
    payer = None
    if not payer_name:
        problems.append("Payer is missing (a member id or coverage date needs its payer).")
    else:
        payer = lookups.payers.get(payer_name.lower())
        if payer is None:
            problems.append(f"Unknown payer “{payer_name}”.")
        elif not payer.is_active:
            problems.append(f"Payer “{payer_name}” is no longer active.")
    if not member_id:
        problems.append("Member id is missing.")
    start = date_of("coverage_start", "Coverage start", required=True)
    end = date_of("coverage_end", "Coverage end")
    if start is not None and end is not None and end < start:
        problems.append("Coverage end is before the coverage start.")
    plan = None
    plan_name = values.get("plan", "")
    if plan_name and payer is not None:
        plan = lookups.plans.get((payer.pk, plan_name.lower()))
        if plan is None:
            problems.append(f"Unknown plan “{plan_name}” of {payer.name}.")
    relationship = (values.get("subscriber_relationship") or SubscriberRelationship.SELF).lower()
    if relationship not in SubscriberRelationship.values:
        problems.append(f"Subscriber relationship must be one of {', '.join(SubscriberRelationship.values)}.")
    priority = (values.get("priority") or CoveragePriority.PRIMARY).lower()
    if priority not in CoveragePriority.values:
        problems.append("Priority must be primary or secondary.")
    return {
        "payer": payer,
        "plan": plan,
        "member_id": member_id,
        "group_number": values.get("group_number", ""),
        "effective_from": start,
        "effective_to": end,
        "subscriber_relationship": relationship,
        "priority": priority,
    }


def _duplicates_mark(checked: list[_Checked], lookups: _Lookups) -> None:
    """Existing clients (skipped) and repeats within the file (bad: which line to keep is the
    person's call)."""
    seen_names: dict[tuple, int] = {}
    seen_members: dict[tuple, int] = {}
    for item in checked:
        fields, row = item.client_fields, item.row
        name_key = None
        if fields["date_of_birth"] and fields["first_name"] and fields["last_name"]:
            name_key = (fields["first_name"].lower(), fields["last_name"].lower(), fields["date_of_birth"])
        member_key = None
        coverage = item.coverage
        if coverage and coverage["payer"] is not None and coverage["member_id"]:
            member_key = (coverage["payer"].pk, coverage["member_id"].lower())
        earlier = (seen_names.get(name_key) if name_key else None) or (
            seen_members.get(member_key) if member_key else None
        )
        if earlier is not None:
            row.status = RowStatus.BAD
            row.problems.append(f"Duplicate client: the same client as line {earlier}.")
            continue
        if name_key:
            seen_names[name_key] = row.line
        if member_key:
            seen_members[member_key] = row.line
        if row.status == RowStatus.BAD:
            continue
        if name_key and name_key in lookups.clients_by_name:
            row.status, row.client_id = RowStatus.EXISTING, lookups.clients_by_name[name_key]
            row.note = "A client with this name and date of birth exists already: skipped."
        elif member_key and member_key in lookups.clients_by_member:
            row.status, row.client_id = RowStatus.EXISTING, lookups.clients_by_member[member_key]
            row.note = "A client with this payer's member id exists already: skipped."


# --- Writing -------------------------------------------------------------------------------------------


def _refusal_text(exc: ApplicationError) -> str:
    details = [message for messages in exc.extra.values() for message in messages if message != exc.message]
    return " ".join([exc.message, *details])


def _row_import(item: _Checked, *, organization: Organization, actor: User | None, result: CensusImportResult):
    """One row through the services: the client with their episode and plan (the intake form's
    service), the admission, the coverage."""
    assert item.program is not None and item.referral_date is not None
    episode = client_intake(
        organization=organization,
        actor=actor,
        client_fields=item.client_fields,
        program=item.program,
        referral_date=item.referral_date,
        required_hours_per_week=None,
        required_days_per_week=None,
        tracks=[],
    )
    if item.admission_date is not None:
        for status in (EpisodeStatus.INTAKE, EpisodeStatus.ACTIVE):
            episode = episode_transition(
                episode=episode, to_status=status, effective_date=item.admission_date, actor=actor
            )
        result.admitted += 1
    if item.coverage is not None:
        coverage_create(client=episode.client, actor=actor, **item.coverage)
        result.created_coverages += 1
    result.created_clients += 1
    item.row.client_id = episode.client_id


def _checked(rows, *, lookups: _Lookups, today: dt.date) -> tuple[list[_Checked], list[CensusRow]]:
    checked = [_row_check(line, values, lookups=lookups, today=today) for line, values in rows]
    _duplicates_mark(checked, lookups)
    return checked, [item.row for item in checked]


# The first key of the census import's advisory lock (the organization is the second): "CENS".
_LOCK_CLASS = 0x43454E53


def _lock_census_of(organization: Organization) -> None:
    """One census import of an organization at a time, until its transaction ends:
    the same file sent twice at once (a double click) must find the first one's clients, not
    create them again. Clients have no unique key to lean on (two people may share a name and
    birth date in a large organization), hence a lock rather than a constraint."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, organization.pk % 2**31])


def census_import(
    *, organization: Organization, content: bytes, actor: User | None, mode: ImportMode = ImportMode.PREVIEW
) -> CensusImportResult:
    """Read, check and (by `mode`) import a census file; the module's docstring says how. Refused
    whole (`CENSUS_FILE_INVALID`) when the file cannot be read as a census."""
    rows = _rows(census_text(content))
    today = organization.local_today()
    if mode == ImportMode.PREVIEW:
        # The checks alone: they hold every rule the services apply to a new client's row, and
        # running the services besides (then rolling back) doubled a preview's time for nothing.
        lookups = _lookups(organization)
        return CensusImportResult(mode=ImportMode.PREVIEW, rows=_checked(rows, lookups=lookups, today=today)[1])
    with transaction.atomic():
        _lock_census_of(organization)
        lookups = _lookups(organization)
        checked, judged = _checked(rows, lookups=lookups, today=today)
        result = CensusImportResult(mode=ImportMode(mode), rows=judged)
        if mode == ImportMode.ALL and not result.all_good:
            return result  # refused by the checks already: no service need run
        for item in checked:
            if item.row.status != RowStatus.NEW:
                continue
            try:
                with transaction.atomic():
                    _row_import(item, organization=organization, actor=actor, result=result)
            except ApplicationError as exc:
                item.row.status = RowStatus.BAD
                item.row.problems.append(_refusal_text(exc))
                item.row.client_id = None
        keep = mode == ImportMode.GOOD_ONLY or result.all_good
        if not keep or not result.good:
            # "All" with a bad row: nothing stays (and nothing counts as created).
            transaction.set_rollback(True)
            result.created_clients = result.created_coverages = result.admitted = 0
            for row in result.good:
                row.client_id = None
        else:
            result.imported = True
    return result


def census_rows_refusal(result: CensusImportResult):
    """Refuse an "all" import that had bad rows, naming each by its line (for the API)."""
    refuse(
        f"Nothing was imported: {len(result.bad)} row(s) need correcting (or import the good rows only).",
        code=AuthorizationsErrorCode.CENSUS_ROWS_REFUSED,
        extra={f"line {row.line}": row.problems for row in result.bad},
    )
