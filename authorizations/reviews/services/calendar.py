"""The review calendar: when each active authorization is next reviewed, the review row itself,
moving it when the payer says so, the nightly sync, and the renewal request a review submits.

When: the date the payer set at the last determination (the authorization's `next_review_date`,
when it is still ahead of the last review), else the payer rule's `review_cadence_days` counted
from the last review of this authorization (or of the one it continues), else from the
authorization's start — never after the authorization's last day. The rule is the one in effect
for the coverage's plan (else payer) and the episode's level of care on the day counted from.
Without a rule the review falls on the authorization's last day: it must happen before then.

The submission is due at the start of the review day, or earlier when the rule asks for it
`review_submission_lead_hours` before the authorization ends (an urgent extension must reach the
payer 24 h before the approved period ends) — both instants in the organization's zone, so a DST
change moves neither.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    OPEN_REVIEW_STATUSES,
    Authorization,
    AuthorizationRequest,
    AuthorizationStatus,
    CertificationType,
    CodeSystem,
    ConcurrentReview,
    Diagnosis,
    PayerRule,
    ReviewStatus,
    ServiceLine,
    ServiceTrack,
    Urgency,
)
from authorizations.requests.selectors import fees_of, rules_of
from authorizations.requests.services.lines import ONCE_UNIT_TYPES, line_compute
from authorizations.reviews.selectors import renewal_window, review_rule
from authorizations.units.selectors import code_tracks
from iop.common.dates import date_range
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

if TYPE_CHECKING:
    from iop.accounts.models import User


# --- When -------------------------------------------------------------------------------------------


def last_review_date(authorization: Authorization) -> dt.date | None:
    """The latest decided review of this authorization or of the one it continues."""
    ids = [authorization.pk, *([authorization.prior_id] if authorization.prior_id else [])]
    return (
        ConcurrentReview.objects.filter(authorization_id__in=ids, status=ReviewStatus.DECIDED)
        .order_by("-review_date")
        .values_list("review_date", flat=True)
        .first()
    )


def next_review_date_for(
    authorization: Authorization, *, rules: list[PayerRule] | None = None, last_review: dt.date | None = None
) -> dt.date:
    """The authorization's next review date (see the module docstring). `last_review` (default:
    read) is the latest decided review's date; `rules` the payer's rules, when preloaded."""
    last = last_review if last_review is not None else last_review_date(authorization)
    payer_set = authorization.next_review_date
    if payer_set is not None and (last is None or payer_set > last):
        return min(payer_set, authorization.end_date)
    anchor = max(authorization.start_date, last) if last else authorization.start_date
    rule = review_rule(authorization, on=anchor, rules=rules)
    if rule is None:
        return authorization.end_date
    return min(anchor + dt.timedelta(days=rule.review_cadence_days), authorization.end_date)


def submission_due_at(
    authorization: Authorization, *, review_date: dt.date, rules: list[PayerRule] | None = None
) -> dt.datetime:
    """The start of the review day, or the authorization's end (the end of its last day) less the
    rule's lead hours when that is earlier; local wall-clock times in the organization's zone."""
    organization = authorization.organization
    start_of_review_day = organization.local_datetime(review_date, dt.time(0))
    rule = review_rule(authorization, on=review_date, rules=rules)
    if rule is None or not rule.review_submission_lead_hours:
        return start_of_review_day
    end = organization.local_datetime(authorization.end_date + dt.timedelta(days=1), dt.time(0))
    # Hours of elapsed time: across a DST change the wall clock moves, the deadline does not.
    lead = (end.astimezone(dt.UTC) - dt.timedelta(hours=rule.review_submission_lead_hours)).astimezone(
        organization.tzinfo
    )
    return min(start_of_review_day, lead)


# --- The review row ------------------------------------------------------------------------------------


def _open_review(authorization: Authorization) -> ConcurrentReview | None:
    return ConcurrentReview.objects.filter(authorization=authorization, status__in=OPEN_REVIEW_STATUSES).first()


def _reviewable(authorization: Authorization) -> bool:
    return authorization.status == AuthorizationStatus.ACTIVE and not authorization.continuations.exists()


@transaction.atomic
def review_schedule(
    *, authorization: Authorization, review_date: dt.date | None = None, actor: User | None = None
) -> ConcurrentReview:
    """The authorization's open review, created on its next review date (or `review_date`, the
    payer's) when there is none: with the episode's primary clinician and the submission deadline.
    Idempotent: an open review is returned as it is (move it with `review_date_move`)."""
    authorization = (
        Authorization.objects.select_for_update(of=("self",))
        .select_related("organization", "coverage", "episode__primary_clinician")
        .get(pk=authorization.pk)
    )
    existing = _open_review(authorization)
    if existing is not None:
        return existing
    if not _reviewable(authorization):
        refuse(
            "Only an active authorization that no other continues is reviewed.",
            code=AuthorizationsErrorCode.AUTHORIZATION_NOT_ACTIVE,
            field="__all__",
        )
    rules = rules_of(authorization.coverage)
    day = review_date or next_review_date_for(authorization, rules=rules)
    if review_date is not None:
        _check_review_date(authorization, review_date, today=None)
    clinician = authorization.episode.primary_clinician
    if authorization.next_review_date != day:
        # The units burn-down and the chase warn against the review the calendar holds.
        Authorization.objects.filter(pk=authorization.pk).update(next_review_date=day)
    return ConcurrentReview.objects.create(
        organization_id=authorization.organization_id,
        authorization=authorization,
        episode=authorization.episode,
        review_date=day,
        clinician_id=clinician.user_id if clinician is not None else None,
        submission_due_at=submission_due_at(authorization, review_date=day, rules=rules),
    )


def _check_review_date(authorization: Authorization, day: dt.date, *, today: dt.date | None) -> None:
    if today is not None and day < today:
        refuse(
            "The review date has passed: give today's or a later date.",
            code=AuthorizationsErrorCode.REVIEW_DATE_IN_PAST,
            field="review_date",
        )
    if not authorization.start_date <= day <= authorization.end_date:
        refuse(
            "The review date must fall within the authorization"
            f" ({date_range(authorization.start_date, authorization.end_date)}).",
            code=AuthorizationsErrorCode.REVIEW_DATE_OUTSIDE_AUTHORIZATION,
            field="review_date",
        )


def review_locked(review: ConcurrentReview) -> ConcurrentReview:
    return (
        ConcurrentReview.objects.select_for_update(of=("self",))
        .select_related("organization", "authorization__coverage", "authorization__organization", "episode")
        .get(pk=review.pk)
    )


def review_open_check(review: ConcurrentReview) -> None:
    if review.status not in OPEN_REVIEW_STATUSES:
        refuse(
            f"This review is {review.get_status_display().lower()}: it cannot change.",
            code=AuthorizationsErrorCode.REVIEW_NOT_OPEN,
            field="__all__",
        )


@transaction.atomic
def review_date_move(
    *, review: ConcurrentReview, review_date: dt.date, actor: User | None = None, now: dt.datetime | None = None
) -> ConcurrentReview:
    """Move an open review to the date the payer gave (today or later, within the authorization);
    the submission deadline follows, and the authorization keeps the payer's date as its next
    review. The review's history (pghistory) keeps the earlier date."""
    review = review_locked(review)
    review_open_check(review)
    authorization = review.authorization
    _check_review_date(authorization, review_date, today=review.organization.local_today(now))
    review.review_date = review_date
    review.submission_due_at = submission_due_at(authorization, review_date=review_date)
    review.save(update_fields=["review_date", "submission_due_at", "updated_at"])
    Authorization.objects.filter(pk=authorization.pk).update(next_review_date=review_date)
    return review


