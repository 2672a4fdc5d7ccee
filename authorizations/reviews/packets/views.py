"""The review page's packet panel: prepare the packet now (or again), download its PDF, and
record that the review was submitted to the payer.

The panel lives on the review page (`authorizations:review`); its forms post here and come back
to it (Post/Redirect/Get). The PDF download is an export of PHI: an access event (action
"export") is written before the file leaves. Reviews are found through the organization, so
another tenant's id is a 404 like an unknown one. File names carry the review's id, never a
client's name.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from authorizations.requests.forms import SubmitForm
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_endpoint, redirect_done, redirect_refused
from iop.common.forms import forms_add_application_error
from iop.common.pages import found_or_404, org_page
from iop.tenancy import permissions

from .checklist import missing_labels
from .documents import review_packet_filename
from .selectors import review_for_packet, review_packet_file
from .services import review_packet_prepare, review_submit

SUBMIT_PREFIX = "packet_submit"


def _review_or_404(request, review_id):
    return found_or_404(review_for_packet(organization=request.organization, review_id=review_id))


def _review_url(org_slug: str, review_id, anchor: str = "#packet") -> str:
    return reverse("authorizations:review", kwargs={"org_slug": org_slug, "review_id": review_id}) + anchor


review_form = form_endpoint(
    "authorizations:review", "review_id", found=lambda request, review_id, **_: _review_or_404(request, review_id)
)


def _refusal_text(exc: ApplicationError) -> str:
    items = [str(m) for ms in exc.extra.values() for m in ms if str(m) != exc.message]
    return " ".join([exc.message, *items])


@org_page(permissions.REVIEW_PACKET_VIEW)
@review_form
def packet_prepare(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    try:
        packet = review_packet_prepare(review=review, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, f"The packet was not prepared: {_refusal_text(exc)}")
        return redirect_refused(request, _review_url(org_slug, review.pk))
    assert packet is not None  # only the evening job skips a review that has one
    if packet.missing:
        messages.warning(
            request, "The packet was prepared, with items missing: " + "; ".join(missing_labels(packet.missing)) + "."
        )
    else:
        messages.success(request, "The packet was prepared: everything the payer's checklist asks for is in it.")
    return redirect_done(request, _review_url(org_slug, review.pk))


@org_page(permissions.REVIEW_PACKET_VIEW)
@require_GET
def packet_pdf(request, org_slug: str, review_id):
    packet = found_or_404(review_packet_file(organization=request.organization, review_id=review_id))
    response = HttpResponse(bytes(packet.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{review_packet_filename(packet.review_id)}"'
    # Only once the file is in hand, and before it leaves: no export goes unrecorded.
    access_record(request=request, action=AccessAction.EXPORT, obj=packet, client_id=packet.review.episode.client_id)
    return response


@org_page(permissions.REVIEW_PACKET_MANAGE)
@review_form
def packet_submit(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    form = SubmitForm(request.POST, prefix=SUBMIT_PREFIX)
    to = _review_url(org_slug, review.pk)
    if form.is_valid():
        try:
            review_submit(
                review=review,
                channel=form.cleaned_data["channel"],
                payer_reference=form.cleaned_data["payer_reference"],
                submitted_at=form.submitted_at_in(request.organization),
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
            messages.error(request, f"The review was not recorded as submitted: {_refusal_text(exc)}")
        else:
            messages.success(request, "The review was recorded as submitted to the payer.")
            return redirect_done(request, to, key="packet_submit_form")
    else:
        messages.error(request, "The review was not recorded as submitted: check the channel and the time.")
    return redirect_refused(request, to, key="packet_submit_form", form=form)
