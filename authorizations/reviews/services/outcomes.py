"""The outcome of a concurrent review, recorded like a 278 response on the review's renewal
request: continued stay approved through a date with units per line, partially approved, pended
for information (with its due date), step-down recommended, or denied.

The determination itself is `determination_record` (which extends the authorization under the
same number, or creates the next one linked to it). Here the review is closed (or pended), the
next review is scheduled (the payer's date, else the cadence), the episode's authorized level of
care follows the decision, a step-down recommendation becomes a task for the clinician, and the
client hears about a pend or a step-down on their own channel (with consent; never clinical
detail by SMS) — once, under a stable key, however often the task runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    ConcurrentReview,
    Determination,
    DeterminationAction,
    RequestStatus,
    ReviewStatus,
    SubmissionChannel,
)
from authorizations.requests.selectors import determination_authorization, request_message_recipients
from authorizations.requests.services.determinations import ApprovedLine, determination_record
from authorizations.requests.services.editing import request_locked
from authorizations.requests.services.workflow import channel_check, request_submit_one
from authorizations.reviews.services.calendar import (
    review_locked,
    review_open_check,
    review_renewal_request,
    review_schedule,
)
from iop.clients.models import Client, ReminderChannel
from iop.clients.selectors import client_message_address
from iop.clients.services import episode_authorized_level_set
from iop.common.dates import date_full
from iop.common.exceptions import refuse
from iop.notifications.services import message_send_once, notice_send
from iop.tenancy.models import LevelOfCare, Membership, Organization

if TYPE_CHECKING:
    from iop.accounts.models import User


class ReviewOutcome(models.TextChoices):
    APPROVED = "approved", "Continued stay approved"
    PARTIAL = "partial", "Partially approved"
    PENDED = "pended", "Pended for information"
    STEP_DOWN = "step_down", "Step-down recommended"
    DENIED = "denied", "Denied"


# The 278 action each outcome is recorded as; a step-down is a modified approval (A6) when the
# payer approved days to step down in, else not certified at this level (A3).
_ACTION: dict[str, str] = {
    ReviewOutcome.APPROVED: DeterminationAction.CERTIFIED,
    ReviewOutcome.PARTIAL: DeterminationAction.PARTIAL,
    ReviewOutcome.PENDED: DeterminationAction.PENDED,
    ReviewOutcome.DENIED: DeterminationAction.NOT_CERTIFIED,
}
# What the client is told about (approvals already tell them; a denial is the appeals' to tell).
TOLD_OUTCOMES = (ReviewOutcome.PENDED, ReviewOutcome.STEP_DOWN)


def outcome_of(determination: Determination) -> str:
    """The review outcome a determination records (for messages and pages)."""
    if determination.recommended_level_of_care:
        return ReviewOutcome.STEP_DOWN
    by_action: dict[str, str] = {v: k for k, v in _ACTION.items()}
    return by_action.get(determination.action, ReviewOutcome.DENIED)


def _submitted(request: AuthorizationRequest, *, channel: str, payer_reference: str, actor, now, decided_at):
    """A review presented on the call was submitted then, even if nobody pressed "submit": the
    renewal request is marked submitted (by phone by default) so the payer's answer can be recorded."""
    if request.status not in (RequestStatus.DRAFT, RequestStatus.READY):
        return
    request = request_locked(request)
    created = request.created_at.replace(second=0, microsecond=0)
    submitted_at = decided_at if decided_at < now and decided_at >= created else None
    request_submit_one(
        request, channel=channel, payer_reference=payer_reference, actor=actor, now=now, submitted_at=submitted_at
    )


