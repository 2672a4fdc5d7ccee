"""Attendance's Celery jobs: thin adapters from the queue (and beat) to the services.

Arguments are ids only, `organization_id` first (broker messages are plain text, so no PHI), and
every per-organization task is a `TenantTask`: it runs inside that tenant, under RLS like a web
request.
"""

from __future__ import annotations

from celery import shared_task

from iop.common.tasks import DB_RETRY, TenantTask, active_organization, organizations_fan_out

# --- Reports -------------------------------------------------------------------------------------


# Routed to the `pdf` queue (CELERY_TASK_ROUTES). Idempotent: the service renders only a report
# still queued, under a row lock, so a redelivery after a lost worker is safe.
@shared_task(base=TenantTask, name="attendance.report_generate", reject_on_worker_lost=True, **DB_RETRY)
def report_generate(organization_id: int, report_id: str) -> str | None:
    """Render a queued attendance report and store the PDF (or mark it failed)."""
    from .models import AttendanceReport
    from .reports.services import attendance_report_generate

    report = AttendanceReport.objects.filter(organization_id=organization_id, pk=report_id).defer("pdf").first()
    if report is None:
        return None
    generated = attendance_report_generate(report=report)
    return generated.status if generated is not None else None


# --- Sweeps --------------------------------------------------------------------------------------
# Beat runs each scan hourly; the scan fans out one task per organization. Hourly rather than
# nightly so each organization's own night (and morning) is met whatever its zone; re-runs are
# no-ops (flags and alerts are unique rows, notifications carry dedupe keys).


@shared_task(name="attendance.sweep_scan")
def sweep_scan() -> None:
    organizations_fan_out(sweep_org)


@shared_task(base=TenantTask, name="attendance.sweep_org", reject_on_worker_lost=True, **DB_RETRY)
def sweep_org(organization_id: int) -> int:
    """The safety net behind the per-save evaluation: pace for this week and the week just closed,
    and absence patterns (a missing reason only becomes overdue with time)."""
    from .sweeps import attendance_sweep

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    result = attendance_sweep(organization=organization)
    return result.flags + result.alerts


@shared_task(name="attendance.missing_scan")
def missing_scan() -> None:
    organizations_fan_out(missing_org)


@shared_task(base=TenantTask, name="attendance.missing_org", reject_on_worker_lost=True, **DB_RETRY)
def missing_org(organization_id: int) -> int:
    """Past the organization's morning notice time: tell facilitators and VAs (once) about past
    sessions still without attendance."""
    from .roll_call.services import missing_attendance_notify

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return missing_attendance_notify(organization=organization)