@transaction.atomic
def episode_reviews_cancel(*, episode, actor: User | None = None) -> list[ConcurrentReview]:
    """The episode's care here ended (discharge or step-down; its authorizations end with it):
    its open reviews are cancelled — nothing is left to review — and their calls still ahead are
    cancelled with them, so the clinician's calendar and the submission clocks drop them."""
    from authorizations.reviews.calls.services import review_calls_cancel_open

    reviews = list(
        ConcurrentReview.objects.select_for_update(of=("self",)).filter(
            organization_id=episode.organization_id, episode_id=episode.pk, status__in=OPEN_REVIEW_STATUSES
        )
    )
    for review in reviews:
        review.status = ReviewStatus.CANCELLED
        review.save(update_fields=["status", "updated_at"])
        review_calls_cancel_open(review=review, reason="The client's episode of care ended.", actor=actor)
    return reviews


def reviews_sync(*, organization: Organization, now: dt.datetime | None = None) -> list[ConcurrentReview]:
    """Schedule a review for every active authorization (not yet ended, not continued by another)
    without an open one; the nightly safety net behind the call made at every approval. Returns
    the reviews created (a second run creates none)."""
    today = organization.local_today(now)
    pending = list(
        Authorization.objects.filter(
            organization=organization,
            status=AuthorizationStatus.ACTIVE,
            end_date__gte=today,
            continuations__isnull=True,
        )
        .exclude(reviews__status__in=OPEN_REVIEW_STATUSES)
        .order_by("end_date", "pk")
    )
    created = []
    for authorization in pending:
        review = review_schedule(authorization=authorization)
        created.append(review)
    return created


