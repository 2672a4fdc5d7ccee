"""Attendance reports: one episode's attendance over a date range, for the clinician before a
concurrent-review call — as a PDF (downloaded from the client page, or prepared the night before
by a Celery job) and as a CSV of the same session rows.

`attendance_report_data` reads everything a report shows in a constant number of queries; the PDF
and the CSV are pure functions of it, so both exports always agree.

Week numbers (scheduled, attended, required, days) are the whole week's even when the period
starts or ends mid-week: payers judge hours per week. The session rows are those within the period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import traceback
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.exceptions import refuse
from iop.common.pdf import pdf_document
from iop.tenancy.models import Organization
from scheduling.models import RosterStatus, SessionStatus
from scheduling.selectors import week_start_for

from .. import hooks
from ..errors import AttendanceErrorCode
from ..hours.requirements import Requirement
from ..hours.selectors import SessionLine, WeekSummary, episode_for_attendance, this_week_start, week_summaries
from ..models import AbsenceAlert, AttendanceReport, PaceState, ReportStatus, ThresholdFlag

logger = logging.getLogger(__name__)

MAX_REPORT_WEEKS = 26
DEFAULT_FULL_WEEKS = 4
REPORT_TEMPLATE = "pdf/attendance_report.html"
SYSTEM_AUTHOR = "IOP Ops (prepared automatically)"

CSV_HEADER = (
    "date",
    "start",
    "end",
    "group",
    "group type",
    "counts toward hours",
    "status",
    "arrived",
    "departed",
    "attended minutes",
    "counted minutes",
    "absence reason",
    "note",
    "late entry",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- Range -------------------------------------------------------------------------------------


def report_default_range(*, organization: Organization, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The last four full weeks and this whole week: this week's sessions still to come are listed
    as booked, so the session rows add up to the week table's scheduled hours."""
    this_week = this_week_start(organization, now)
    return this_week - dt.timedelta(weeks=DEFAULT_FULL_WEEKS), this_week + dt.timedelta(days=6)


def report_range_validate(*, start: dt.date, end: dt.date) -> None:
    if end < start:
        refuse("The end date is before the start date.", code=AttendanceErrorCode.REPORT_RANGE_REVERSED, field="end")
    if (end - start).days + 1 > MAX_REPORT_WEEKS * 7:
        refuse(
            f"A report covers at most {MAX_REPORT_WEEKS} weeks: choose a later start or an earlier end.",
            code=AttendanceErrorCode.REPORT_RANGE_TOO_LONG,
            field="end",
        )


def report_filename(*, episode_id, start: dt.date, end: dt.date) -> str:
    """A download's name (without extension): never the client's name, which file lists, browser
    histories and mail attachments would keep."""
    return f"attendance-{str(episode_id)[:8]}-{start:%Y-%m-%d}-{end:%Y-%m-%d}"


# --- Data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSession:
    """One of the client's sessions in the period, in the organization's local time."""

    line: SessionLine
    starts_at: dt.datetime
    ends_at: dt.datetime
    arrived_at: dt.datetime | None
    departed_at: dt.datetime | None
    status_label: str

    @property
    def record(self):
        return self.line.record

    @property
    def group(self):
        return self.line.session.group

    @property
    def counts(self) -> bool:
        return self.line.counts

    @property
    def is_absent(self) -> bool:
        return self.record is not None and self.record.is_absent


@dataclass(frozen=True)
class ReportWeek:
    summary: WeekSummary
    pace_label: str
    # The week starts before or ends after the period: its session rows are only partly listed.
    partial: bool

    @property
    def attended_day_count(self) -> int:
        return len(self.summary.attended_days)

    @property
    def met(self) -> bool:
        return self.summary.state == PaceState.ON_TRACK


@dataclass(frozen=True)
class ReportCoverage:
    """The client's coverage as the review call needs it (the authorizations app supplies it)."""

    payer: str
    plan: str
    member_id: str
    group_number: str = ""


