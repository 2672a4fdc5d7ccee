"""Denials & appeals pages: the list (open cases by their nearest deadline, closed ones below) and
the case page — the timeline (denial → peer-to-peer → appeals), the clocks, what to do next, and a
form for each step — and the appeal packet PDF.

Every page that shows a client writes an access event, the PDF an export event before it leaves.
Cases are found through the organization's selectors: another tenant's id is a 404. The appeal
letter and the denial's reason are clinical: shown only to roles that read clinical content.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from authorizations.appeals import selectors, services
from authorizations.appeals.documents import appeal_packet_filename, appeal_packet_pdf
from authorizations.appeals.forms import (
    AppealFileForm,
    AppealLetterForm,
    AppealOutcomeForm,
    CaseCloseForm,
    DenialForm,
    P2POutcomeForm,
    P2PRescheduleForm,
    P2PScheduleForm,
    local_instant,
)
from authorizations.models import Appeal, PeerToPeer
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.form_state import form_apply, form_endpoint, form_state_take
from iop.common.forms import error_summary
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can


def _required(value, organization) -> dt.datetime:
    """A required date-and-time field's instant (the form checked it is there)."""
    instant = local_instant(value, organization)
    assert instant is not None
    return instant


def _case_or_404(request, case_id):
    return found_or_404(selectors.case_get(organization=request.organization, case_id=case_id))


def _case_url(org_slug: str, case, anchor: str = "") -> str:
    return reverse("authorizations:denial_case", kwargs={"org_slug": org_slug, "case_id": case.pk}) + anchor


case_form = form_endpoint(
    "authorizations:denial_case", "case_id", found=lambda request, case_id, **_: _case_or_404(request, case_id)
)


# --- The list -------------------------------------------------------------------------------------------


@org_page(permissions.APPEAL_MANAGE)
@require_GET
def case_list(request, org_slug: str):
    open_rows, closed_rows = selectors.case_rows(organization=request.organization)
    client_ids = [row.case.episode.client_id for row in (*open_rows, *closed_rows)]
    if client_ids:
        access_record(
            request=request, action=AccessAction.LIST, object_type="authorizations.DenialCase", object_ids=client_ids
        )
    context = {"open_rows": open_rows, "closed_rows": closed_rows}
    return org_render(request, "authorizations/appeals/case_list.html", context)


# --- The case page ------------------------------------------------------------------------------------------


def _case_page(request, case):
    organization = request.organization
    state = form_state_take(request)
    scheduled = selectors.scheduled_p2p(case)
    unfiled = selectors.unfiled_appeal(case)
    pending = selectors.pending_appeal(case)
    forms = {
        "denial_form": state.form(
            "denial_form", lambda data: DenialForm(data, initial=DenialForm.initial_for(case), prefix="denial")
        ),
        "p2p_form": state.form("p2p_form", lambda data: P2PScheduleForm(data, organization=organization, prefix="p2p")),
        "move_form": state.form("move_form", lambda data: P2PRescheduleForm(data, prefix="move")),
        "p2p_outcome_form": state.form("p2p_outcome_form", lambda data: P2POutcomeForm(data, prefix="p2po")),
        "letter_form": state.form(
            "letter_form",
            lambda data: AppealLetterForm(
                data,
                initial={
                    "letter": unfiled.letter if unfiled else "",
                    "expedited": unfiled.expedited if unfiled else False,
                },
                prefix="letter",
            ),
        ),
        "file_form": state.form("file_form", lambda data: AppealFileForm(data, prefix="file")),
        "outcome_form": state.form("outcome_form", lambda data: AppealOutcomeForm(data, prefix="outcome")),
        "close_form": state.form("close_form", lambda data: CaseCloseForm(data, prefix="close")),
    }
    access_record(request=request, action=AccessAction.VIEW, obj=case, client_id=case.episode.client_id)
    context = {
        "case": case,
        "client": case.episode.client,
        "req": case.determination.request,
        "clocks": selectors.case_clocks(case),
        "next_step": selectors.case_next_step(case),
        "scheduled_p2p": scheduled,
        "unfiled": unfiled,
        "pending": pending,
        "appeals": [a for a in case.appeals.all() if a.filed_at is not None],
        "p2ps": list(case.peer_to_peers.all()),
        "is_open": case.status == "open",
        "show_clinical": membership_can(request.membership, permissions.CLINICAL_VIEW),
        "errors": state.problems or error_summary(*forms.values()),
        **forms,
    }
    return org_render(request, "authorizations/appeals/case_detail.html", context, status=state.status)


@org_page(permissions.APPEAL_MANAGE)
@require_GET
def case_detail(request, org_slug: str, case_id):
    return _case_page(request, _case_or_404(request, case_id))


