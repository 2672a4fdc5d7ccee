"""How long an attendance report's PDF takes to generate.

    .venv/bin/python bench/attendance_report.py [--weeks 4] [--sessions-per-week 4] [--runs 10]

Builds an episode's weeks in memory (unsaved model instances: no database, nothing to clean up)
with present, late, left-early and absent sessions, open flags and alerts, and renders them with
the real template, stylesheet, fetcher and PDF/UA output (`attendance_report_pdf`). Reading the
data costs three indexed queries (`attendance_report_data`, asserted in the tests), so the render
is the report's cost. Prints the median and worst of the timed runs, after one warm-up run (the
first render in a process also loads fonts and the stylesheet parser).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.dev")

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one INFO line per layout step

from django.utils import timezone  # noqa: E402

from attendance.hours.requirements import Requirement, RequirementSource  # noqa: E402
from attendance.hours.selectors import SessionLine, WeekSummary  # noqa: E402
from attendance.models import (  # noqa: E402
    AbsenceAlert,
    AbsenceReason,
    AbsenceRuleKind,
    AttendanceRecord,
    AttendanceStatus,
    PaceState,
    ThresholdFlag,
)
from attendance.reports.documents import attendance_report_csv, attendance_report_pdf  # noqa: E402
from attendance.reports.selectors import report_data_assemble  # noqa: E402
from iop.clients.models import Client, Episode, EpisodeStatus  # noqa: E402
from iop.tenancy.models import Organization, Program  # noqa: E402
from scheduling.models import Group, GroupType, RosterEntry, RosterStatus, Session, SessionStatus  # noqa: E402

# Monday, Wednesday, Friday, then Tuesday and Thursday for heavier schedules.
WEEKDAYS = (0, 2, 4, 1, 3, 0, 2, 4, 1, 3)
STATUS_CYCLE = (
    (AttendanceStatus.PRESENT, ""),
    (AttendanceStatus.PRESENT, ""),
    (AttendanceStatus.LATE, ""),
    (AttendanceStatus.PRESENT, ""),
    (AttendanceStatus.ABSENT_EXCUSED, AbsenceReason.ILLNESS),
    (AttendanceStatus.LEFT_EARLY, ""),
    (AttendanceStatus.NO_SHOW, AbsenceReason.NO_CONTACT),
)


def build(*, weeks: int, sessions_per_week: int, now: dt.datetime):
    organization = Organization(id=1, slug="bench", name="Harbor Virtual IOP", timezone="America/New_York")
    tz = organization.tzinfo
    program = Program(id=uuid.uuid4(), organization=organization, name="Adult MH IOP")
    client = Client(
        id=uuid.uuid4(),
        organization=organization,
        first_name="Robin",
        last_name="Quarry",
        date_of_birth=dt.date(1990, 4, 2),
    )
    this_week = organization.local_today(now) - dt.timedelta(days=organization.local_today(now).weekday())
    first_week = this_week - dt.timedelta(weeks=weeks)
    episode = Episode(
        id=uuid.uuid4(),
        organization=organization,
        client=client,
        program=program,
        status=EpisodeStatus.ACTIVE,
        referral_date=first_week - dt.timedelta(days=14),
        admission_date=first_week - dt.timedelta(days=7),
    )
    process = GroupType(name="Process group", counts_toward_hours=True)
    checkin = GroupType(name="Community check-in", counts_toward_hours=False)
    groups = [Group(name="Process A", group_type=process), Group(name="Check-in", group_type=checkin)]
    requirement = Requirement(minutes_per_week=540, days_per_week=3, source=RequirementSource.TREATMENT_PLAN)
    summaries, n = [], 0
    for w in range(weeks + 1):  # the full weeks, then this week
        week_start = first_week + dt.timedelta(weeks=w)
        summary = WeekSummary(episode=episode, week_start=week_start, requirement=requirement, closed=w < weeks)
        for i in range(sessions_per_week):
            day = week_start + dt.timedelta(days=WEEKDAYS[i % len(WEEKDAYS)])
            starts = dt.datetime.combine(day, dt.time(9 + 4 * (i // 5)), tzinfo=tz)
            group = groups[1] if i % 4 == 3 else groups[0]
            minutes = 30 if group is groups[1] else 180
            session = Session(
                id=uuid.uuid4(),
                group=group,
                local_date=day,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=minutes),
                status=SessionStatus.SCHEDULED,
            )
            entry = RosterEntry(id=uuid.uuid4(), session=session, episode=episode, status=RosterStatus.BOOKED)
            record = None
            if session.ends_at < now:
                status, reason = STATUS_CYCLE[n % len(STATUS_CYCLE)]
                n += 1
                arrived = None if reason else starts + dt.timedelta(minutes=25 if status == "late" else 0)
                early = minutes // 3 if status == "left_early" else 0
                departed = None if reason else session.ends_at - dt.timedelta(minutes=early)
                attended = int((departed - arrived).total_seconds() // 60) if arrived else 0
                record = AttendanceRecord(
                    id=uuid.uuid4(),
                    session=session,
                    episode=episode,
                    status=status,
                    arrived_at=arrived,
                    departed_at=departed,
                    attended_minutes=attended,
                    counted_minutes=attended if group.group_type.counts_toward_hours else 0,
                    absence_reason=reason,
                    note="Called the client back; see the outreach note." if reason else "",
                    is_late_entry=n % 11 == 0,
                )
            summary.lines.append(SessionLine(entry=entry, record=record))
        summary.lines.sort(key=lambda line: line.session.starts_at)  # as the selector orders them
        summaries.append(summary)
    flags = [
        ThresholdFlag(
            week_start=first_week + dt.timedelta(weeks=1),
            state=PaceState.BELOW_MINIMUM,
            required_minutes=540,
            required_days=3,
            attended_minutes=330,
            remaining_minutes=0,
            days_attended=2,
            requirement_source="treatment_plan",
            raised_at=now - dt.timedelta(days=14),
        )
    ]
    alerts = [
        AbsenceAlert(
            kind=AbsenceRuleKind.ABSENCES_IN_WINDOW,
            summary="3 absences within 14 days",
            raised_at=now - dt.timedelta(days=3),
        )
    ]
    return report_data_assemble(
        organization=organization,
        episode=episode,
        start=first_week,
        end=this_week + dt.timedelta(days=6),
        summaries=summaries,
        open_flags=flags,
        open_alerts=alerts,
        now=now,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4, help="full weeks before this week (default 4)")
    parser.add_argument("--sessions-per-week", type=int, default=4, help="the client's sessions a week (default 4)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    now = timezone.now()
    data = build(weeks=args.weeks, sessions_per_week=args.sessions_per_week, now=now)
    attendance_report_pdf(data=data, generated_by="Bench Mark")  # warm-up: fonts, stylesheet parser
    timings, pdf = [], b""
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf = attendance_report_pdf(data=data, generated_by="Bench Mark")
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    attendance_report_csv(data=data)
    csv_seconds = time.perf_counter() - started

    pages = "?"
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:  # pypdf is a development dependency
        pass
    rows = len(data.sessions)
    print(f"{args.weeks} full weeks + this week, {rows} session rows, {pages} pages, {len(pdf) / 1024:.0f} KiB")
    print(f"PDF: median {statistics.median(timings):.3f} s, worst {max(timings):.3f} s over {args.runs} runs")
    print(f"CSV: {csv_seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