@dataclass(frozen=True)
class ReportAuthorization:
    """An authorization whose window overlaps the period, its units counted through `as_of` (the
    report's end date, or the window's end when that is earlier). `used` and `remaining` are None
    for unit types not measured from attendance (evaluations, instruments)."""

    number: str
    code: str
    status: str
    start: dt.date
    end: dt.date
    unit_label: str  # "days", "sessions", "15-minute units" …
    authorized: int
    used: int | None
    remaining: int | None
    as_of: dt.date


@dataclass(frozen=True)
class ReportPayer:
    coverage: ReportCoverage | None = None
    authorizations: tuple[ReportAuthorization, ...] = ()


def report_payer_load(
    *, organization: Organization, episode: Episode, start: dt.date, end: dt.date, now: dt.datetime
) -> ReportPayer:
    """The coverage and units from the app that registered them (attendance.hooks); without one
    the report says "Not recorded"."""
    loaded = hooks.report_payer_registered_load(
        organization=organization, episode=episode, start=start, end=end, now=now
    )
    return loaded if loaded is not None else ReportPayer()


@dataclass
class ReportData:
    organization: Organization
    episode: Episode
    start: dt.date
    end: dt.date
    generated_at: dt.datetime  # local
    weeks: list[ReportWeek]
    sessions: list[ReportSession]
    open_flags: list[ThresholdFlag]
    open_alerts: list[AbsenceAlert]
    payer: ReportPayer = field(default_factory=ReportPayer)
    requirement_sources: list[str] = field(default_factory=list)

    @property
    def client(self):
        return self.episode.client

    @property
    def coverage(self) -> ReportCoverage | None:
        return self.payer.coverage

    @property
    def authorizations(self) -> tuple[ReportAuthorization, ...]:
        return self.payer.authorizations

    @property
    def absences(self) -> list[ReportSession]:
        return [s for s in self.sessions if s.is_absent]

    @property
    def has_partial_weeks(self) -> bool:
        return any(w.partial for w in self.weeks)

    @property
    def requirement(self) -> Requirement | None:
        """The latest week's requirement (the one the review is about)."""
        return self.weeks[-1].summary.requirement if self.weeks else None

    @property
    def scheduled_hours(self):
        return sum((w.summary.scheduled_hours for w in self.weeks), start=0)

    @property
    def attended_hours(self):
        return sum((w.summary.attended_hours for w in self.weeks), start=0)

    @property
    def title(self) -> str:
        # The PDF's metadata title: no client name (file lists and desktop search index it).
        return f"Attendance report, {self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    @property
    def filename_stem(self) -> str:
        return report_filename(episode_id=self.episode.pk, start=self.start, end=self.end)


def _pace_label(summary: WeekSummary) -> str:
    # A report also judges the weeks of care of an episode that has since stepped down or ended.
    if summary.outside_care:
        return summary.outside_care
    if not summary.closed and summary.state == PaceState.ON_TRACK:
        return "On track (week in progress)"
    if summary.closed and summary.state == PaceState.ON_TRACK:
        return "Met"
    return PaceState(summary.state).label


def _status_label(line: SessionLine, now: dt.datetime) -> str:
    if line.record is not None:
        return line.record.get_status_display()
    if line.session.status != SessionStatus.SCHEDULED:
        return "Session cancelled"
    if line.entry.status != RosterStatus.BOOKED:
        return RosterStatus(line.entry.status).label
    return "Booked" if line.session.ends_at > now else "Not recorded"


def _local(value: dt.datetime | None, tz) -> dt.datetime | None:
    return value.astimezone(tz) if value is not None else None


