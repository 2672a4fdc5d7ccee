"""The audit app's connections to the platform's signals (iop/tenancy/hooks.py): what an admin
does in the admin site goes into the access and security logs. Called from AuditConfig.ready()."""

from __future__ import annotations

from iop.tenancy import hooks

from .models import AccessAction, SecurityEventKind
from .services import access_record, security_event_record


def _admin_organization_chosen(sender, *, request, user, organization, **kwargs) -> None:
    security_event_record(
        kind=SecurityEventKind.ADMIN_ORG_SWITCH,
        request=request,
        user=user,
        detail={"organization": organization.slug},
    )


def _admin_client_rows_listed(sender, *, request, model, client_ids, **kwargs) -> None:
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type=f"{model._meta.app_label}.{model._meta.object_name}",
        object_ids=client_ids,
        channel="admin",
    )


def _admin_client_row_viewed(sender, *, request, obj, client_id, **kwargs) -> None:
    access_record(request=request, action=AccessAction.VIEW, obj=obj, client_id=client_id, channel="admin")


def connect() -> None:
    hooks.admin_organization_chosen.connect(_admin_organization_chosen, dispatch_uid="audit_admin_org_chosen")
    hooks.admin_client_rows_listed.connect(_admin_client_rows_listed, dispatch_uid="audit_admin_rows_listed")
    hooks.admin_client_row_viewed.connect(_admin_client_row_viewed, dispatch_uid="audit_admin_row_viewed")
