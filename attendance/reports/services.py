"""Attendance reports as stored files: the period's rules, requesting one (from the client page,
or for tomorrow's review calls) and generating it in the `pdf` queue."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

from ..errors import AttendanceErrorCode
from ..hours.selectors import episode_for_attendance
from ..models import AttendanceReport, ReportStatus
from .documents import attendance_report_document
from .periods import report_range_validate
from .selectors import attendance_report_data

if TYPE_CHECKING:
    from iop.accounts.models import User

logger = logging.getLogger(__name__)


SYSTEM_AUTHOR = "IOP Ops (prepared automatically)"


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
    actor: User | None = None,
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
def attendance_report_generate(*, report: AttendanceReport, now: dt.datetime | None = None) -> AttendanceReport | None:
    """Render a queued report and store it (`ready`), or record that it failed (`failed`, with a
    short error and no PHI). A report that is not queued any more (a redelivered task) is left as
    it is, and one deleted meanwhile gives None. Database errors propagate, so the task retries."""
    locked = (
        AttendanceReport.objects.select_for_update(of=("self",))
        .select_related("organization", "requested_by")
        .filter(pk=report.pk)
        .first()
    )
    if locked is None or locked.status != ReportStatus.QUEUED:
        return locked
    report = locked
    now = now or timezone.now()
    organization = report.organization
    try:
        # A savepoint: if a query fails, the transaction can still record the failure.
        with transaction.atomic():
            episode = episode_for_attendance(organization=organization, episode_id=report.episode_id)
            if episode is None:
                # Cannot happen while the report row is locked (deleting the episode deletes it), but
                # if it did, the report fails rather than the task.
                raise LookupError("report episode missing")
            data = attendance_report_data(
                organization=organization, episode=episode, start=report.start_date, end=report.end_date, now=now
            )
            rendered = attendance_report_document(data=data, generated_by=_author(report))
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