# --- The renewal request -------------------------------------------------------------------------------


def _renewal_lines(request: AuthorizationRequest, authorization: Authorization) -> list[ServiceLine]:
    """One line per ongoing code of the authorization for the next window: the request line it was
    approved from when known (track, units per occurrence, frequency), else the code's track; an
    evaluation or instrument done once is not asked for again."""
    tracks = code_tracks(organization=authorization.organization)
    approved = list(authorization.lines.select_related("service_line").order_by("start_date", "code"))
    sources = [
        (line.code, line.code_system, line.unit_type, line.frequency_per_week, line.service_line) for line in approved
    ] or [(authorization.code, "", authorization.unit_type, None, None)]
    lines, seen = [], set()
    for code, code_system, unit_type, frequency, asked in sources:
        if code in seen or unit_type in ONCE_UNIT_TYPES:
            continue
        seen.add(code)
        track = asked.track if asked is not None else tracks.get(code, ServiceTrack.GROUP)
        if track == ServiceTrack.ASSESSMENT:
            continue
        lines.append(
            ServiceLine(
                organization_id=request.organization_id,
                request=request,
                track=track,
                code_system=code_system or (asked.code_system if asked is not None else CodeSystem.HCPCS),
                code=code,
                description=asked.description if asked is not None else "",
                unit_type=unit_type,
                units=asked.units if asked is not None else 1,
                frequency_per_week=frequency or (asked.frequency_per_week if asked is not None else Decimal("3")),
                start_date=request.start_date,
                end_date=request.end_date,
            )
        )
    return lines


@transaction.atomic
def review_renewal_request(*, review: ConcurrentReview, actor: User | None) -> AuthorizationRequest:
    """The review's renewal request (certification type R, continuing the authorization): created
    on first use with the next window's lines copied from the authorization's, and the diagnoses
    and justification of the request it was approved from; the same request afterwards."""
    review = review_locked(review)
    if review.request_id is not None:
        return AuthorizationRequest.objects.get(pk=review.request_id)
    review_open_check(review)
    authorization = review.authorization
    previous = authorization.determination.request
    start, end = renewal_window(authorization)
    request = AuthorizationRequest.objects.create(
        organization_id=review.organization_id,
        episode=review.episode,
        coverage=authorization.coverage,
        prior_authorization=authorization,
        certification_type=CertificationType.RENEWAL,
        urgency=Urgency.STANDARD,
        level_of_care=review.episode.level_of_care,
        start_date=start,
        end_date=end,
        why_not_lower_level=previous.why_not_lower_level,
        why_not_higher_level=previous.why_not_higher_level,
        clinical_summary=previous.clinical_summary,
        emotional_support_animal_note=previous.emotional_support_animal_note,
        created_by=actor,
    )
    Diagnosis.objects.bulk_create(
        [
            Diagnosis(
                organization_id=request.organization_id,
                request=request,
                code=d.code,
                description=d.description,
                sequence=d.sequence,
            )
            for d in previous.diagnoses.order_by("sequence")
        ]
    )
    lines = _renewal_lines(request, authorization)
    fees = fees_of(authorization.coverage.payer_id, [line.code for line in lines])
    ServiceLine.objects.bulk_create(
        [line_compute(line, payer_id=authorization.coverage.payer_id, fees=fees) for line in lines]
    )
    review.request = request
    review.save(update_fields=["request", "updated_at"])
    return request
