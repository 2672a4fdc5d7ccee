"""Discharge pages: an episode's discharge page (the transition plan, its checklist, the
termination session, completing the discharge, the summary, and the aftercare, consent and
billing panels of their own areas) and the Discharges worklist.

Every page that names clients writes an access event. Objects are found through the selectors
with the organization, so another tenant's episode is a 404 like an unknown one; changes go
through `discharge.plans.services`; a GET writes nothing (an episode admitted before the app
existed gets its plan from the "Start the plan" button, the nightly sync or the demo seed).
"""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.views.decorators.http import require_GET

from discharge.models import PlanStatus
from discharge.plans import selectors, services
from discharge.plans.forms import CompleteForm, PlanForm, SummaryForm, TerminationForm, TickForm
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_apply, form_endpoint, form_state_take, redirect_done, redirect_refused
from iop.common.forms import error_summary
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_actions


def _episode_or_404(request, episode_id):
    return found_or_404(selectors.episode_get(organization=request.organization, episode_id=episode_id))


def _plan_or_404(request, episode_id):
    _episode_or_404(request, episode_id)
    return found_or_404(selectors.plan_for_episode(organization=request.organization, episode_id=episode_id))


def _plan_url(org_slug: str, episode_id, anchor: str = "") -> str:
    return reverse("discharge:plan", kwargs={"org_slug": org_slug, "episode_id": episode_id}) + anchor


plan_form = form_endpoint(
    "discharge:plan", "episode_id", found=lambda request, episode_id, **_: _episode_or_404(request, episode_id)
)


# --- The episode's discharge page ------------------------------------------------------------------------


@org_page(permissions.DISCHARGE_VIEW)
@require_GET
def plan_detail(request, org_slug: str, episode_id):
    organization = request.organization
    episode = _episode_or_404(request, episode_id)
    plan = selectors.plan_for_episode(organization=organization, episode_id=episode.pk)
    today = organization.local_today()
    can = membership_actions(request.membership)
    state = form_state_take(request)
    access_record(request=request, action=AccessAction.VIEW, obj=plan or episode, client_id=episode.client_id)
    context: dict = {
        "episode": episode,
        "client": episode.client,
        "plan": plan,
        "today": today,
        "can": can,
        "show_clinical": permissions.CLINICAL_VIEW in can,
    }
    if plan is None:
        context["errors"] = state.problems
        return org_render(request, "discharge/plans/detail.html", context, status=state.status)
    is_open = plan.status == PlanStatus.PLANNING
    rows = selectors.checklist_rows(plan, today=today)
    forms = {
        "plan_form": state.form(
            "plan_form",
            lambda data: PlanForm(data, organization=organization, initial=PlanForm.initial_for(plan), prefix="plan"),
        ),
        "complete_form": state.form(
            "complete_form",
            lambda data: CompleteForm(data, initial={"last_day": plan.target_date or today}, prefix="complete"),
        ),
        "summary_form": state.form(
            "summary_form", lambda data: SummaryForm(data, initial={"summary": plan.summary}, prefix="summary")
        ),
    }
    context.update(
        {
            "is_open": is_open,
            "rows": rows,
            "open_required": selectors.open_required(rows),
            "termination": plan.termination if selectors._has_termination(plan) else None,
            "session_choices": (
                selectors.termination_session_choices(plan=plan, today=today)
                if is_open and permissions.DISCHARGE_MANAGE in can
                else []
            ),
            "can_manage": is_open and permissions.DISCHARGE_MANAGE in can,
            "can_override": permissions.DISCHARGE_OVERRIDE in can,
            "can_sign": permissions.DISCHARGE_SUMMARY_SIGN in can and plan.summary_signed_at is None,
            "errors": state.problems or error_summary(*forms.values()),
            **forms,
        }
    )
    return org_render(request, "discharge/plans/detail.html", context, status=state.status)


def _apply(request, org_slug, episode_id, *, form_key: str, form, call, success: str, anchor: str = ""):
    """`form_apply` on the discharge page: `call(form)`, back to the page (at `anchor`) either way."""
    return form_apply(
        request,
        form=form,
        call=call,
        page=_plan_url(org_slug, episode_id),
        done=_plan_url(org_slug, episode_id, anchor),
        key=form_key,
        success=success,
    )


