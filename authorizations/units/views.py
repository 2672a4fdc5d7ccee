"""Authorization pages (units): the "Authorizations" worklist the intake team works each morning,
an authorization's burn-down, and closing a chase task.

Pages that name clients write an access event. Objects are found through the organization's
selectors, so another tenant's id is a 404 like an unknown one; changes go through
`authorizations.units.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Page
from django.shortcuts import redirect
from django.urls import reverse

from authorizations.models import ChaseTask
from authorizations.units import selectors, services
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can


class ChaseTaskDoneForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=300,
        required=False,
        help_text="For example: renewal request submitted; payer called, decision expected Friday.",
    )


@dataclass(frozen=True)
class SectionPager:
    """A worklist section's links to its previous and next pages ("" for none)."""

    page: Page
    previous: str
    next: str


def _section_pagers(pages: dict[str, int], data: selectors.Worklist) -> dict[str, SectionPager]:
    """Each section's pager; a link keeps the page the other sections are on and lands on its own."""

    def link(section: str, number: int) -> str:
        query = {f"{name}_page": n for name, n in pages.items() if n > 1 and name != section}
        if number > 1:
            query[f"{section}_page"] = number
        return f"?{urlencode(query)}#{section}"

    pagers = {}
    for section in selectors.WORKLIST_SECTIONS:
        page = data.section(section)
        pagers[section] = SectionPager(
            page=page,
            previous=link(section, page.previous_page_number()) if page.has_previous() else "",
            next=link(section, page.next_page_number()) if page.has_next() else "",
        )
    return pagers


@org_page(permissions.COVERAGE_VIEW)
def worklist(request, org_slug: str):
    """Drafts, requests awaiting a decision (with the clock), pended ones (with the information
    due), active authorizations with their units and days left, the expiring ones, open chase
    tasks and unauthorized days: a page of each (`?<section>_page=n`). A constant number of
    queries however long the lists."""
    asked = {section: request.GET.get(f"{section}_page") for section in selectors.WORKLIST_SECTIONS}
    data = selectors.authorizations_worklist(organization=request.organization, pages=asked)
    pages = {section: data.section(section).number for section in selectors.WORKLIST_SECTIONS}
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="authorizations.worklist",
        object_ids=data.client_ids(),
    )
    context = {
        "worklist": data,
        "pagers": _section_pagers(pages, data),
        "can_work": membership_can(request.membership, permissions.DETERMINATION_RECORD),
        "done_form": ChaseTaskDoneForm(),
    }
    return org_render(request, "authorizations/worklist.html", context)


@org_page(permissions.COVERAGE_VIEW)
def authorization_detail(request, org_slug: str, authorization_id):
    """One authorization: its units day by day (used and booked), its chase tasks."""
    authorization = found_or_404(
        selectors.authorization_get(organization=request.organization, authorization_id=authorization_id)
    )
    selectors.figures_attach([authorization], organization=request.organization)
    tasks = list(
        selectors.chase_task_list(organization=request.organization)
        .filter(authorization=authorization)
        .order_by("created_at")
    )
    access_record(
        request=request, action=AccessAction.VIEW, obj=authorization, client_id=authorization.episode.client_id
    )
    context = {
        "authorization": authorization,
        "figures": authorization.figures,
        "client": authorization.episode.client,
        "tasks": tasks,
        "can_work": membership_can(request.membership, permissions.DETERMINATION_RECORD),
        "done_form": ChaseTaskDoneForm(),
    }
    return org_render(request, "authorizations/authorization_detail.html", context)


@org_page(permissions.DETERMINATION_RECORD)
def chase_task_done(request, org_slug: str, task_id):
    """Close a chase task (POST), with an optional note of what was done."""
    task = found_or_404(ChaseTask.objects.filter(organization=request.organization, pk=task_id).first())
    # Back where the form was (the worklist's tasks), with the message in view (base.html's live region).
    back = reverse("authorizations:worklist", kwargs={"org_slug": org_slug}) + "#tasks"
    if request.POST.get("back") == "authorization" and task.authorization_id:
        back = reverse(
            "authorizations:authorization_detail",
            kwargs={"org_slug": org_slug, "authorization_id": task.authorization_id},
        )
    if request.method != "POST":
        return redirect(back)
    form = ChaseTaskDoneForm(request.POST)
    if form.is_valid():
        try:
            services.chase_task_done(task=task, actor=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Done: {task.get_kind_display().lower()}.")
    else:
        messages.error(request, "The task was not closed: the note is at most 300 characters.")
    return redirect(back)
