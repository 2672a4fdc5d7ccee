"""The background jobs over the bench data, in-process: rows per second for one worker.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://iop_app@127.0.0.1/iop_bench_10 \
        .venv/bin/python bench/sweeps.py [--org harbor] [--json out.json]

(bench/run.py runs it after the pages.) Each job is the service its Celery task calls, inside the
tenant as the task runs it. Jobs that write run in a transaction rolled back afterwards, so a
re-run measures the same work (their notifications and queued tasks are discarded with it) —
except reminder delivery, which refuses to run inside a transaction: it delivers, through the
outbox providers, the dispatches prepared by a committed preparation (tomorrow's reminders; a
second run finds them sent; half are delivered one a call, as the delivery task does, half in one
batch). Prints and returns per job: seconds, rows (what the job is about: episodes,
authorizations, reviews, dispatches, sessions, seats), rows/s and queries. Then the attendance
report PDF (bench/attendance_report.py): pages per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from iop.clients.models import Episode, EpisodeStatus  # noqa: E402
from iop.tenancy.context import tenant_context  # noqa: E402
from iop.tenancy.models import Organization  # noqa: E402


@dataclass
class SweepMeasure:
    job: str
    rows: int
    unit: str
    seconds: float
    queries: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _add(out: list[SweepMeasure], done: Callable[[list[SweepMeasure]], None], measure: SweepMeasure) -> None:
    out.append(measure)
    print(
        f"  {measure.job}: {measure.rows} {measure.unit} in {measure.seconds:.2f} s, {measure.queries} queries",
        flush=True,
    )
    done(out)


class _Rollback(Exception):
    pass


def _timed(job: str, unit: str, run: Callable[[], int], *, rollback: bool) -> SweepMeasure:
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    rows = 0
    started = time.perf_counter()
    with connection.execute_wrapper(counting):
        if rollback:
            try:
                with transaction.atomic():
                    rows = run()
                    raise _Rollback
            except _Rollback:
                pass
        else:
            rows = run()
    return SweepMeasure(job=job, rows=rows, unit=unit, seconds=time.perf_counter() - started, queries=count)


def sweeps(*, org_slug: str, done: Callable[[list[SweepMeasure]], None] = lambda measures: None) -> list[SweepMeasure]:
    """The jobs in turn; `done` sees the figures so far after each (a run cut short keeps them)."""
    from django.db.models import Count, Q

    from attendance.sweeps import attendance_sweep
    from authorizations.models import Authorization, ConcurrentReview
    from authorizations.reviews.packets.services import review_packets_prepare
    from authorizations.units.services import authorizations_chase
    from iop.common.exceptions import ApplicationError
    from scheduling.models import Group, RosterEntry, Session
    from scheduling.reminders.services import reminder_deliver, reminders_deliver, reminders_prepare
    from scheduling.services.materialisation import sessions_materialise
    from scheduling.services.placements import placement_create

    org = Organization.objects.get(slug=org_slug)
    today = org.local_today()
    out = []
    with tenant_context(org.id):
        episodes = Episode.objects.filter(status__in=[EpisodeStatus.ACTIVE, EpisodeStatus.STEP_DOWN]).count()

        def pace() -> int:
            attendance_sweep(organization=org)
            return episodes

        _add(out, done, _timed("pace sweep", "episodes", pace, rollback=True))

        authorizations = Authorization.objects.count()

        def chase() -> int:
            authorizations_chase(organization=org)
            return authorizations

        _add(out, done, _timed("chase", "authorizations", chase, rollback=True))

        reviews = ConcurrentReview.objects.count()

        def packets() -> int:
            review_packets_prepare(organization=org)
            return reviews

        _add(out, done, _timed("review packets", "reviews", packets, rollback=True))

        # Past the local reminder time, tomorrow's dispatches are prepared (the task's condition).
        evening = org.local_datetime(today, dt.time(20, 0))
        queued: list = []

        def prepare() -> int:
            queued[:] = reminders_prepare(organization=org, now=max(evening, timezone.now()))
            return len(queued)

        _add(out, done, _timed("reminders prepare", "dispatches", prepare, rollback=False))

        # Half one message a call, as the delivery task runs, half in one batch (`reminders_deliver`).
        one_by_one, batched = queued[: len(queued) // 2], queued[len(queued) // 2 :]

        def deliver() -> int:
            return sum(reminder_deliver(dispatch_id=pk) is not None for pk in one_by_one)

        _add(out, done, _timed("reminders deliver", "dispatches", deliver, rollback=False))

        def deliver_batch() -> int:
            return len(reminders_deliver(dispatch_ids=batched))

        _add(out, done, _timed("reminders deliver (batch)", "dispatches", deliver_batch, rollback=False))

        # Placing clients into groups: each active client not yet in it into the group with the
        # most sessions ahead, a seat (or waitlist place) in each; clashes are refused and skipped.
        group = (
            Group.objects.filter(is_active=True)
            .annotate(ahead=Count("sessions", filter=Q(sessions__local_date__gte=today)))
            .order_by("-ahead", "pk")
            .first()
        )

        def place() -> int:
            assert group is not None  # measured only when there is one
            seats = 0
            for episode in Episode.objects.filter(status=EpisodeStatus.ACTIVE).exclude(placements__group=group)[:40]:
                try:
                    result = placement_create(episode=episode, group=group, start_date=today, waitlist_if_full=True)
                except ApplicationError:
                    continue
                seats += len(result.booked) + len(result.waitlisted)
            return seats

        if group is not None:
            _add(out, done, _timed("placements (40 clients)", "seats", place, rollback=True))

        def materialise(day: dt.date) -> Callable[[], int]:
            def run() -> int:
                sessions_before, seats_before = Session.objects.count(), RosterEntry.objects.count()
                sessions_materialise(organization=org, today=day)
                return Session.objects.count() - sessions_before + RosterEntry.objects.count() - seats_before

            return run

        _add(
            out,
            done,
            _timed("materialise next day", "sessions+seats", materialise(today + dt.timedelta(days=1)), rollback=True),
        )
        _add(
            out,
            done,
            _timed("materialise +4 weeks", "sessions+seats", materialise(today + dt.timedelta(weeks=4)), rollback=True),
        )
    return out


def pdf_pages_per_second(*, weeks: int = 8, runs: int = 3) -> dict:
    """The attendance report PDF of bench/attendance_report.py (built in memory, rendered for real)."""
    from pypdf import PdfReader

    from bench.attendance_report import attendance_report_pdf, build

    data = build(weeks=weeks, sessions_per_week=4, now=timezone.now())
    attendance_report_pdf(data=data, generated_by="Bench Mark")  # warm-up: fonts, stylesheet parser
    started = time.perf_counter()
    for _ in range(runs):
        pdf = attendance_report_pdf(data=data, generated_by="Bench Mark")
    seconds = (time.perf_counter() - started) / runs
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return {"weeks": weeks, "pages": pages, "seconds": seconds, "pages_per_second": pages / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="harbor")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()

    def write(measures: list[SweepMeasure], pdf: dict | None = None) -> None:
        if args.json:
            figures = [{**asdict(m), "rows_per_second": m.rows_per_second} for m in measures]
            Path(args.json).write_text(json.dumps({"sweeps": figures, "pdf": pdf}, indent=2))

    pdf = pdf_pages_per_second()  # first: seconds, where a sweep may take minutes
    print(f"  attendance report PDF: {pdf['pages']} pages in {pdf['seconds']:.2f} s", flush=True)
    measures = sweeps(org_slug=args.org, done=lambda ms: write(ms, pdf))
    print("| Job | rows | rows/s | seconds | queries |\n|---|---:|---:|---:|---:|")
    for m in measures:
        print(f"| {m.job} | {m.rows} {m.unit} | {m.rows_per_second:.0f} | {m.seconds:.2f} | {m.queries} |")
    print(
        f"| attendance report PDF | {pdf['pages']} pages | {pdf['pages_per_second']:.1f} pages/s "
        f"| {pdf['seconds']:.2f} | – |"
    )
    write(measures, pdf)


if __name__ == "__main__":
    main()