@transaction.atomic
def review_outcome_record(
    *,
    review: ConcurrentReview,
    outcome: str,
    authorization_number: str = "",
    lines: Sequence[ApprovedLine] = (),
    reason: str = "",
    reason_code: str = "",
    administrative_reference: str = "",
    recommended_level_of_care: str = "",
    next_review_date: dt.date | None = None,
    information_due: dt.date | None = None,
    decided_at: dt.datetime | None = None,
    channel: str = SubmissionChannel.PHONE,
    payer_reference: str = "",
    actor: User | None,
    now: dt.datetime | None = None,
) -> Determination:
    """Record the payer's outcome of an open review (see the module docstring). Approvals need
    their `lines` (units and window per code; the authorization number defaults to the current
    one's, an extension); a pend needs what was asked for (`reason`) and `information_due`; a
    step-down the `recommended_level_of_care`. Refused as a whole: nothing changes."""
    now = now or timezone.now()
    review = review_locked(review)
    review_open_check(review)
    if outcome not in ReviewOutcome.values:
        refuse("Choose the outcome of the review.", code=AuthorizationsErrorCode.INVALID_OUTCOME, field="outcome")
    if outcome in (ReviewOutcome.APPROVED, ReviewOutcome.PARTIAL) and not lines:
        refuse(
            "Give the units and dates approved for at least one code.",
            code=AuthorizationsErrorCode.OUTCOME_LINES_REQUIRED,
            field="lines",
        )
    if outcome == ReviewOutcome.STEP_DOWN and recommended_level_of_care not in LevelOfCare.values:
        refuse(
            "Say which level of care the payer recommends stepping down to.",
            code=AuthorizationsErrorCode.STEP_DOWN_LEVEL_REQUIRED,
            field="recommended_level_of_care",
        )
    if outcome != ReviewOutcome.STEP_DOWN:
        recommended_level_of_care = ""
    channel_check(channel)
    action = _ACTION.get(outcome) or (DeterminationAction.MODIFIED if lines else DeterminationAction.NOT_CERTIFIED)
    approving = action in (DeterminationAction.CERTIFIED, DeterminationAction.PARTIAL, DeterminationAction.MODIFIED)
    authorization = review.authorization
    request = review_renewal_request(review=review, actor=actor)
    _submitted(
        request, channel=channel, payer_reference=payer_reference, actor=actor, now=now, decided_at=decided_at or now
    )
    if action != DeterminationAction.PENDED:
        from authorizations.reviews.calls.services import review_calls_cancel_open

        # Decided first: the next review (scheduled when the approval is recorded) counts from this one.
        review.status = ReviewStatus.DECIDED
        review.save(update_fields=["status", "updated_at"])
        # A call still ahead is no longer needed: the clinician's calendar gets its cancellation.
        review_calls_cancel_open(review=review, reason="The payer decided the review.", actor=actor)
    determination = determination_record(
        request=AuthorizationRequest.objects.get(pk=request.pk),
        action=action,
        authorization_number=(authorization_number or "").strip() or (authorization.number if approving else ""),
        lines=list(lines) if approving else (),
        reason=reason,
        reason_code=reason_code,
        administrative_reference=administrative_reference,
        recommended_level_of_care=recommended_level_of_care,
        next_review_date=next_review_date if approving else None,
        information_due=information_due,
        decided_at=decided_at,
        actor=actor,
    )
    episode = review.episode
    if action == DeterminationAction.PENDED:
        review.status = ReviewStatus.PENDED
        review.save(update_fields=["status", "updated_at"])
    if approving:
        continued = determination_authorization(determination)
        if continued is not None:
            upcoming = review_schedule(authorization=continued, review_date=next_review_date, actor=actor)
            Authorization.objects.filter(pk=continued.pk).update(next_review_date=upcoming.review_date)
        level = recommended_level_of_care or request.level_of_care
        episode_authorized_level_set(episode=episode, level_of_care=level, actor=actor)
    elif recommended_level_of_care:
        episode_authorized_level_set(episode=episode, level_of_care=recommended_level_of_care, actor=actor)
    if outcome == ReviewOutcome.STEP_DOWN:
        _step_down_task(review, determination)
    if outcome in TOLD_OUTCOMES:
        _clients_tell(review, determination)
    return determination


# --- The clinician's task ----------------------------------------------------------------------------


