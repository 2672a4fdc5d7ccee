"""Discharge's Celery jobs: thin adapters from beat to the services.

Arguments are ids only, `organization_id` first (no PHI in broker messages); the per-organization
task is a `TenantTask`, running inside that tenant under RLS like a web request. Each area appends
its jobs under its own heading (beat entries in iop/settings/base.py).
"""

from __future__ import annotations

from celery import shared_task

from iop.common.tasks import DB_RETRY, TenantTask, active_organization, organizations_fan_out

# --- Plans ------------------------------------------------------------------------------------------
# Nightly: every admitted episode without a transition plan gets one (episodes admitted before the
# discharge app existed; a safety net behind the admission signal). A second run creates nothing.
# The unsigned summaries are chased by authorizations' hourly clock escalation (a clock source
# registered in discharge/wiring.py), not here.


@shared_task(name="discharge.plans_sync_scan")
def plans_sync_scan() -> None:
    organizations_fan_out(plans_sync_org)


@shared_task(base=TenantTask, name="discharge.plans_sync_org", reject_on_worker_lost=True, **DB_RETRY)
def plans_sync_org(organization_id: int) -> int:
    from discharge.plans.services import plans_sync

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(plans_sync(organization=organization))


# --- Aftercare --------------------------------------------------------------------------------------
# Hourly, so each organization's day starts soon after its own midnight; the 7- and 30-day
# follow-up checks due today (local) are raised once per plan and threshold whatever the job or the
# broker repeats (unique rows, inserted with ON CONFLICT DO NOTHING).


@shared_task(name="discharge.aftercare_follow_ups_scan")
def aftercare_follow_ups_scan() -> None:
    organizations_fan_out(aftercare_follow_ups_org)


@shared_task(base=TenantTask, name="discharge.aftercare_follow_ups_org", reject_on_worker_lost=True, **DB_RETRY)
def aftercare_follow_ups_org(organization_id: int) -> int:
    from discharge.aftercare.services import follow_up_checks_raise

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return follow_up_checks_raise(organization=organization)
