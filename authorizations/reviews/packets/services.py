"""Review packets: preparing one (by hand, or the evening before by the job) and submitting the
review to the payer.

Preparing assembles the packet from what is recorded — the renewal request (drafted from the
authorization when the review has none yet: it carries the units asked for), the attendance of
the review window, the treatment plan and what the clinician wrote on the review — renders the
one PDF, stores it in the review's `ReviewPacket` with the required elements still missing by the
payer's checklist, and tells the clinician in their inbox that it is ready or what is missing.

Submitting records how the review went to the payer (channel, reference, by whom, when) through
the request workflow on the review's renewal request — the same submission, decision clock and
history as any request — and the review becomes `submitted`.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from attendance.reports.services import review_reports_prepare
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import ConcurrentReview, RequestStatus, ReviewPacket, ReviewStatus
from authorizations.requests.services.workflow import channel_check, request_mark_ready, request_submit
from authorizations.reviews.services.calendar import review_locked, review_open_check, review_renewal_request
from iop.common.crash import pause_point
from iop.common.dates import date_full, date_short
from iop.common.exceptions import refuse
from iop.notifications.services import notice_send
from iop.tenancy.models import Organization

from .checklist import Checklists, checklists_load, missing_labels
from .documents import review_packet_document
from .selectors import (
    PREPARABLE_STATUSES,
    packet_data,
    review_clinician_members,
    review_for_packet,
    review_url,
    review_window,
    reviews_to_prepare,
)

if TYPE_CHECKING:
    from iop.accounts.models import User

logger = logging.getLogger(__name__)

# The evening job acts from this local time: tomorrow's reviews get their packet the evening
# before (a scan every 15 minutes finds it; later scans find nothing to do). Reviews of today or
# earlier still without a packet are prepared at any time.
PACKET_TIME = dt.time(18, 0)

SYSTEM_AUTHOR = "IOP Ops (prepared automatically)"
# The inbox kind of the clinician's packet lines (authorizations.inbox).
REVIEW_PACKET = "review_packet"


def _author(actor: User | None) -> str:
    return (actor.get_full_name() or actor.email) if actor is not None else SYSTEM_AUTHOR


def _tell_clinician(review: ConcurrentReview, packet: ReviewPacket) -> None:
    """The clinician's inbox: ready, or what is missing, naming the client (the in-app inbox only).
    Once per review and review date (a moved review is told again). A packet with items missing
    stays in the unread list until the packet is complete or the review submitted
    (authorizations.inbox); "ready" is news, read and done with."""
    recipients = review_clinician_members(review)
    if not recipients:
        return
    day = date_short(review.review_date)
    name = review.episode.client.display_name
    if packet.missing:
        title = f"Add what is missing to {name}'s review packet for {day}"
        body = "Missing: " + "; ".join(missing_labels(packet.missing)) + ". Add them on the review, then prepare again."
    else:
        title = f"Look over {name}'s review packet for {day}: it is ready"
        body = "Everything the payer's checklist asks for is in the packet."
    notice_send(
        organization=review.organization,
        recipients=recipients,
        kind=REVIEW_PACKET,
        title=title,
        body=body,
        link=review_url(review),
        dedupe_key=f"review_packet:{review.pk}:{review.review_date:%Y-%m-%d}",
        client_id=review.episode.client_id,
        subject_ids=[review.pk] if packet.missing else [],
    )


@transaction.atomic
def review_packet_prepare(
    *,
    review: ConcurrentReview,
    actor: User | None = None,
    now: dt.datetime | None = None,
    only_if_missing: bool = False,
    checklists: Checklists | None = None,
) -> ReviewPacket | None:
    """Prepare (or prepare again) the review's packet and tell the clinician. With
    `only_if_missing` (the evening job) a review that already has a packet is left alone and None
    is returned. Refused for a review already submitted, decided or cancelled."""
    now = now or timezone.now()
    locked = review_locked(review)  # one preparer at a time per review
    # By hand also while the payer has pended the review for information (sent again with it).
    if locked.status not in (*PREPARABLE_STATUSES, ReviewStatus.PENDED) or (
        only_if_missing and locked.status not in PREPARABLE_STATUSES
    ):
        refuse(
            f"This review is {locked.get_status_display().lower()}: its packet can no longer be prepared.",
            code=AuthorizationsErrorCode.PACKET_NOT_PREPARABLE,
            field="__all__",
        )
    existing = ReviewPacket.objects.filter(review=locked).defer("pdf").first()
    if existing is not None and only_if_missing:
        return None
    if locked.request_id is None:
        # The units asked for live on the renewal request: draft it from the authorization.
        review_renewal_request(review=locked, actor=actor)
    full = review_for_packet(organization=locked.organization, review_id=locked.pk)
    assert full is not None  # locked above
    data = packet_data(review=full, now=now, checklists=checklists)
    rendered = review_packet_document(data=data, prepared_by=_author(actor))
    packet = existing or ReviewPacket(organization_id=full.organization_id, review=full)
    packet.prepared_at = now
    packet.prepared_by = actor
    packet.missing = data.readiness.missing
    packet.pdf = rendered.content
    packet.page_count = min(rendered.page_count, 32767)
    packet.save()
    _tell_clinician(full, packet)
    return packet


def review_packets_prepare(*, organization: Organization, now: dt.datetime | None = None) -> list[ReviewPacket]:
    """The evening job: a packet for every open, unsubmitted review dated tomorrow (from
    `PACKET_TIME` in the organization's zone) or earlier that has none yet, each in its own
    transaction with the stored attendance report of its review window (queued). Returns
    the packets prepared now: a second run prepares none, and a packet prepared by hand is left
    as it is. A review whose packet cannot be rendered is logged (no PHI) and skipped; database
    errors propagate so the task retries."""
    now = now or timezone.now()
    today = organization.local_today(now)
    evening = now >= organization.local_datetime(today, PACKET_TIME)
    through = today + dt.timedelta(days=1) if evening else today
    reviews = reviews_to_prepare(organization=organization, through=through)
    if not reviews:
        return []
    checklists = checklists_load(organization=organization)
    prepared = []
    for review in reviews:
        try:
            # The packet and its review window's stored report in one transaction: a worker lost
            # between two reviews leaves each with both or neither, and the re-run (which skips
            # reviews that have a packet) never leaves a prepared packet without its report.
            with transaction.atomic():
                packet = review_packet_prepare(review=review, now=now, only_if_missing=True, checklists=checklists)
                if packet is not None:
                    _attendance_reports_queue(organization, [packet.review_id], today=today)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # noqa: BLE001 - one review's failure must not stop the others
            # The frames only: an exception's message might quote client data, and logs hold no PHI.
            logger.error(
                "Review packet for review %s failed: %s\n%s",
                review.pk,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            continue
        if packet is not None:
            prepared.append(packet)
            pause_point("review_packets")  # fault tests: a packet committed, the others not prepared
    return prepared


def _attendance_reports_queue(organization: Organization, review_ids: list, *, today: dt.date) -> None:
    """The review window's attendance report as a stored file too (listed on the client page),
    queued in the `pdf` queue; idempotent per episode, period and purpose."""
    if not review_ids:
        return
    reviews = ConcurrentReview.objects.filter(organization=organization, pk__in=review_ids).select_related(
        "authorization", "episode"
    )
    wanted = []
    for review in reviews:
        start, end = review_window(review, today=today)
        wanted.append((review.episode, start, end, f"Concurrent review {date_full(review.review_date)}"))
    review_reports_prepare(organization=organization, reviews=wanted)


@transaction.atomic
def review_submit(
    *,
    review: ConcurrentReview,
    channel: str,
    payer_reference: str = "",
    submitted_at: dt.datetime | None = None,
    actor: User | None,
    now: dt.datetime | None = None,
) -> ConcurrentReview:
    """Record that the review went to the payer: its renewal request (drafted now if the review
    has none) is marked ready — refused with every missing item otherwise — and submitted with
    the channel, the payer's reference and the time (default now; not in the future); the review
    becomes `submitted`. Refused once the review is submitted, decided or cancelled; a refusal
    changes nothing."""
    now = now or timezone.now()
    review = review_locked(review)
    if review.status in (ReviewStatus.SUBMITTED, ReviewStatus.PENDED):
        refuse(
            "This review was already submitted to the payer.",
            code=AuthorizationsErrorCode.REVIEW_ALREADY_SUBMITTED,
            field="__all__",
        )
    review_open_check(review)
    channel_check(channel)
    request = review_renewal_request(review=review, actor=actor)
    if request.status == RequestStatus.DRAFT:
        request = request_mark_ready(request=request, actor=actor)
    request_submit(
        request=request,
        channel=channel,
        payer_reference=payer_reference,
        actor=actor,
        submitted_at=submitted_at,
        now=now,
    )
    review.status = ReviewStatus.SUBMITTED
    review.save(update_fields=["status", "updated_at"])
    # Ids and the channel only: the reference and the client stay in the database.
    logger.info("Review %s submitted (request %s, channel %s)", review.pk, request.pk, channel)
    return review
