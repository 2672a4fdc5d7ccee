"""Client pages: list and search, intake, detail, edits, status changes, treatment plan, couples.

Every page that shows a client's PHI writes an access event (lists: one per page, with the ids
shown). Objects are looked up through the organization's selectors, so another tenant's id is a
404 like an unknown one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_state_take, redirect_refused
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_actions, membership_can

from . import selectors, services
from .forms import (
    ClientColumnsForm,
    ClientFilterForm,
    ClientForm,
    CoupleCreateForm,
    CoupleEndForm,
    EpisodeCreateForm,
    EpisodeTransitionForm,
    IntakeForm,
    TreatmentPlanPageForm,
)
from .hooks import client_list_columns, client_list_columns_load, client_list_filters, client_panels_load
from .models import Client, EpisodeStatus, TherapyTrack

CLIENTS_PER_PAGE = 25


def _client_or_404(request, client_id) -> Client:
    return found_or_404(selectors.client_get(organization=request.organization, client_id=client_id))


def _episode_or_404(request, episode_id):
    return found_or_404(selectors.episode_get(organization=request.organization, episode_id=episode_id))


def _record_view(request, client: Client, obj=None) -> None:
    access_record(request=request, action=AccessAction.VIEW, obj=obj or client, client_id=client.pk)


def _detail_url(org_slug: str, client_id) -> str:
    return reverse("clients:client_detail", kwargs={"org_slug": org_slug, "client_id": client_id})


def _to_detail(org_slug: str, client_id, section: str = ""):
    """Back to the client page; at `section` (its id on the page) after a change made there, so
    the page opens where the member was, with the message in view (the live region is fixed)."""
    return redirect(_detail_url(org_slug, client_id) + (f"#{section}" if section else ""))


@org_page(permissions.CLIENT_VIEW)
def org_home(request, org_slug: str):
    return redirect("clients:client_list", org_slug=org_slug)


# --- List and search ---------------------------------------------------------------------------------


def _client_results(request, form: ClientFilterForm) -> dict:
    """The results region: a page of the clients the search and filters keep (one access event
    with the ids shown), with the columns the member shows, each loaded by the app that
    registered it (iop.clients.hooks) in a constant number of queries."""
    organization, membership = request.organization, request.membership
    columns = selectors.client_list_columns_shown(
        membership=membership, columns=client_list_columns(can=membership_actions(membership))
    )
    page, loaded = None, []
    if not form.is_bound or form.is_valid():
        filters = form.filters()
        among = [list_filter.client_ids(organization=organization) for list_filter in form.list_filters_ticked()]
        clients = selectors.client_list(organization=organization, among=among, **filters)
        page = Paginator(clients, CLIENTS_PER_PAGE).get_page(form.page_number())
        client_ids = [client.pk for client in page.object_list]
        access_record(
            request=request,
            action=AccessAction.SEARCH if filters.get("search") else AccessAction.LIST,
            object_type="clients.Client",
            object_ids=client_ids,
        )
        loaded = client_list_columns_load(organization=organization, columns=columns, client_ids=client_ids)
    return {
        "form": form,
        "page": page,
        "columns": loaded,
        "column_keys": [column.key for column in columns],
        "errors": error_summary(form),
        "focus_results": bool(form.is_bound and form.data.get("page")),
    }


def _filter_form(request) -> ClientFilterForm:
    return ClientFilterForm(
        request.POST if request.method == "POST" else None,
        organization=request.organization,
        list_filters=client_list_filters(can=membership_actions(request.membership)),
    )


@org_page(permissions.CLIENT_VIEW)
def client_list(request, org_slug: str):
    """GET shows the first page of all clients; the search form POSTs (search text is PHI and
    stays out of URLs). htmx posts get just the results region back."""
    form = _filter_form(request)
    context = _client_results(request, form)
    status = form_status(form)
    if request.htmx:
        return render(request, "clients/partials/client_results.html", context, status=status)
    available = client_list_columns(can=membership_actions(request.membership))
    if available:
        context["columns_form"] = ClientColumnsForm(columns=available, initial={"columns": context["column_keys"]})
    return org_render(request, "clients/client_list.html", context, status=status)


@org_page(permissions.CLIENT_VIEW)
def client_columns_choose(request, org_slug: str):
    """The list's "Columns" chooser posts here (a GET goes to the list). The choice is kept for
    the member; htmx gets the results back as searched (the chooser takes the search form's
    fields along, in the body), a plain post goes back to the list."""
    if request.method != "POST":
        return redirect("clients:client_list", org_slug=org_slug)
    available = client_list_columns(can=membership_actions(request.membership))
    columns_form = ClientColumnsForm(request.POST, columns=available)
    saved = False
    if columns_form.is_valid():
        try:
            services.client_list_columns_save(
                membership=request.membership, columns=columns_form.cleaned_data["columns"]
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, columns_form)
        else:
            saved = True
    message = "The columns were saved." if saved else "The columns were not saved: choose among the columns shown."
    if request.htmx:
        form = _filter_form(request)
        context = {**_client_results(request, form), "announce": message, "announce_error": not saved}
        return render(request, "clients/partials/client_results.html", context, status=form_status(form))
    (messages.success if saved else messages.error)(request, message)
    return redirect("clients:client_list", org_slug=org_slug)


# --- Intake ------------------------------------------------------------------------------------------


@org_page(permissions.CLIENT_CREATE)
def client_intake(request, org_slug: str):
    form = IntakeForm(request.POST if request.method == "POST" else None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.client_intake(
                organization=request.organization, actor=request.user, **form.service_kwargs()
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, "The client was added, with their episode of care and treatment plan.")
            return _to_detail(org_slug, episode.client_id)
    context = {"form": form, "errors": form.error_summary()}
    return org_render(request, "clients/client_intake.html", context, status=form_status(form))


# --- Detail --------------------------------------------------------------------------------------------


def _client_detail_page(request, client: Client):
    """The client page, with a refused status change, couple end or attendance-report period as it
    was typed (they post to endpoints of their own: iop.common.form_state)."""
    organization, membership = request.organization, request.membership
    state = form_state_take(request)
    episodes = client.episodes_newest_first  # type: ignore[attr-defined]  # a to_attr prefetch
    current = episodes[0] if episodes else None
    couples = selectors.client_couples(client=client)
    open_couple = next((c for c in couples if c.ended_on is None), None)
    transition_form = couple_end_form = None
    if (
        current is not None
        and current.allowed_transitions()
        and membership_can(membership, permissions.EPISODE_TRANSITION)
    ):
        transition_form = state.form(
            "transition", lambda data: EpisodeTransitionForm(data, episode=current, organization=organization)
        )
    if open_couple is not None:
        couple_end_form = state.form("couple_end", lambda data: CoupleEndForm(data, organization=organization))
    plan = getattr(current, "treatment_plan", None) if current else None
    _record_view(request, client)
    context = {
        "client": client,
        "episodes": episodes,
        "current_episode": current,
        "treatment_plan": plan,
        "plan_tracks": [TherapyTrack(track).label for track in plan.tracks] if plan else [],
        "couples": couples,
        "open_couple": open_couple,
        "partner": open_couple.partner_of(client) if open_couple else None,
        "transition_form": transition_form,
        "couple_end_form": couple_end_form,
        # A stepped-down episode can still re-escalate; a new one starts only after discharge.
        "can_start_episode": current is None or current.status == EpisodeStatus.DISCHARGED,
        # The panels other apps register (iop.clients.hooks), each with its context loaded by its
        # app's selectors; a refused form of theirs comes back through `form_state`.
        "panels": client_panels_load(
            organization=organization,
            client=client,
            episode=current,
            can=membership_actions(membership),
            form_state=state,
        ),
        "errors": error_summary(*(f for f in (transition_form, couple_end_form) if f is not None)),
    }
    return org_render(request, "clients/client_detail.html", context, status=state.status)


@org_page(permissions.CLIENT_VIEW)
def client_detail(request, org_slug: str, client_id):
    return _client_detail_page(request, _client_or_404(request, client_id))


@org_page(permissions.CLIENT_EDIT)
def client_edit(request, org_slug: str, client_id):
    client = _client_or_404(request, client_id)
    client_name = client.display_name
    form = ClientForm(request.POST if request.method == "POST" else None, initial=ClientForm.initial_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, data=form.cleaned_data)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The client's details were saved.")
            return _to_detail(org_slug, client.pk)
    _record_view(request, client)
    context = {"client": client, "client_name": client_name, "form": form, "errors": error_summary(form)}
    return org_render(request, "clients/client_edit.html", context, status=form_status(form))


# --- Episodes ------------------------------------------------------------------------------------------


@org_page(permissions.CLIENT_CREATE)
def episode_create(request, org_slug: str, client_id):
    client = _client_or_404(request, client_id)
    form = EpisodeCreateForm(request.POST if request.method == "POST" else None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_create(
                organization=request.organization,
                client=client,
                program=form.cleaned_data["program"],
                referral_date=form.cleaned_data["referral_date"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "A new episode of care was started.")
            return _to_detail(org_slug, client.pk, "episode")
    _record_view(request, client)
    context = {"client": client, "form": form, "errors": error_summary(form)}
    return org_render(request, "clients/episode_create.html", context, status=form_status(form))


@org_page(permissions.EPISODE_TRANSITION)
def episode_transition(request, org_slug: str, episode_id):
    """The status form lives on the client page; this only takes its POST (a GET goes back there)."""
    episode = _episode_or_404(request, episode_id)
    if request.method != "POST":
        return _to_detail(org_slug, episode.client_id)
    form = EpisodeTransitionForm(request.POST, episode=episode, organization=request.organization)
    if form.is_valid():
        try:
            episode = services.episode_transition(episode=episode, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"The episode is now {EpisodeStatus(episode.status).label.lower()}.")
            if episode.status == EpisodeStatus.ACTIVE and membership_can(
                request.membership, permissions.PLACEMENT_MANAGE
            ):
                # An admission leads straight to placement: no client is left off the rosters.
                return redirect("scheduling:placement_assistant", org_slug=org_slug, episode_id=episode.pk)
            return _to_detail(org_slug, episode.client_id, "episode")
    return redirect_refused(request, _detail_url(org_slug, episode.client_id), key="transition", form=form)


@org_page(permissions.TREATMENT_PLAN_EDIT)
def treatment_plan_edit(request, org_slug: str, episode_id):
    episode = _episode_or_404(request, episode_id)
    plan = getattr(episode, "treatment_plan", None)
    form = TreatmentPlanPageForm(
        request.POST if request.method == "POST" else None, plan=plan, default_date=episode.referral_date
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.treatment_plan_save(episode=episode, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, "The treatment plan was saved.")
            return _to_detail(org_slug, episode.client_id, "plan")
    _record_view(request, episode.client, obj=plan or episode)
    context = {"episode": episode, "client": episode.client, "form": form, "errors": form.error_summary()}
    return org_render(
        request,
        "clients/treatment_plan_edit.html",
        context,
        status=form_status(form),
    )


# --- Couples -------------------------------------------------------------------------------------------


@org_page(permissions.COUPLE_MANAGE)
def couple_create(request, org_slug: str, client_id):
    client = _client_or_404(request, client_id)
    form = CoupleCreateForm(
        request.POST if request.method == "POST" else None, client=client, organization=request.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.couple_create(organization=request.organization, **form.service_kwargs())
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The couple was recorded.")
            return _to_detail(org_slug, client.pk, "couple")
    _record_view(request, client)
    context = {"client": client, "form": form, "errors": error_summary(form)}
    return org_render(request, "clients/couple_create.html", context, status=form_status(form))


@org_page(permissions.COUPLE_MANAGE)
def couple_end(request, org_slug: str, client_id, couple_id):
    """The end form lives on the client page; this only takes its POST (a GET goes back there)."""
    client = _client_or_404(request, client_id)
    couple = found_or_404(next((c for c in selectors.client_couples(client=client) if c.pk == couple_id), None))
    if request.method != "POST":
        return _to_detail(org_slug, client.pk)
    form = CoupleEndForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.couple_end(couple=couple, ended_on=form.cleaned_data["ended_on"])
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The couple was ended.")
            return _to_detail(org_slug, client.pk, "couple")
    return redirect_refused(request, _detail_url(org_slug, client.pk), key="couple_end", form=form)
