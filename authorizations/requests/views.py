"""Pre-authorization pages: start a request (or a couple's packet) from the client page, the
request page — diagnoses, itemized lines with sessions and projected cost, justification, other
components, attachments, the list of what is missing, and the status actions (mark ready, submit,
pend, record the payer's determination) — the packet page with both partners side by side, and
the request / packet PDF.

Every page that shows a client's data writes an access event; every download an export (or
download) event before the file leaves. Objects are found through the organization's selectors,
so another tenant's id is a 404 like an unknown one. Clinical content (diagnoses, justification,
summary, goals, the ESA note, attachments) is shown only to roles that read clinical content.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from authorizations.models import Diagnosis, RequestAttachment, RequestStatus, ServiceLine
from authorizations.pas.forms import ClaimResponseForm
from authorizations.requests import selectors as selectors
from authorizations.requests.documents import packet_pdf, packet_pdf_filename, request_pdf, request_pdf_filename
from authorizations.requests.forms import (
    AttachmentForm,
    DeterminationForm,
    DiagnosisForm,
    LineForm,
    PacketGoalsForm,
    PacketStartForm,
    PacketSubmitForm,
    PendForm,
    RequestDetailsForm,
    RequestStartForm,
    SubmitForm,
    X12ResponseImportForm,
)
from authorizations.requests.selectors import open_couple_of, open_episode_of
from authorizations.requests.services import determinations, drafting, editing, lines, packets, workflow, x12_278
from authorizations.selectors import client_of
from authorizations.x12.http import x12_download
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_apply, form_endpoint, form_state_take, redirect_done, redirect_refused
from iop.common.forms import ErrorLink, error_summary, forms_add_application_error
from iop.common.navigation import next_path, next_query
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can

# --- Lookups -----------------------------------------------------------------------------------------


def _request_or_404(request, request_id):
    return found_or_404(selectors.request_get(organization=request.organization, request_id=request_id))


def _packet_or_404(request, packet_id):
    return found_or_404(selectors.packet_get(organization=request.organization, packet_id=packet_id))


def _child_or_404(model, req, child_id):
    return found_or_404(model.objects.filter(organization=req.organization_id, request=req, pk=child_id).first())


def _request_url(org_slug: str, req, anchor: str = "") -> str:
    return reverse("authorizations:request_detail", kwargs={"org_slug": org_slug, "request_id": req.pk}) + anchor


def _to_request(org_slug: str, req, anchor: str = ""):
    return redirect(_request_url(org_slug, req, anchor))


def _packet_url(org_slug: str, packet, request=None) -> str:
    """The packet page; given the request of one of its forms, with the `next` the page was opened
    with, so its back link still returns there after the submission."""
    url = reverse("authorizations:packet_detail", kwargs={"org_slug": org_slug, "packet_id": packet.pk})
    return url + (next_query(next_path(request)) if request is not None else "")


def _to_packet(org_slug: str, packet):
    return redirect(_packet_url(org_slug, packet))


# The page's forms post to endpoints of their own; a GET of one (a reload, a bookmark) goes to the page.
request_form = form_endpoint(
    "authorizations:request_detail",
    "request_id",
    found=lambda request, request_id, **_: _request_or_404(request, request_id),
)
packet_form = form_endpoint(
    "authorizations:packet_detail",
    "packet_id",
    found=lambda request, packet_id, **_: _packet_or_404(request, packet_id),
)


def _can(request, action: str) -> bool:
    return membership_can(request.membership, action)


def _record_view(request, obj, client_ids) -> None:
    client_ids = list(client_ids)
    access_record(
        request=request,
        action=AccessAction.VIEW,
        obj=obj,
        client_id=client_ids[0],
        object_ids=client_ids if len(client_ids) > 1 else (),
    )


def _problems(exc: ApplicationError) -> list[ErrorLink]:
    """A service's refusal as error-summary lines: the message, then each missing item."""
    items = [str(m) for ms in exc.extra.values() for m in ms]
    return [ErrorLink(text=exc.message), *(ErrorLink(text=item) for item in items if item != exc.message)]


# --- Starting a request or a packet --------------------------------------------------------------------


