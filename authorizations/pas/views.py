"""The request page's PAS actions: download the request's PAS Bundle (kept as sent, written to the
access log as an export before it leaves) and import the payer's ClaimResponse."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from authorizations.pas.forms import ClaimResponseForm
from authorizations.pas.services import claim_response_import, pas_bundle_send
from authorizations.requests.views import _apply, _problems, _request_or_404, _request_url, request_form
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import redirect_refused
from iop.common.pages import org_page
from iop.tenancy import permissions

FHIR_JSON = "application/fhir+json"


def pas_bundle_filename(request_id) -> str:
    # Named by the request's id, never the client's name.
    return f"pas-bundle-{str(request_id)[:8]}.json"


@org_page(permissions.AUTH_REQUEST_MANAGE)
@require_GET
def pas_bundle_download(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    try:
        message = pas_bundle_send(request=req, actor=request.user)
    except ApplicationError as exc:
        return redirect_refused(request, _request_url(org_slug, req), problems=_problems(exc))
    response = HttpResponse(message.content, content_type=FHIR_JSON)
    response["Content-Disposition"] = f'attachment; filename="{pas_bundle_filename(req.pk)}"'
    access_record(request=request, action=AccessAction.EXPORT, obj=req, client_id=req.episode.client_id)
    return response


@org_page(permissions.DETERMINATION_RECORD)
@request_form
def claim_response_upload(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = ClaimResponseForm(request.POST, request.FILES, prefix="pas")
    return _apply(
        request,
        org_slug,
        req,
        form_key="claim_response_form",
        form=form,
        call=lambda data: claim_response_import(
            request=req,
            content=data["claim_response"],
            information_due=data["information_due"],
            actor=request.user,
        ),
        success="The payer's ClaimResponse was recorded.",
        anchor="#determinations",
    )
