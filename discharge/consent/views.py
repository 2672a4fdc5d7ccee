"""Consent pages, under `/o/<org_slug>/discharge/`:

- the client's consents page: consents with their state (valid / expired / revoked), recording a
  new one (the client signs electronically in front of the staff member, or on paper), revoking
  one, recording an expiry event; the disclosure log and the accounting of disclosures (PDF, a
  period chosen);
- sending an episode's records under consent (the form is on the discharge page's consent panel;
  a refused send is shown on a page of its own with the reason and the form as typed);
- a disclosed document's download.

Reading the page is a view of PHI, every file an export: an access event is written for each.
Clients, consents, episodes and disclosures are found through the organization, so another
tenant's id is a 404 like an unknown one. File names carry ids, never a client's name.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.selectors import client_get
from iop.common.exceptions import ApplicationError
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_actions

from .documents import accounting_document, disclosure_filename
from .forms import AccountingForm, ConsentForm, RevokeForm, SendForm, local_noon
from .scope import Recipient
from .selectors import (
    accounting_data,
    accounting_default_period,
    client_consents,
    client_disclosures,
    consent_get,
    consent_rows,
    disclosure_file,
    episode_for_packet,
    packet_kinds,
    transmission_coverage,
)
from .services import consent_expiry_event_record, consent_record, consent_revoke, records_send

CONSENT_PREFIX = "consent"
SEND_PREFIX = "send"


def _name(user) -> str:
    return user.get_full_name() or user.email


def _client_or_404(request, client_id):
    return found_or_404(client_get(organization=request.organization, client_id=client_id))


def _page_url(org_slug: str, client_id, anchor: str = "") -> str:
    return reverse("discharge:consent_client", kwargs={"org_slug": org_slug, "client_id": client_id}) + anchor


def _client_page(request, client, *, consent_form=None, accounting_form=None, status=None):
    organization = request.organization
    today = organization.local_today()
    consents = client_consents(organization=organization, client_id=client.pk)
    disclosures = client_disclosures(organization=organization, client_id=client.pk)
    start, end = accounting_default_period(organization=organization)
    consent_form = consent_form or ConsentForm(
        organization=organization,
        client=client,
        prefix=CONSENT_PREFIX,
        initial={
            "purpose": "continuity",
            "expires_on": today + dt.timedelta(days=365),
        },
    )
    accounting_form = accounting_form or AccountingForm(initial={"start": start, "end": end})
    access_record(
        request=request,
        action=AccessAction.VIEW,
        object_type="discharge.Consent",
        client_id=client.pk,
        object_ids=[c.pk for c in consents] + [d.pk for d in disclosures],
    )
    context = {
        "client": client,
        "rows": consent_rows(consents, today=today),
        "disclosures": disclosures,
        "consent_form": consent_form,
        "accounting_form": accounting_form,
        "revoke_form": RevokeForm(prefix="revoke"),
        "can": membership_actions(request.membership),
        "today": today,
        "errors": error_summary(consent_form, accounting_form),
    }
    return org_render(
        request, "discharge/consent/client.html", context, status=status or form_status(consent_form, accounting_form)
    )


@org_page(permissions.CONSENT_MANAGE)
@require_GET
def client_consents_page(request, org_slug: str, client_id):
    return _client_page(request, _client_or_404(request, client_id))


@org_page(permissions.CONSENT_MANAGE)
@require_POST
def consent_create(request, org_slug: str, client_id):
    organization = request.organization
    client = _client_or_404(request, client_id)
    form = ConsentForm(request.POST, organization=organization, client=client, prefix=CONSENT_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        try:
            consent_record(
                organization=organization,
                client=client,
                information=data["information"],
                information_detail=data["information_detail"],
                recipient_provider=data["recipient_provider"],
                recipient_client=data["recipient_client"],
                recipient_name=data["recipient_name"],
                purpose=data["purpose"],
                purpose_detail=data["purpose_detail"],
                expires_on=data["expires_on"],
                expiry_event=data["expiry_event"],
                right_to_revoke_explained=data["right_to_revoke_explained"],
                signature_method=data["signature_method"],
                signed_name=data["signed_name"],
                signature_confirmed=data["signature_confirmed"],
                signed_at=local_noon(organization, data["signed_on"], now=now),
                actor=request.user,
                now=now,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The consent was recorded.")
            return redirect(_page_url(org_slug, client.pk, "#consents"))
    messages.error(request, "The consent was not recorded: see what is missing.")
    return _client_page(request, client, consent_form=form)


def _consent_or_404(request, consent_id):
    return found_or_404(consent_get(organization=request.organization, consent_id=consent_id))


@org_page(permissions.CONSENT_MANAGE)
@require_POST
def consent_revoke_view(request, org_slug: str, consent_id):
    consent = _consent_or_404(request, consent_id)
    form = RevokeForm(request.POST, prefix="revoke")
    to = _page_url(org_slug, consent.client_id, "#consents")
    if not form.is_valid():
        messages.error(request, "The revocation was not recorded: check the date.")
        return redirect(to)
    now = timezone.now()
    try:
        consent_revoke(
            consent=consent,
            note=form.cleaned_data["note"],
            revoked_at=local_noon(request.organization, form.cleaned_data["revoked_on"], now=now),
            actor=request.user,
            now=now,
        )
    except ApplicationError as exc:
        messages.error(request, f"The revocation was not recorded: {exc.message}")
    else:
        messages.success(request, "The revocation was recorded: the consent covers no further disclosure.")
    return redirect(to)


@org_page(permissions.CONSENT_MANAGE)
@require_POST
def consent_expiry_event(request, org_slug: str, consent_id):
    consent = _consent_or_404(request, consent_id)
    try:
        consent_expiry_event_record(consent=consent, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, f"The expiry event was not recorded: {exc.message}")
    else:
        messages.success(request, "The expiry event was recorded: the consent has expired.")
    return redirect(_page_url(org_slug, consent.client_id, "#consents"))


# --- Sending records ------------------------------------------------------------------------------


def _episode_or_404(request, episode_id):
    return found_or_404(episode_for_packet(organization=request.organization, episode_id=episode_id))


def send_form_initial(*, organization, episode, plan) -> dict:
    """The send form's defaults: the plan's receiving provider, continuity of care, and the kinds
    the covering consent covers (none chosen: the service then sends what the consent covers)."""
    initial: dict = {"purpose": "continuity", "channel": "fax"}
    provider = getattr(plan, "receiving_provider", None)
    if provider is not None:
        initial["recipient_provider"] = provider.pk
        coverage = transmission_coverage(
            organization=organization,
            client=episode.client,
            recipient=Recipient(name=provider.name, provider_id=provider.pk),
            purpose="continuity",
            kinds=[],
        )
        if coverage.consent is not None:
            initial["information"] = packet_kinds(episode=episode, consent=coverage.consent)
    return initial


@org_page(permissions.DISCLOSURE_SEND)
def records_send_page(request, org_slug: str, episode_id):
    """GET: the send form on its own page; POST: send, back to the discharge page on success, the
    form with the refusal (422) otherwise."""
    organization = request.organization
    episode = _episode_or_404(request, episode_id)
    client = episode.client
    plan = getattr(episode, "transition_plan", None)
    if request.method != "POST":
        form = SendForm(
            organization=organization,
            client=client,
            prefix=SEND_PREFIX,
            initial=send_form_initial(organization=organization, episode=episode, plan=plan),
        )
        return _send_page(request, episode, form)
    form = SendForm(request.POST, organization=organization, client=client, prefix=SEND_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        try:
            disclosure = records_send(
                organization=organization,
                episode=episode,
                recipient_provider=data["recipient_provider"],
                recipient_client=data["recipient_client"],
                purpose=data["purpose"],
                information=data["information"] or None,
                channel=data["channel"],
                sent_at=local_noon(organization, data["sent_on"], now=now),
                actor=request.user,
                now=now,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"The records were sent to {disclosure.recipient_name} and logged.")
            return redirect(
                reverse("discharge:plan", kwargs={"org_slug": org_slug, "episode_id": episode.pk}) + "#consent"
            )
    messages.error(request, "The records were not sent: nothing left.")
    return _send_page(request, episode, form)


def _send_page(request, episode, form):
    access_record(request=request, action=AccessAction.VIEW, obj=episode, client_id=episode.client_id)
    context = {"episode": episode, "client": episode.client, "form": form, "errors": error_summary(form)}
    return org_render(request, "discharge/consent/send.html", context, status=form_status(form))


# --- Files ----------------------------------------------------------------------------------------


@org_page(permissions.CONSENT_MANAGE)
@require_GET
def disclosure_document(request, org_slug: str, disclosure_id):
    disclosure = found_or_404(disclosure_file(organization=request.organization, disclosure_id=disclosure_id))
    assert disclosure.document is not None  # the selector finds only disclosures with one
    response = HttpResponse(bytes(disclosure.document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{disclosure_filename(disclosure.pk)}"'
    # Only once the file is in hand, and before it leaves: no export goes unrecorded.
    access_record(request=request, action=AccessAction.EXPORT, obj=disclosure, client_id=disclosure.client_id)
    return response


@org_page(permissions.DISCLOSURE_SEND)
@require_GET
def accounting_pdf(request, org_slug: str, client_id):
    organization = request.organization
    client = _client_or_404(request, client_id)
    form = AccountingForm(request.GET)
    if form.is_valid():
        try:
            data = accounting_data(
                organization=organization, client=client, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            rendered = accounting_document(data=data, prepared_by=_name(request.user))
            response = HttpResponse(rendered.content, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{data.filename}"'
            access_record(
                request=request,
                action=AccessAction.EXPORT,
                object_type="discharge.Disclosure",
                client_id=client.pk,
                object_ids=[row.disclosure.pk for row in data.rows],
            )
            return response
    messages.error(request, "The accounting was not made: check the period.")
    return _client_page(request, client, accounting_form=form)