def _apply(request, org_slug, case, *, form_key: str, form, call, success: str, anchor: str = ""):
    """`form_apply` on the case page: `call(cleaned_data)`, back to the page either way (PRG)."""
    return form_apply(
        request,
        form=form,
        call=lambda f: call(f.cleaned_data),
        page=_case_url(org_slug, case),
        done=_case_url(org_slug, case, anchor),
        key=form_key,
        success=success,
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def denial_update(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    form = DenialForm(request.POST, prefix="denial")

    def call(data):
        services.denial_update(
            case=case,
            letter_received_at=_required(data["letter_received_at"], request.organization),
            reason=data["reason"],
            denied_from=data["denied_from"],
            denied_to=data["denied_to"],
            denied_units=data["denied_units"],
            criteria_cited=data["criteria_cited"],
            expedited=data["expedited"],
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        case,
        form_key="denial_form",
        form=form,
        call=call,
        success="The denial was saved.",
        anchor="#denial",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def p2p_schedule(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    form = P2PScheduleForm(request.POST, organization=request.organization, prefix="p2p")

    def call(data):
        clinician = data["clinician"]
        services.p2p_schedule(
            case=case,
            scheduled_at=_required(data["scheduled_at"], request.organization),
            clinician=clinician.user if clinician else None,
            payer_physician=data["payer_physician"],
            dial_in=data["dial_in"],
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        case,
        form_key="p2p_form",
        form=form,
        call=call,
        success="The peer-to-peer was scheduled.",
        anchor="#p2p",
    )


def _p2p_or_404(case, p2p_id) -> PeerToPeer:
    return found_or_404(next((p for p in case.peer_to_peers.all() if str(p.pk) == str(p2p_id)), None))


@org_page(permissions.APPEAL_MANAGE)
@case_form
def p2p_reschedule(request, org_slug: str, case_id, p2p_id):
    case = _case_or_404(request, case_id)
    p2p = _p2p_or_404(case, p2p_id)
    form = P2PRescheduleForm(request.POST, prefix="move")

    def call(data):
        services.p2p_reschedule(
            p2p=p2p,
            scheduled_at=_required(data["scheduled_at"], request.organization),
            payer_physician=data["payer_physician"] or None,
            dial_in=data["dial_in"] or None,
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        case,
        form_key="move_form",
        form=form,
        call=call,
        success="The peer-to-peer was moved.",
        anchor="#p2p",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def p2p_outcome(request, org_slug: str, case_id, p2p_id):
    case = _case_or_404(request, case_id)
    p2p = _p2p_or_404(case, p2p_id)
    form = P2POutcomeForm(request.POST, prefix="p2po")
    return _apply(
        request,
        org_slug,
        case,
        form_key="p2p_outcome_form",
        form=form,
        call=lambda data: services.p2p_outcome_record(p2p=p2p, actor=request.user, **data),
        success="The peer-to-peer's outcome was recorded.",
        anchor="#p2p",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def appeal_letter(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    form = AppealLetterForm(request.POST, prefix="letter")
    return _apply(
        request,
        org_slug,
        case,
        form_key="letter_form",
        form=form,
        call=lambda data: services.appeal_prepare(case=case, actor=request.user, **data),
        success="The appeal letter was saved.",
        anchor="#appeals",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def appeal_file(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    form = AppealFileForm(request.POST, prefix="file")

    def call(data):
        services.appeal_file(
            case=case,
            channel=data["channel"],
            reference=data["reference"],
            filed_at=local_instant(data["filed_at"], request.organization),
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        case,
        form_key="file_form",
        form=form,
        call=call,
        success="The appeal was filed; its decision is due by the regime's clock.",
        anchor="#appeals",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def appeal_outcome(request, org_slug: str, case_id, appeal_id):
    case = _case_or_404(request, case_id)
    appeal: Appeal = found_or_404(next((a for a in case.appeals.all() if str(a.pk) == str(appeal_id)), None))
    form = AppealOutcomeForm(request.POST, prefix="outcome")

    def call(data):
        services.appeal_outcome_record(
            appeal=appeal,
            outcome=data["outcome"],
            decided_at=local_instant(data["decided_at"], request.organization),
            note=data["note"],
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        case,
        form_key="outcome_form",
        form=form,
        call=call,
        success="The appeal's decision was recorded.",
        anchor="#appeals",
    )


@org_page(permissions.APPEAL_MANAGE)
@case_form
def case_close(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    form = CaseCloseForm(request.POST, prefix="close")
    return _apply(
        request,
        org_slug,
        case,
        form_key="close_form",
        form=form,
        call=lambda data: services.case_close(case=case, actor=request.user, **data),
        success="The case was closed.",
        anchor="#close",
    )


# --- The packet ---------------------------------------------------------------------------------------------


@org_page(permissions.APPEAL_MANAGE)
@require_GET
def packet_pdf(request, org_slug: str, case_id):
    case = _case_or_404(request, case_id)
    content = appeal_packet_pdf(case=case, generated_by=request.user.get_full_name() or request.user.email)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{appeal_packet_filename(case)}"'
    # Only once the file exists, and before it leaves: no export goes unrecorded.
    access_record(request=request, action=AccessAction.EXPORT, obj=case, client_id=case.episode.client_id)
    return response