def attendance_report_data(
    *, organization: Organization, episode: Episode, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> ReportData:
    """Everything the report shows, in a constant number of queries however long the period (the
    weeks' sessions, open flags, open alerts, and the payer's side: coverage, authorizations and
    their units). `episode` must come from `episode_for_attendance` (client, program,
    plan and clinician already joined)."""
    report_range_validate(start=start, end=end)
    now = now or timezone.now()
    summaries = week_summaries(
        organization=organization,
        episodes=[episode],
        first_week=week_start_for(organization, start),
        last_week=week_start_for(organization, end),
        now=now,
    )
    # A flag's numbers are a snapshot from when it was raised; the report shows the state and the
    # week, and the week table has the current numbers.
    flags = ThresholdFlag.objects.filter(organization=organization, episode=episode, resolved_at__isnull=True)
    alerts = AbsenceAlert.objects.filter(organization=organization, episode=episode, acknowledged_at__isnull=True)
    return report_data_assemble(
        organization=organization,
        episode=episode,
        start=start,
        end=end,
        summaries=list(summaries.values()),
        open_flags=list(flags.order_by("week_start", "raised_at")),
        open_alerts=list(alerts.order_by("raised_at")),
        now=now,
        payer=report_payer_load(organization=organization, episode=episode, start=start, end=end, now=now),
    )


def report_data_assemble(
    *,
    organization: Organization,
    episode: Episode,
    start: dt.date,
    end: dt.date,
    summaries: list[WeekSummary],
    open_flags: list[ThresholdFlag],
    open_alerts: list[AbsenceAlert],
    now: dt.datetime,
    payer: ReportPayer | None = None,
) -> ReportData:
    """The report from what was read (no query): the weeks in order, the period's session rows in
    local time. Separate so the benchmark can render a report without a database."""
    tz = organization.tzinfo
    weeks, sessions = [], []
    for summary in sorted(summaries, key=lambda s: s.week_start):
        weeks.append(
            ReportWeek(
                summary=summary,
                pace_label=_pace_label(summary),
                partial=summary.week_start < start or summary.week_end > end,
            )
        )
        for line in summary.lines:
            if start <= line.session.local_date <= end:
                record = line.record
                sessions.append(
                    ReportSession(
                        line=line,
                        starts_at=line.session.starts_at.astimezone(tz),
                        ends_at=line.session.ends_at.astimezone(tz),
                        arrived_at=_local(record.arrived_at, tz) if record else None,
                        departed_at=_local(record.departed_at, tz) if record else None,
                        status_label=_status_label(line, now),
                    )
                )
    return ReportData(
        organization=organization,
        episode=episode,
        start=start,
        end=end,
        generated_at=now.astimezone(tz),
        weeks=weeks,
        sessions=sessions,
        open_flags=open_flags,
        open_alerts=open_alerts,
        payer=payer or ReportPayer(),
        requirement_sources=list(dict.fromkeys(w.summary.requirement.source_label for w in weeks)),
    )


# --- Exports -----------------------------------------------------------------------------------


def _pdf_context(data: ReportData, generated_by: str) -> dict:
    return {"report": data, "organization": data.organization, "generated_by": generated_by}


def attendance_report_pdf(*, data: ReportData, generated_by: str) -> bytes:
    """The report as a tagged PDF; `generated_by` is the name printed in the footer."""
    return pdf_document(template=REPORT_TEMPLATE, context=_pdf_context(data, generated_by)).content


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


def _time(value: dt.datetime | None) -> str:
    return f"{value:%H:%M}" if value is not None else ""


def attendance_report_csv(*, data: ReportData) -> str:
    """One row per session of the period (the PDF's sessions table), local times, plain values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in data.sessions:
        record = row.record
        writer.writerow(
            _cell(value)
            for value in (
                row.starts_at.date().isoformat(),
                _time(row.starts_at),
                _time(row.ends_at),
                row.group.name,
                row.group.group_type.name,
                "yes" if row.counts else "no",
                row.status_label,
                _time(row.arrived_at),
                _time(row.departed_at),
                record.attended_minutes if record else "",
                record.counted_minutes if record else "",
                record.get_absence_reason_display() if record else "",
                record.note if record else "",
                ("yes" if record.is_late_entry else "no") if record else "",
            )
        )
    return out.getvalue()


# --- Stored reports (background) ---------------------------------------------------------------


def _enqueue(report: AttendanceReport) -> None:
    from ..tasks import report_generate

    # After commit: the worker must find the row (under RLS a missing row looks like another
    # tenant's). Ids only in the message.
    report_generate.delay_on_commit(report.organization_id, str(report.pk))


@transaction.atomic
def attendance_report_request(
    *,
    organization: Organization,
    episode: Episode,
    start: dt.date,
    end: dt.date,
    purpose: str = "",
    actor=None,
) -> AttendanceReport:
    """Queue a report to be generated in the `pdf` queue; it is listed as queued until then."""
    report_range_validate(start=start, end=end)
    if episode.organization_id != organization.pk:
        refuse("The episode is not this organization's.", code=AttendanceErrorCode.EPISODE_OF_OTHER_ORGANIZATION)
    report = AttendanceReport.objects.create(
        organization=organization,
        episode=episode,
        start_date=start,
        end_date=end,
        purpose=purpose.strip()[:120],
        requested_by=actor,
    )
    _enqueue(report)
    return report


@transaction.atomic
def review_reports_prepare(
    *, organization: Organization, reviews: list[tuple[Episode, dt.date, dt.date, str]]
) -> list[AttendanceReport]:
    """One report per review call `(episode, start, end, purpose)` — the authorizations app calls
    this for tomorrow's calls. Idempotent: a review whose report is already queued or ready (same
    episode, period and purpose) is not requested again, so a re-run of the nightly job adds none.
    Returns the review's reports, existing or new, in the order given."""
    for episode, start, end, _purpose in reviews:
        report_range_validate(start=start, end=end)
        if episode.organization_id != organization.pk:
            refuse(
                "A review's episode is not this organization's.", code=AttendanceErrorCode.EPISODE_OF_OTHER_ORGANIZATION
            )
    if not reviews:
        return []
    existing = {
        (r.episode_id, r.start_date, r.end_date, r.purpose): r
        for r in AttendanceReport.objects.filter(
            organization=organization,
            episode_id__in={episode.pk for episode, *_ in reviews},
            status__in=[ReportStatus.QUEUED, ReportStatus.READY],
        ).defer("pdf")
    }
    result, new = [], []
    for episode, start, end, purpose in reviews:
        key = (episode.pk, start, end, purpose.strip()[:120])
        if key not in existing:
            existing[key] = AttendanceReport(
                organization=organization, episode=episode, start_date=start, end_date=end, purpose=key[3]
            )
            new.append(existing[key])
        result.append(existing[key])
    AttendanceReport.objects.bulk_create(new)
    for report in new:
        _enqueue(report)
    return result