def _step_down_task(review: ConcurrentReview, determination: Determination) -> None:
    """The clinician (the review's, else the episode's primary; else every clinician) gets a task in
    their inbox, linking to the review's discharge and step-down plan."""
    organization = review.organization
    members = Membership.objects.filter(organization=organization, is_active=True)
    if review.clinician_id:
        recipients = list(members.filter(user_id=review.clinician_id))
    elif review.episode.primary_clinician_id:
        recipients = list(members.filter(pk=review.episode.primary_clinician_id))
    else:
        recipients = []
    if not recipients:
        recipients = list(members.filter(role="clinician"))
    level = LevelOfCare(determination.recommended_level_of_care).label
    link = reverse("authorizations:review", kwargs={"org_slug": organization.slug, "review_id": review.pk})
    notice_send(
        organization=organization,
        recipients=recipients,
        kind="review_step_down",
        title=f"Update {review.episode.client.display_name}'s discharge plan: the payer recommends {level}",
        body=f"The payer recommends {level} at the review. Update the discharge and step-down plan and talk it "
        "over with the client.",
        link=f"{link}#discharge-plan",
        dedupe_key=f"review-step-down:{determination.pk}",
        client_id=review.episode.client_id,
    )


# --- Telling the client ----------------------------------------------------------------------------------


def _recipients(review: ConcurrentReview) -> list[Client]:
    """The client, and when the authorization came from a couple's packet, the other partner."""
    return request_message_recipients(review.authorization.determination.request)


def _clients_tell(review: ConcurrentReview, determination: Determination) -> None:
    from authorizations.tasks import review_outcome_message_send

    for recipient in _recipients(review):
        if client_message_address(recipient) is not None:
            review_outcome_message_send.delay_on_commit(
                review.organization_id, str(determination.pk), str(recipient.pk)
            )


def outcome_message_key(determination: Determination, client: Client) -> str:
    """The message's stable idempotency key (80 characters: hex ids)."""
    return f"review-outcome:{determination.pk.hex}:{client.pk.hex}"


def review_outcome_message(
    *, determination: Determination, client: Client, organization: Organization, channel: str, partner: bool
) -> tuple[str, str]:
    """Subject and body for a pend or a step-down. What the payer asked for, or the level it
    recommends, only by email; an SMS (it shows on lock screens) says there is news and who to call.
    The other partner of a couple's packet hears it concerns their joint treatment, not whose it is."""
    first = client.preferred_name or client.first_name
    about = "your joint treatment" if partner else "your treatment"
    by_email = channel == ReminderChannel.EMAIL and not partner
    if outcome_of(determination) == ReviewOutcome.PENDED:
        subject = "Your insurer asked for more information"
        due = determination.request.information_due
        body = (
            f"Hello {first}, your insurance company asked {organization.name} for more information to continue {about}"
        )
        body += f" (due {date_full(due)})." if due else "."
        if by_email and determination.reason:
            body += f" What they asked for: {determination.reason}"
        body += (
            " We are sending it; we will contact you if we need anything from you. "
            f"Questions? Contact {organization.name}."
        )
        return subject, body
    subject = "An update about your care"
    body = f"Hello {first}, your insurance company reviewed {about} and recommended a change in the level of care"
    if by_email and determination.recommended_level_of_care:
        body += f" ({LevelOfCare(determination.recommended_level_of_care).label})"
    body += f". Your care team will talk with you about the next steps. Questions? Contact {organization.name}."
    return subject, body


def review_outcome_message_deliver(*, determination_id, client_id) -> str:
    """Send one outcome message (the Celery task's body). Channel and consent are read now; the
    stable key makes a retried or redelivered task send nothing twice."""
    determination = (
        Determination.objects.select_related("request__episode__client", "request__organization")
        .filter(pk=determination_id)
        .first()
    )
    client = Client.objects.filter(pk=client_id).first()
    if determination is None or client is None:
        return "gone"
    review = ConcurrentReview.objects.filter(request_id=determination.request_id).first()
    if review is None or client.pk not in {c.pk for c in _recipients(review)}:
        return "not a recipient"
    address = client_message_address(client)
    if address is None:
        return "no consented channel"
    organization = determination.request.organization
    subject, body = review_outcome_message(
        determination=determination,
        client=client,
        organization=organization,
        channel=address[0],
        partner=client.pk != review.episode.client_id,
    )
    result = message_send_once(
        organization=organization,
        channel=address[0],
        to=address[1],
        subject=subject,
        body=body,
        client=client,
        idempotency_key=outcome_message_key(determination, client),
    )
    return "sent" if result.sent else f"already {result.message.status}"
