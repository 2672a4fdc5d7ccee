"""Authorizations' Celery jobs: thin adapters from beat to the services.

Arguments are ids only, `organization_id` first (broker messages are plain text, so no PHI), and
the per-organization task is a `TenantTask`: it runs inside that tenant, under RLS like a web
request.
"""

from __future__ import annotations

from celery import shared_task

from iop.common.tasks import DB_RETRY, TenantTask, active_organization, organizations_fan_out

# --- The morning chase ---------------------------------------------------------------------------
# Beat runs the scan every 15 minutes; each organization acts from 07:00 in its own zone
# (services_units.CHASE_TIME), and later runs that day are no-ops: chase tasks are unique per
# authorization (or request) and kind, notifications carry dedupe keys.


@shared_task(name="authorizations.chase_scan")
def chase_scan() -> None:
    organizations_fan_out(chase_org)


@shared_task(base=TenantTask, name="authorizations.chase_org", reject_on_worker_lost=True, **DB_RETRY)
def chase_org(organization_id: int) -> int:
    """Expiring authorizations, units running out before review, overdue decisions and pended
    requests whose information is due: the tasks (and notices) not raised before."""
    from .services_units import authorizations_chase

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(authorizations_chase(organization=organization))