def _author(report: AttendanceReport) -> str:
    user = report.requested_by
    return (user.get_full_name() or user.email) if user is not None else SYSTEM_AUTHOR


@transaction.atomic
def attendance_report_generate(*, report: AttendanceReport, now: dt.datetime | None = None) -> AttendanceReport:
    """Render a queued report and store it (`ready`), or record that it failed (`failed`, with a
    short error and no PHI). A report that is not queued any more (a redelivered task) is left as
    it is. Database errors propagate, so the task retries."""
    report = (
        AttendanceReport.objects.select_for_update(of=("self",))
        .select_related("organization", "requested_by")
        .filter(pk=report.pk)
        .first()
    )
    if report is None or report.status != ReportStatus.QUEUED:
        return report
    now = now or timezone.now()
    organization = report.organization
    try:
        # A savepoint: if a query fails, the transaction can still record the failure.
        with transaction.atomic():
            episode = episode_for_attendance(organization=organization, episode_id=report.episode_id)
            data = attendance_report_data(
                organization=organization, episode=episode, start=report.start_date, end=report.end_date, now=now
            )
            rendered = pdf_document(template=REPORT_TEMPLATE, context=_pdf_context(data, _author(report)))
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # noqa: BLE001 - any rendering failure is stored on the report
        # The frames only: an exception's message might quote client data, and logs hold no PHI.
        logger.error(
            "Attendance report %s failed: %s\n%s",
            report.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        report.status = ReportStatus.FAILED
        report.error = f"The report could not be generated ({type(exc).__name__})."[:200]
        report.save(update_fields=["status", "error"])
        return report
    report.pdf = rendered.content
    report.page_count = min(rendered.page_count, 32767)
    report.generated_at = now
    report.status = ReportStatus.READY
    report.error = ""
    report.save(update_fields=["pdf", "page_count", "generated_at", "status", "error"])
    return report
