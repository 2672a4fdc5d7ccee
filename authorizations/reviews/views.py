"""Review pages: the Reviews page (open reviews grouped Past due / Today / Tomorrow / This week),
the month view, and one review — its authorization and lines with units, what the clinician tells
the reviewer (clinical roles only), the calls and the packet (their own packages' partials), and
the payer's outcome.

Every page that names clients writes an access event. Objects are found through the selectors
with the organization, so another tenant's review is a 404 like an unknown one; changes go through
`authorizations.reviews.services`.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from authorizations.models import OPEN_REVIEW_STATUSES
from authorizations.reviews import selectors
from authorizations.reviews.forms import ClinicalForm, OutcomeForm, ReviewDateForm
from authorizations.reviews.services import calendar, clinical, outcomes
from authorizations.units.selectors import figures_attach
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.form_state import form_apply, form_endpoint, form_state_take
from iop.common.forms import error_summary
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.models import Role
from iop.tenancy.permissions import membership_actions


def _review_or_404(request, review_id):
    return found_or_404(selectors.review_get(organization=request.organization, review_id=review_id))


def _review_url(org_slug: str, review, anchor: str = "") -> str:
    return reverse("authorizations:review", kwargs={"org_slug": org_slug, "review_id": review.pk}) + anchor


review_form = form_endpoint(
    "authorizations:review",
    "review_id",
    found=lambda request, review_id, **_: _review_or_404(request, review_id),
)


# --- The Reviews page and the month ----------------------------------------------------------------------


@org_page(permissions.REVIEW_VIEW)
@require_GET
def reviews(request, org_slug: str):
    """Open reviews by when they fall; a clinician's own first, or only theirs (`?mine=1`)."""
    is_clinician = request.membership.role == Role.CLINICIAN
    mine_only = request.GET.get("mine") == "1"
    data = selectors.reviews_calendar(organization=request.organization, user=request.user, mine_only=mine_only)
    access_record(
        request=request, action=AccessAction.LIST, object_type="authorizations.reviews", object_ids=data.client_ids()
    )
    today = data.today
    context = {
        "calendar": data,
        "is_clinician": is_clinician,
        "mine_only": mine_only,
        "month_url": reverse(
            "authorizations:reviews_month", kwargs={"org_slug": org_slug, "year": today.year, "month": today.month}
        ),
    }
    return org_render(request, "authorizations/reviews/reviews.html", context)


@org_page(permissions.REVIEW_VIEW)
@require_GET
def reviews_month(request, org_slug: str, year: int, month: int):
    """The month as a calendar grid, each day with its reviews."""
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404("No such month")
    data = selectors.reviews_month(organization=request.organization, year=year, month=month, user=request.user)
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="authorizations.reviews_month",
        object_ids=data.client_ids(),
    )
    return org_render(request, "authorizations/reviews/month.html", {"month": data})


# --- One review ------------------------------------------------------------------------------------------


def _review_page(request, review):
    organization = request.organization
    today = organization.local_today()
    can = membership_actions(request.membership)
    state = form_state_take(request)
    authorization = review.authorization
    figures_attach([authorization], organization=organization)
    defaults = selectors.outcome_defaults(review)
    codes = [(line.code, line.label) for line in defaults]
    forms = {
        "clinical_form": state.form(
            "clinical_form",
            lambda data: ClinicalForm(data, initial=ClinicalForm.initial_for(review), prefix="clinical"),
        ),
        "date_form": state.form(
            "date_form", lambda data: ReviewDateForm(data, initial={"review_date": review.review_date}, prefix="date")
        ),
        "outcome_form": state.form(
            "outcome_form",
            lambda data: OutcomeForm(
                data, codes=codes, initial=OutcomeForm.initial_for(review, defaults, today), prefix="outcome"
            ),
        ),
    }
    access_record(request=request, action=AccessAction.VIEW, obj=review, client_id=review.episode.client_id)
    is_open = review.status in OPEN_REVIEW_STATUSES
    context = {
        "review": review,
        "authorization": authorization,
        "figures": authorization.figures,
        "lines": getattr(authorization, "line_list", None) or list(authorization.lines.all()),
        "client": review.episode.client,
        "call": selectors.next_call(review),
        "packet_state": selectors.packet_state(review),
        "submission_due": selectors.due_text(review.submission_due_at, organization),
        "today": today,
        "is_open": is_open,
        "show_clinical": permissions.CLINICAL_VIEW in can,
        "can_edit_clinical": is_open and permissions.REVIEW_CLINICAL_EDIT in can,
        "can_record": is_open and permissions.REVIEW_OUTCOME_RECORD in can,
        "determinations": list(review.request.determinations.order_by("decided_at")) if review.request_id else [],
        "errors": state.problems or error_summary(*forms.values()),
        **forms,
    }
    return org_render(request, "authorizations/reviews/detail.html", context, status=state.status)


@org_page(permissions.REVIEW_VIEW)
@require_GET
def review_detail(request, org_slug: str, review_id):
    return _review_page(request, _review_or_404(request, review_id))


def _apply(request, org_slug, review, *, form_key: str, form, call, success: str, anchor: str = ""):
    """`form_apply` on the review page: `call(form)`, back to the page (at `anchor`) either way."""
    return form_apply(
        request,
        form=form,
        call=call,
        page=_review_url(org_slug, review),
        done=_review_url(org_slug, review, anchor),
        key=form_key,
        success=success,
    )


@org_page(permissions.REVIEW_CLINICAL_EDIT)
@review_form
def review_clinical(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    form = ClinicalForm(request.POST, prefix="clinical")
    return _apply(
        request,
        org_slug,
        review,
        form_key="clinical_form",
        form=form,
        call=lambda f: clinical.review_clinical_update(review=review, data=f.cleaned_data, actor=request.user),
        success="The review's clinical notes were saved.",
        anchor="#clinical",
    )


@org_page(permissions.REVIEW_OUTCOME_RECORD)
@review_form
def review_date_move(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    form = ReviewDateForm(request.POST, prefix="date")
    return _apply(
        request,
        org_slug,
        review,
        form_key="date_form",
        form=form,
        call=lambda f: calendar.review_date_move(
            review=review, review_date=f.cleaned_data["review_date"], actor=request.user
        ),
        success="The review date was moved.",
    )


@org_page(permissions.REVIEW_OUTCOME_RECORD)
@review_form
def review_outcome(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    codes = [(line.code, line.label) for line in selectors.outcome_defaults(review)]
    form = OutcomeForm(request.POST, codes=codes, prefix="outcome")

    def record(f: OutcomeForm) -> None:
        lines = f.approved_lines()
        if f.errors:
            return
        data = f.cleaned_data
        outcomes.review_outcome_record(
            review=review,
            outcome=data["outcome"],
            authorization_number=data["authorization_number"],
            lines=lines,
            reason=data["reason"],
            reason_code=data["reason_code"],
            recommended_level_of_care=data["recommended_level_of_care"],
            next_review_date=data["next_review_date"],
            information_due=data["information_due"],
            decided_at=f.decided_at(request.organization, timezone.now()),
            channel=data["channel"] or "phone",
            payer_reference=data["payer_reference"],
            actor=request.user,
        )

    return _apply(
        request,
        org_slug,
        review,
        form_key="outcome_form",
        form=form,
        call=record,
        success="The outcome of the review was recorded.",
        anchor="#outcome",
    )