@org_page(permissions.DISCHARGE_MANAGE)
@plan_form
def plan_start(request, org_slug: str, episode_id):
    episode = _episode_or_404(request, episode_id)
    try:
        services.plan_start(episode=episode, origin=services.origin_for(request.membership), actor=request.user)
    except ApplicationError as exc:
        from iop.common.forms import ErrorLink

        return redirect_refused(request, _plan_url(org_slug, episode_id), problems=[ErrorLink(exc.message, "#plan")])
    messages.success(request, "The transition plan was started.")
    return redirect_done(request, _plan_url(org_slug, episode_id))


@org_page(permissions.DISCHARGE_MANAGE)
@plan_form
def plan_update(request, org_slug: str, episode_id):
    plan = _plan_or_404(request, episode_id)
    form = PlanForm(request.POST, organization=request.organization, prefix="plan")
    return _apply(
        request,
        org_slug,
        episode_id,
        form_key="plan_form",
        form=form,
        call=lambda f: services.plan_update(
            plan=plan, data=f.cleaned_data, actor=request.user, origin=services.origin_for(request.membership)
        ),
        success="The transition plan was saved.",
        anchor="#plan",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@plan_form
def item_tick(request, org_slug: str, episode_id):
    plan = _plan_or_404(request, episode_id)
    form = TickForm(request.POST)

    def tick(f: TickForm) -> None:
        item = found_or_404(selectors.checklist_item_get(plan=plan, item_id=f.cleaned_data["item"]))
        services.checklist_item_tick(
            item=item, actor=request.user, done=f.cleaned_data["done"], note=f.cleaned_data["note"]
        )

    return _apply(
        request,
        org_slug,
        episode_id,
        form_key="tick_form",
        form=form,
        call=tick,
        success="The checklist was updated.",
        anchor="#checklist",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@plan_form
def termination_book(request, org_slug: str, episode_id):
    from scheduling.models import Session

    plan = _plan_or_404(request, episode_id)
    form = TerminationForm(request.POST)

    def book(f: TerminationForm) -> None:
        session = found_or_404(
            Session.objects.filter(organization=request.organization, pk=f.cleaned_data["session"])
            .select_related("group", "organization")
            .first()
        )
        services.termination_session_book(plan=plan, session=session, actor=request.user)

    return _apply(
        request,
        org_slug,
        episode_id,
        form_key="termination_form",
        form=form,
        call=book,
        success="The termination session is booked.",
        anchor="#checklist",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@plan_form
def plan_complete(request, org_slug: str, episode_id):
    plan = _plan_or_404(request, episode_id)
    form = CompleteForm(request.POST, prefix="complete")
    return _apply(
        request,
        org_slug,
        episode_id,
        form_key="complete_form",
        form=form,
        call=lambda f: services.plan_complete(
            plan=plan,
            actor=request.user,
            membership=request.membership,
            last_day=f.cleaned_data["last_day"],
            override_reason=f.cleaned_data["override_reason"],
        ),
        success="The discharge is complete.",
    )


@org_page(permissions.DISCHARGE_SUMMARY_SIGN)
@plan_form
def summary_save(request, org_slug: str, episode_id):
    plan = _plan_or_404(request, episode_id)
    form = SummaryForm(request.POST, prefix="summary")

    def save(f: SummaryForm) -> None:
        if f.cleaned_data["sign"]:
            services.summary_sign(
                plan=plan, actor=request.user, membership=request.membership, text=f.cleaned_data["summary"]
            )
        else:
            services.summary_save(plan=plan, text=f.cleaned_data["summary"], actor=request.user)

    signing = request.POST.get("summary-sign") in ("on", "true", "1", "True")
    return _apply(
        request,
        org_slug,
        episode_id,
        form_key="summary_form",
        form=form,
        call=save,
        success="The discharge summary was signed." if signing else "The discharge summary was saved.",
        anchor="#summary",
    )


# --- The Discharges worklist -------------------------------------------------------------------------------


@org_page(permissions.DISCHARGE_VIEW)
@require_GET
def worklist(request, org_slug: str):
    data = selectors.worklist(organization=request.organization)
    access_record(
        request=request, action=AccessAction.LIST, object_type="discharge.worklist", object_ids=data.client_ids()
    )
    return org_render(request, "discharge/worklist.html", {"worklist": data})
