"""What an attendance report shows: one episode's attendance over a date range, for the clinician
before a concurrent-review call — as a PDF (downloaded from the client page, or prepared the night
before by a Celery job) and as a CSV of the same session rows; and the episode's stored reports.

`attendance_report_data` reads everything a report shows in a constant number of queries; the PDF
and the CSV (attendance/reports/documents.py) are pure functions of it, so both exports agree.

Week numbers (scheduled, attended, required, days) are the whole week's even when the period
starts or ends mid-week: payers judge hours per week. The session rows are those within the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from iop.clients.models import Episode
from iop.common.dates import date_full
from iop.common.weeks import week_start_for
from iop.tenancy.models import Organization
from scheduling.models import RosterStatus, SessionStatus

from .. import hooks
from ..hours.requirements import Requirement
from ..hours.selectors import SessionLine, WeekSummary, week_summaries
from ..models import AbsenceAlert, AttendanceReport, PaceState, ThresholdFlag
from .periods import report_filename, report_range_validate


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
        return f"Attendance report, {date_full(self.start)} to {date_full(self.end)}"

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


def episode_reports_latest(*, organization: Organization, episode: Episode, limit: int = 5) -> list[AttendanceReport]:
    """The episode's latest stored attendance reports, newest first, without their files: one query."""
    return list(
        AttendanceReport.objects.filter(organization=organization, episode=episode)
        .defer("pdf")  # the list never needs the files themselves
        .order_by("-created_at")[:limit]
    )
