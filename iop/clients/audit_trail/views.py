"""The audit trail for org admins: who read which client's data, filtered by client, staff member
and date range. It lives with the clients because it names them; the records it reads are the
audit app's (iop/audit), which sits below every other app."""

from __future__ import annotations

from django.core.paginator import Paginator

from iop.audit.models import AccessAction
from iop.audit.selectors import access_event_list
from iop.audit.services import access_record
from iop.clients.selectors import client_names_by_id
from iop.common.forms import error_summary
from iop.common.pages import form_status, org_page, org_render
from iop.tenancy import permissions

from .forms import AuditFilterForm

EVENTS_PER_PAGE = 50


@org_page(permissions.AUDIT_VIEW)
def audit_trail(request, org_slug: str):
    organization = request.organization
    form = AuditFilterForm(request.GET or None, organization=organization)
    page = None
    client_names: dict = {}
    if not form.is_bound or form.is_valid():
        events = access_event_list(organization=organization, **(form.filters() if form.is_bound else {}))
        page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
        client_names = client_names_by_id(
            organization=organization, client_ids=[event.client_id for event in page.object_list]
        )
        if client_names:
            # The trail names clients, so reading it is itself a read of those clients' data.
            access_record(
                request=request,
                action=AccessAction.LIST,
                object_type="audit.AccessEvent",
                object_ids=client_names,
            )
    rows = [(event, client_names.get(event.client_id)) for event in page.object_list] if page else []
    context = {"form": form, "page": page, "rows": rows, "errors": error_summary(form)}
    return org_render(request, "audit/audit_trail.html", context, status=form_status(form))
