"""The inbox's background job: every few minutes, each organization's notifications whose subject
was fixed are resolved (and leave the unread lists and the header counts), also for members who do
not open their inbox. Ids only in the broker."""

from __future__ import annotations

from celery import shared_task

from iop.common.tasks import DB_RETRY, TenantTask, active_organization, organizations_fan_out


@shared_task(name="notifications.resolve_scan")
def resolve_scan() -> None:
    organizations_fan_out(resolve_org)


@shared_task(base=TenantTask, name="notifications.resolve_org", **DB_RETRY)
def resolve_org(organization_id: int) -> int:
    from .services import notifications_resolve

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return notifications_resolve(organization=organization)