@org_page(permissions.AUTH_REQUEST_MANAGE)
def request_start(request, org_slug: str, client_id):
    """A new draft request for the client's open episode, against one of their coverages."""
    client = found_or_404(client_of(organization=request.organization, client_id=client_id))
    episode = open_episode_of(client)
    today = request.organization.local_today()
    form = RequestStartForm(request.POST if request.method == "POST" else None, client=client, today=today)
    if request.method == "POST" and episode is not None and form.is_valid():
        try:
            created = drafting.request_create(
                episode=episode,
                coverage=form.cleaned_data["coverage"],
                actor=request.user,
                start_date=form.cleaned_data["start_date"],
                urgency=form.cleaned_data["urgency"],
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(
                request, "The request was drafted from the treatment plan: check its lines and complete it."
            )
            return _to_request(org_slug, created)
    _record_view(request, client, [client.pk])
    context = {"client": client, "episode": episode, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/requests/request_start.html", context, status=form_status(form))


@org_page(permissions.AUTH_REQUEST_MANAGE)
def packet_start(request, org_slug: str, client_id):
    """A couple's combined packet: one request per partner on their own coverage."""
    client = found_or_404(client_of(organization=request.organization, client_id=client_id))
    couple = open_couple_of(client)
    form = None
    if couple is not None:
        form = PacketStartForm(
            request.POST if request.method == "POST" else None,
            couple=couple,
            today=request.organization.local_today(),
        )
        if request.method == "POST" and form.is_valid():
            try:
                packet = packets.packet_create(
                    couple=couple,
                    coverages=form.coverages(),
                    joint_goals=form.cleaned_data["joint_goals"],
                    actor=request.user,
                    start_date=form.cleaned_data["start_date"],
                    urgency=form.cleaned_data["urgency"],
                )
            except ApplicationError as exc:
                forms_add_application_error(exc, form)
            else:
                messages.success(request, "The couple's packet was drafted: one request for each partner.")
                return _to_packet(org_slug, packet)
    partners = [couple.partner_a.pk, couple.partner_b.pk] if couple else [client.pk]
    _record_view(request, client, partners)
    context = {"client": client, "couple": couple, "form": form, "errors": error_summary(form) if form else []}
    status = form_status(form) if form else 200
    return org_render(request, "authorizations/requests/packet_start.html", context, status=status)


# --- The request page ------------------------------------------------------------------------------------


def _request_page(request, req):
    """The request page, with what its last form submission sent back (see iop.common.form_state)."""
    organization = request.organization
    today = organization.local_today()
    view = selectors.request_views([req])[0]
    editable = req.status in editing.EDITABLE_STATUSES
    manage = _can(request, permissions.AUTH_REQUEST_MANAGE)
    state = form_state_take(request)
    forms = {
        "details_form": state.form(
            "details_form",
            lambda data: RequestDetailsForm(data, initial=RequestDetailsForm.initial_for(req), prefix="details"),
        ),
        "diagnosis_form": state.form("diagnosis_form", lambda data: DiagnosisForm(data, prefix="diagnosis")),
        "line_form": state.form("line_form", lambda data: LineForm(data, organization=organization, prefix="line")),
        "attachment_form": state.form("attachment_form", lambda data: AttachmentForm(data, prefix="attachment")),
        "submit_form": state.form("submit_form", lambda data: SubmitForm(data, prefix="submit")),
        "pend_form": state.form("pend_form", lambda data: PendForm(data, prefix="pend")),
        "claim_response_form": state.form("claim_response_form", lambda data: ClaimResponseForm(data, prefix="pas")),
        "determination_form": state.form(
            "determination_form",
            lambda data: DeterminationForm(
                data,
                initial=DeterminationForm.initial_for(req, today),
                request_lines=req.lines.all(),
                prefix="determination",
            ),
        ),
    }
    _record_view(request, req, [req.episode.client_id])
    context = {
        "req": req,
        "view": view,
        "client": req.episode.client,
        "editable": editable,
        "can_manage": manage,
        "can_edit": manage and editable,
        "can_determine": _can(request, permissions.DETERMINATION_RECORD) and editing.accepts_determination(req),
        "show_clinical": _can(request, permissions.CLINICAL_VIEW),
        "statuses": RequestStatus,
        "errors": state.problems or error_summary(*forms.values()),
        **forms,
    }
    return org_render(request, "authorizations/requests/request_detail.html", context, status=state.status)


@org_page(permissions.COVERAGE_VIEW)
@require_GET
def request_detail(request, org_slug: str, request_id):
    return _request_page(request, _request_or_404(request, request_id))


def _apply(request, org_slug, req, *, form_key: str, form, call, success: str, anchor: str = ""):
    """`form_apply` on the request page: `call(cleaned_data)`, back to the page either way (PRG)."""
    return form_apply(
        request,
        form=form,
        call=lambda f: call(f.cleaned_data),
        page=_request_url(org_slug, req),
        done=_request_url(org_slug, req, anchor),
        key=form_key,
        success=success,
    )


def _crlf_to_lf(data) -> QueryDict:
    # Browsers send a textarea's line breaks as CRLF; text saved through the API has LF.
    normalized = QueryDict(mutable=True)
    for name, values in data.lists():
        normalized.setlist(name, [value.replace("\r\n", "\n") for value in values])
    return normalized


def _unsaved_details(request, req) -> ErrorLink | None:
    """A refusal when the justification form came along (htmx) with changes not saved yet: marking
    ready or submitting would send the payer the saved text, and the typed one would be lost."""
    prefix = "details"
    if not any(name.startswith(f"{prefix}-") for name in request.POST):
        return None
    initial = {
        name: value.replace("\r\n", "\n") if isinstance(value, str) else value
        for name, value in RequestDetailsForm.initial_for(req).items()
    }
    form = RequestDetailsForm(_crlf_to_lf(request.POST), initial=initial, prefix=prefix)
    if not form.has_changed():
        return None
    return ErrorLink(
        text="The clinical justification has changes that are not saved: save the details first.", href="#details"
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def request_details(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = RequestDetailsForm(request.POST, prefix="details")
    return _apply(
        request,
        org_slug,
        req,
        form_key="details_form",
        form=form,
        call=lambda data: drafting.request_update(request=req, data=data, actor=request.user),
        success="The request's details were saved.",
        anchor="#details",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def diagnosis_add(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = DiagnosisForm(request.POST, prefix="diagnosis")
    return _apply(
        request,
        org_slug,
        req,
        form_key="diagnosis_form",
        form=form,
        call=lambda data: drafting.diagnosis_add(request=req, actor=request.user, **data),
        success="The diagnosis was added.",
        anchor="#diagnoses",
    )


def _simple_action(request, org_slug, req, call, success: str, anchor: str = ""):
    """A button's POST: run `call()`; a refusal is shown on top of the request page."""
    try:
        call()
    except ApplicationError as exc:
        return redirect_refused(request, _request_url(org_slug, req), problems=_problems(exc))
    messages.success(request, success)
    return redirect_done(request, _request_url(org_slug, req, anchor))


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def diagnosis_remove(request, org_slug: str, request_id, diagnosis_id):
    req = _request_or_404(request, request_id)
    diagnosis = _child_or_404(Diagnosis, req, diagnosis_id)
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: drafting.diagnosis_remove(request=req, diagnosis=diagnosis, actor=request.user),
        f"{diagnosis.code} was removed.",
        "#diagnoses",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def diagnosis_move(request, org_slug: str, request_id, diagnosis_id):
    req = _request_or_404(request, request_id)
    diagnosis = _child_or_404(Diagnosis, req, diagnosis_id)
    up = request.POST.get("direction") != "down"
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: drafting.diagnosis_move(request=req, diagnosis=diagnosis, up=up, actor=request.user),
        f"{diagnosis.code} was moved {'up' if up else 'down'}.",
        "#diagnoses",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def line_add(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = LineForm(request.POST, organization=request.organization, prefix="line")
    return _apply(
        request,
        org_slug,
        req,
        form_key="line_form",
        form=form,
        call=lambda data: lines.line_add(request=req, actor=request.user, **data),
        success="The line was added.",
        anchor="#lines",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
def line_edit(request, org_slug: str, request_id, line_id):
    """A line's own page: change its code, units, frequency or dates."""
    req = _request_or_404(request, request_id)
    line = _child_or_404(ServiceLine, req, line_id)
    if request.method == "POST":
        form = LineForm(request.POST, organization=request.organization)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "description"}
            try:
                lines.line_update(line=line, data=data, actor=request.user)
            except ApplicationError as exc:
                forms_add_application_error(exc, form)
            else:
                messages.success(request, f"The {line.code} line was saved.")
                return _to_request(org_slug, req, "#lines")
    else:
        form = LineForm(initial=LineForm.initial_for(line), organization=request.organization)
    _record_view(request, req, [req.episode.client_id])
    context = {"req": req, "line": line, "client": req.episode.client, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/requests/line_edit.html", context, status=form_status(form))


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def line_remove(request, org_slug: str, request_id, line_id):
    req = _request_or_404(request, request_id)
    line = _child_or_404(ServiceLine, req, line_id)
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: lines.line_remove(line=line, actor=request.user),
        f"The {line.code} line was removed.",
        "#lines",
    )


# --- Attachments -----------------------------------------------------------------------------------------


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def attachment_add(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = AttachmentForm(request.POST, request.FILES, prefix="attachment")
    return _apply(
        request,
        org_slug,
        req,
        form_key="attachment_form",
        form=form,
        call=lambda data: drafting.attachment_add(request=req, upload=data["file"], actor=request.user),
        success="The file was attached.",
        anchor="#attachments",
    )


@org_page(permissions.CLINICAL_VIEW)
@require_GET
def attachment_download(request, org_slug: str, request_id, attachment_id):
    """The file, as an attachment (never shown inline), under a name without the client's."""
    req = _request_or_404(request, request_id)
    attachment = _child_or_404(RequestAttachment, req, attachment_id)
    if not _can(request, permissions.COVERAGE_VIEW):
        raise PermissionDenied
    extension = attachment.name.rsplit(".", 1)[-1].lower() if "." in attachment.name else "bin"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"attachment-{str(attachment.pk)[:8]}.{extension}",
        content_type=attachment.content_type,
    )
    access_record(request=request, action=AccessAction.DOWNLOAD, obj=attachment, client_id=req.episode.client_id)
    return response


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def attachment_remove(request, org_slug: str, request_id, attachment_id):
    req = _request_or_404(request, request_id)
    attachment = _child_or_404(RequestAttachment, req, attachment_id)
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: drafting.attachment_remove(attachment=attachment, actor=request.user),
        "The attachment was removed.",
        "#attachments",
    )


# --- Status -------------------------------------------------------------------------------------------


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def request_ready(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    if unsaved := _unsaved_details(request, req):
        return redirect_refused(request, _request_url(org_slug, req), problems=[unsaved])
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: workflow.request_mark_ready(request=req, actor=request.user),
        "The request is ready to submit.",
        "#status",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def request_draft(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    return _simple_action(
        request,
        org_slug,
        req,
        lambda: workflow.request_return_to_draft(request=req, actor=request.user),
        "The request is a draft again.",
        "#status",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def request_submit(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = SubmitForm(request.POST, prefix="submit")
    if unsaved := _unsaved_details(request, req):
        return redirect_refused(request, _request_url(org_slug, req), key="submit_form", problems=[unsaved])
    return _apply(
        request,
        org_slug,
        req,
        form_key="submit_form",
        form=form,
        call=lambda data: workflow.request_submit(
            request=req,
            actor=request.user,
            channel=data["channel"],
            payer_reference=data["payer_reference"],
            submitted_at=form.submitted_at_in(request.organization),
        ),
        success="The request was recorded as submitted; the decision due date is set from the payer's clock.",
        anchor="#status",
    )


@org_page(permissions.AUTH_REQUEST_MANAGE)
@request_form
def request_pend(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = PendForm(request.POST, prefix="pend")
    return _apply(
        request,
        org_slug,
        req,
        form_key="pend_form",
        form=form,
        call=lambda data: workflow.request_pend(request=req, actor=request.user, **data),
        success="The request is pended: the information requested and its due date were recorded.",
        anchor="#status",
    )


@org_page(permissions.DETERMINATION_RECORD)
@request_form
def determination_record(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    form = DeterminationForm(request.POST, request_lines=req.lines.all(), prefix="determination")

    def record(data):
        determinations.determination_record(
            request=req,
            decided_at=form.decided_at(request.organization, timezone.now()),
            actor=request.user,
            **form.service_values(),
        )

    return _apply(
        request,
        org_slug,
        req,
        form_key="determination_form",
        form=form,
        call=record,
        success="The payer's determination was recorded.",
        anchor="#determinations",
    )


# --- Packets ------------------------------------------------------------------------------------------------


def _packet_back(request, packet, requests) -> tuple[str, str]:
    """Where the page's back link goes, and its words: the page the user came from (`next`) —
    named when it is a partner's client page or request — else the identified patient's page."""
    couple = packet.couple
    path = next_path(request)
    if path is None:
        url = reverse(
            "clients:client_detail",
            kwargs={"org_slug": request.organization.slug, "client_id": couple.identified_patient_id},
        )
        return f"{url}#requests", f"Back to {couple.identified_patient.display_name}"
    match = resolve(path.split("#")[0])
    partners = {str(p.pk): p for p in (couple.partner_a, couple.partner_b)}
    if match.view_name == "clients:client_detail" and str(match.kwargs["client_id"]) in partners:
        return path, f"Back to {partners[str(match.kwargs['client_id'])].display_name}"
    asked = {str(r.pk): r for r in requests}
    if match.view_name == "authorizations:request_detail" and str(match.kwargs["request_id"]) in asked:
        return path, f"Back to {asked[str(match.kwargs['request_id'])].episode.client.display_name}'s request"
    return path, "Back to the previous page"


def _packet_page(request, packet):
    requests = list(packet.requests.all())
    views = selectors.request_views(requests)
    editable = all(r.status in editing.EDITABLE_STATUSES for r in requests)
    manage = _can(request, permissions.AUTH_REQUEST_MANAGE)
    state = form_state_take(request)
    forms = {
        "goals_form": state.form(
            "goals_form",
            lambda data: PacketGoalsForm(data, initial={"joint_goals": packet.joint_goals}, prefix="goals"),
        ),
        "submit_form": state.form("submit_form", lambda data: PacketSubmitForm(data, packet=packet, prefix="submit")),
    }
    _record_view(request, packet, [r.episode.client_id for r in requests] or [packet.couple.partner_a_id])
    back_url, back_label = _packet_back(request, packet, requests)
    context = {
        "packet": packet,
        "back_url": back_url,
        "back_label": back_label,
        # The forms post with the page's `next`, so the back link survives them.
        "keep_next": next_query(next_path(request)),
        "couple": packet.couple,
        "views": views,
        "editable": editable,
        "can_manage": manage,
        "can_edit": manage and editable,
        "all_ready": bool(requests) and all(r.status == RequestStatus.READY for r in requests),
        "show_clinical": _can(request, permissions.CLINICAL_VIEW),
        "errors": state.problems or error_summary(*forms.values()),
        **forms,
    }
    return org_render(request, "authorizations/requests/packet_detail.html", context, status=state.status)


@org_page(permissions.COVERAGE_VIEW)
@require_GET
def packet_detail(request, org_slug: str, packet_id):
    return _packet_page(request, _packet_or_404(request, packet_id))


@org_page(permissions.AUTH_REQUEST_MANAGE)
@packet_form
def packet_goals(request, org_slug: str, packet_id):
    packet = _packet_or_404(request, packet_id)
    form = PacketGoalsForm(request.POST, prefix="goals")
    if form.is_valid():
        try:
            packets.packet_update(packet=packet, joint_goals=form.cleaned_data["joint_goals"], actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The joint goals were saved.")
            return redirect_done(request, _packet_url(org_slug, packet, request), key="goals_form")
    return redirect_refused(request, _packet_url(org_slug, packet, request), key="goals_form", form=form)


@org_page(permissions.AUTH_REQUEST_MANAGE)
@packet_form
def packet_ready(request, org_slug: str, packet_id):
    packet = _packet_or_404(request, packet_id)
    try:
        packets.packet_mark_ready(packet=packet, actor=request.user)
    except ApplicationError as exc:
        return redirect_refused(request, _packet_url(org_slug, packet, request), problems=_problems(exc))
    messages.success(request, "Both requests are ready to submit.")
    return redirect_done(request, _packet_url(org_slug, packet, request))


@org_page(permissions.AUTH_REQUEST_MANAGE)
@packet_form
def packet_submit(request, org_slug: str, packet_id):
    packet = _packet_or_404(request, packet_id)
    form = PacketSubmitForm(request.POST, packet=packet, prefix="submit")
    if form.is_valid():
        try:
            packets.packet_submit(
                packet=packet,
                channel=form.cleaned_data["channel"],
                payer_references=form.references(),
                submitted_at=form.submitted_at_in(request.organization),
                actor=request.user,
            )
        except ApplicationError as exc:
            return redirect_refused(
                request, _packet_url(org_slug, packet, request), key="submit_form", form=form, problems=_problems(exc)
            )
        messages.success(request, "Both requests were recorded as submitted together.")
        return redirect_done(request, _packet_url(org_slug, packet, request), key="submit_form")
    return redirect_refused(request, _packet_url(org_slug, packet, request), key="submit_form", form=form)


# --- PDFs -----------------------------------------------------------------------------------------------------


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _generated_by(request) -> str:
    return request.user.get_full_name() or request.user.email


@org_page(permissions.AUTH_REQUEST_MANAGE)
@require_GET
def request_pdf_download(request, org_slug: str, request_id):
    req = _request_or_404(request, request_id)
    content = request_pdf(organization=request.organization, request=req, generated_by=_generated_by(request))
    response = _pdf_response(content, request_pdf_filename(req))
    # Only once the file exists, and before it leaves: no export goes unrecorded.
    access_record(request=request, action=AccessAction.EXPORT, obj=req, client_id=req.episode.client_id)
    return response


@org_page(permissions.AUTH_REQUEST_MANAGE)
@require_GET
def packet_pdf_download(request, org_slug: str, packet_id):
    packet = _packet_or_404(request, packet_id)
    content = packet_pdf(organization=request.organization, packet=packet, generated_by=_generated_by(request))
    response = _pdf_response(content, packet_pdf_filename(packet))
    client_ids = [r.episode.client_id for r in packet.requests.all()]
    access_record(
        request=request,
        action=AccessAction.EXPORT,
        obj=packet,
        client_id=client_ids[0] if client_ids else None,
        object_ids=client_ids,
    )
    return response


# --- X12 278 ------------------------------------------------------------------------------------------------


@org_page(permissions.AUTH_REQUEST_MANAGE)
@require_GET
def request_x12_278_download(request, org_slug: str, request_id):
    """The request as an X12 278 for the clearinghouse: a new interchange control number each
    time, the file kept; a refusal (settings, payer id, a draft) shows on the request page."""
    req = _request_or_404(request, request_id)
    try:
        message = x12_278.x12_278_request_download(request=req, actor=request.user)
    except ApplicationError as exc:
        return redirect_refused(request, _request_url(org_slug, req), problems=_problems(exc))
    response = x12_download(message, transaction_set="278")
    access_record(request=request, action=AccessAction.EXPORT, obj=req, client_id=req.episode.client_id)
    return response


@org_page(permissions.AUTH_REQUEST_MANAGE)
@require_GET
def packet_x12_278_download(request, org_slug: str, packet_id):
    """Both partners' requests as one 278 interchange (one transaction set each)."""
    packet = _packet_or_404(request, packet_id)
    try:
        message = x12_278.x12_278_packet_download(packet=packet, actor=request.user)
    except ApplicationError as exc:
        return redirect_refused(request, _packet_url(org_slug, packet, request), problems=_problems(exc))
    response = x12_download(message, transaction_set="278")
    client_ids = [r.episode.client_id for r in packet.requests.all()]
    access_record(
        request=request, action=AccessAction.EXPORT, obj=packet, client_id=client_ids[0], object_ids=client_ids
    )
    return response


@org_page(permissions.DETERMINATION_RECORD)
def request_x12_278_import(request, org_slug: str, request_id):
    """Upload the payer's 278 response: it becomes the request's determination, or is refused whole."""
    req = _request_or_404(request, request_id)
    posted = request.method == "POST"
    form = X12ResponseImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            determination = x12_278.x12_278_response_import(
                request=req,
                raw=form.cleaned_data["file"],
                information_due=form.cleaned_data["information_due"],
                actor=request.user,
            )
        except ApplicationError as exc:
            # The service names its input `raw_278`; the form's is the uploaded `file`.
            if "raw_278" in exc.extra:
                exc.extra = {**{k: v for k, v in exc.extra.items() if k != "raw_278"}, "file": exc.extra["raw_278"]}
            forms_add_application_error(exc, form)
        else:
            messages.success(
                request, f"The payer's 278 response was recorded: {determination.get_action_display().lower()}."
            )
            return _to_request(org_slug, req, "#determinations")
    _record_view(request, req, [req.episode.client_id])
    context = {"req": req, "client": req.episode.client, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/requests/x12_278_import.html", context, status=form_status(form))
