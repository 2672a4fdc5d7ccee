"""A request's status workflow: draft → ready → submitted → pended, with the payer's decision clock
and the submission time recorded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    AuthorizationRequest,
    PayerRule,
    RequestStatus,
    SubmissionChannel,
    Urgency,
)
from authorizations.requests.selectors import request_validate, rule_in_effect, rules_of
from authorizations.requests.services.editing import DECIDABLE_STATUSES, request_locked
from authorizations.units.services import chase_tasks_close
from iop.common.dates import datetime_full
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

# --- Status workflow ---------------------------------------------------------------------------------


@transaction.atomic
def request_mark_ready(*, request: AuthorizationRequest, actor: User | None = None) -> AuthorizationRequest:
    """Draft → ready, refused with every missing item (`extra["__all__"]`)."""
    request = request_locked(request)
    if request.status == RequestStatus.READY:
        return request
    if request.status != RequestStatus.DRAFT:
        refuse(
            f"The request is {request.get_status_display().lower()}, not a draft.",
            code=AuthorizationsErrorCode.INVALID_STATUS,
            field="__all__",
        )
    problems = request_validate(request=request)
    if problems:
        refuse(
            f"The request is not ready: {len(problems)} item{'s' if len(problems) != 1 else ''} missing.",
            code=AuthorizationsErrorCode.INCOMPLETE,
            extra={"__all__": problems},
        )
    request.status = RequestStatus.READY
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def request_return_to_draft(*, request: AuthorizationRequest, actor: User | None = None) -> AuthorizationRequest:
    request = request_locked(request)
    if request.status != RequestStatus.READY:
        refuse(
            "Only a request marked ready goes back to draft.",
            code=AuthorizationsErrorCode.INVALID_STATUS,
            field="__all__",
        )
    request.status = RequestStatus.DRAFT
    request.save(update_fields=["status", "updated_at"])
    return request


def decision_due(*, request: AuthorizationRequest, rules: list[PayerRule], now: dt.datetime) -> dt.datetime | None:
    """When the payer must decide: the standard or expedited clock of the rule in effect on the
    day the request was submitted (`now`, the submission time, in the organization's zone),
    counted from the submission time."""
    rule = rule_in_effect(
        coverage=request.coverage,
        rules=rules,
        level_of_care=request.level_of_care,
        on=request.organization.local_today(now),
    )
    if rule is None:
        return None
    hours = rule.expedited_decision_hours if request.urgency == Urgency.EXPEDITED else rule.standard_decision_hours
    return now + dt.timedelta(hours=hours)


def channel_check(channel: str) -> None:
    if channel not in SubmissionChannel.values:
        refuse("Choose how the request was submitted.", code=AuthorizationsErrorCode.INVALID_CHANNEL, field="channel")


def _check_submitted_at(request: AuthorizationRequest, *, submitted_at: dt.datetime, now: dt.datetime) -> None:
    """A submission logged late (a fax sent on Friday, recorded on Monday) keeps its real time,
    but not one in the future nor one before the request existed."""
    if timezone.is_naive(submitted_at):
        refuse(
            "Give the submission time with its time zone.",
            code=AuthorizationsErrorCode.INVALID_SUBMITTED_AT,
            field="submitted_at",
        )
    if submitted_at > now:
        refuse(
            "The submission time cannot be in the future.",
            code=AuthorizationsErrorCode.SUBMITTED_IN_FUTURE,
            field="submitted_at",
        )
    # Minute precision: a time typed into the form may fall in the minute the request was created.
    created = request.created_at.replace(second=0, microsecond=0) if request.created_at else None
    if created is not None and submitted_at < created:
        local = timezone.localtime(request.created_at, request.organization.tzinfo)
        refuse(
            f"The submission time cannot be before the request was created ({datetime_full(local)}).",
            code=AuthorizationsErrorCode.SUBMITTED_BEFORE_CREATED,
            field="submitted_at",
        )


def request_submit_one(
    request: AuthorizationRequest,
    *,
    channel: str,
    payer_reference: str,
    actor: User | None,
    now: dt.datetime,
    submitted_at: dt.datetime | None = None,
) -> None:
    """Record the submission; `submitted_at` (default: `now`) starts the decision clock, under the
    payer's rule in effect on that day."""
    if submitted_at is not None:
        _check_submitted_at(request, submitted_at=submitted_at, now=now)
    submitted_at = submitted_at or now
    request.status = RequestStatus.SUBMITTED
    request.channel = channel
    request.payer_reference = (payer_reference or "").strip()[:60]
    request.submitted_at = submitted_at
    request.submitted_by = actor
    request.decision_due_at = decision_due(request=request, rules=rules_of(request.coverage), now=submitted_at)
    request.save(
        update_fields=[
            "status",
            "channel",
            "payer_reference",
            "submitted_at",
            "submitted_by",
            "decision_due_at",
            "updated_at",
        ]
    )


@transaction.atomic
def request_submit(
    *,
    request: AuthorizationRequest,
    channel: str,
    payer_reference: str = "",
    actor: User | None,
    submitted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """Ready → submitted: the channel, the payer's reference number, when it was submitted
    (`submitted_at`, default now; not in the future nor before the request was created), and the
    decision due date from the payer's standard or expedited clock counted from then."""
    request = request_locked(request)
    channel_check(channel)
    if request.status != RequestStatus.READY:
        refuse(
            f"Only a request marked ready can be submitted (this one is {request.get_status_display().lower()}).",
            code=AuthorizationsErrorCode.NOT_READY,
            field="__all__",
        )
    problems = request_validate(request=request)
    if problems:
        refuse(
            "The request is no longer complete.", code=AuthorizationsErrorCode.INCOMPLETE, extra={"__all__": problems}
        )
    request_submit_one(
        request,
        channel=channel,
        payer_reference=payer_reference,
        actor=actor,
        now=now or timezone.now(),
        submitted_at=submitted_at,
    )
    return request


@transaction.atomic
def request_pend(
    *,
    request: AuthorizationRequest,
    information_requested: str,
    information_due: dt.date,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """The payer asked for more information by a date: submitted → pended (or the ask updated)."""
    request = request_locked(request)
    if request.status not in DECIDABLE_STATUSES:
        refuse("Only a submitted request can be pended.", code=AuthorizationsErrorCode.INVALID_STATUS, field="__all__")
    pend_record(
        request, information_requested=information_requested, information_due=information_due, actor=actor, now=now
    )
    return request


def pend_record(
    request: AuthorizationRequest,
    *,
    information_requested: str,
    information_due: dt.date | None,
    requested_field: str = "information_requested",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Pend a locked, decidable request: what the payer asked for (refused under
    `requested_field` when blank) and by when (not before the submission). The chase tasks about
    the request close: the payer answered, or asked again with a new date."""
    information_requested = (information_requested or "").strip()
    if not information_requested:
        refuse(
            "Say what information the payer asked for.", code=AuthorizationsErrorCode.REQUIRED, field=requested_field
        )
    if information_due is None:
        refuse("Give the date the information is due.", code=AuthorizationsErrorCode.REQUIRED, field="information_due")
    submitted_on = request.submitted_at.astimezone(request.organization.tzinfo).date() if request.submitted_at else None
    if submitted_on and information_due < submitted_on:
        refuse(
            "The due date is before the request was submitted.",
            code=AuthorizationsErrorCode.DUE_BEFORE_SUBMISSION,
            field="information_due",
        )
    note = "Pended again" if request.status == RequestStatus.PENDED else "Pended"
    chase_tasks_close(organization=request.organization, request=request, note=note, actor=actor, now=now)
    request.status = RequestStatus.PENDED
    request.information_requested = information_requested
    request.information_due = information_due
    request.save(update_fields=["status", "information_requested", "information_due", "updated_at"])
