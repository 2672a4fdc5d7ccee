"""Issuing and revoking facilitators' calendar feed secrets (see `feeds.selectors` for the design)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from iop.common.exceptions import refuse
from iop.tenancy.models import StaffProfile

from ..errors import SchedulingErrorCode
from ..models import CalendarFeed
from .selectors import calendar_feed_digest


@transaction.atomic
def calendar_feed_create(*, staff_profile: StaffProfile) -> tuple[CalendarFeed, str]:
    """Issue a new feed URL secret (returned once, never stored); the previous feed stops working."""
    # Lock the profile so two clicks at once cannot leave two live feeds.
    staff_profile = StaffProfile.objects.select_for_update().select_related("membership").get(pk=staff_profile.pk)
    if not staff_profile.can_facilitate or not staff_profile.membership.is_active:
        refuse("Only facilitators have a calendar feed.", code=SchedulingErrorCode.NOT_A_FACILITATOR)
    now = timezone.now()
    CalendarFeed.objects.filter(staff_profile=staff_profile, revoked_at__isnull=True).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        organization_id=staff_profile.organization_id,
        staff_profile=staff_profile,
        digest=calendar_feed_digest(raw),
    )
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed
