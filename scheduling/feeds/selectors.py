"""Facilitators' calendar feeds: a secret, revocable iCalendar URL of their own sessions.

Calendar apps cannot sign in, so the URL itself is the credential: only its SHA-256 digest is
stored (a database read gives no working URL), and one feed per facilitator is live at a time.
The feed shows when and where a facilitator works — the group, the time, the link or room — and
nothing about who attends: no client names, no roster.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event
from icalendar.enums import STATUS

from iop.tenancy.models import Organization, StaffProfile

from ..models import CalendarFeed, Session, SessionStatus
from ..selectors import scheduling_settings

FEED_PAST = dt.timedelta(days=14)


def calendar_feed_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def calendar_feed_active(*, staff_profile: StaffProfile) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(staff_profile=staff_profile, revoked_at__isnull=True).first()


def calendar_feed_of(*, staff_profile: StaffProfile, feed_id) -> CalendarFeed | None:
    """One of `staff_profile`'s own feeds (anyone else's id is as unknown as a made-up one)."""
    return CalendarFeed.objects.filter(staff_profile=staff_profile, pk=feed_id).first()


def calendar_feed_find(*, organization: Organization, raw_token: str) -> CalendarFeed | None:
    """The live feed the URL's secret names, inside the URL's organization. A revoked feed, or one
    of someone who no longer facilitates or left, is gone."""
    return (
        CalendarFeed.objects.filter(
            organization=organization,
            digest=calendar_feed_digest(raw_token),
            revoked_at__isnull=True,
            staff_profile__can_facilitate=True,
            staff_profile__membership__is_active=True,
        )
        .select_related("staff_profile", "organization")
        .first()
    )


def calendar_feed_sessions(*, staff_profile: StaffProfile, now: dt.datetime | None = None) -> QuerySet[Session]:
    """The facilitator's sessions from two weeks ago to the scheduling horizon. A cancelled
    session has lost its facilitator bookings, so cancelled sessions of the groups they run are
    included too: the calendar shows them cancelled instead of silently dropping them."""
    organization = staff_profile.organization
    now = now or timezone.now()
    horizon = organization.local_today(now) + dt.timedelta(weeks=scheduling_settings(organization).horizon_weeks)
    theirs = Q(facilitators__staff_profile=staff_profile) | Q(
        Q(group__lead_facilitator=staff_profile) | Q(group__co_facilitator=staff_profile),
        status=SessionStatus.CANCELLED,
    )
    ids = Session.objects.filter(
        theirs,
        starts_at__gte=now - FEED_PAST,
        starts_at__lt=organization.local_datetime(horizon, dt.time(0)),
    ).values("pk")
    return Session.objects.filter(pk__in=ids).select_related("group").order_by("starts_at")


def calendar_feed_ics(*, feed: CalendarFeed, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    calendar = Calendar.new(prodid="-//IOP Ops//Facilitator sessions//EN", name=f"{feed.organization.name} sessions")
    for session in calendar_feed_sessions(staff_profile=feed.staff_profile, now=now):
        cancelled = session.status == SessionStatus.CANCELLED
        calendar.add_component(
            Event.new(
                uid=str(session.pk),
                stamp=now,
                start=session.starts_at.astimezone(dt.UTC),
                end=session.ends_at.astimezone(dt.UTC),
                summary=f"{session.group.name} (cancelled)" if cancelled else session.group.name,
                location=session.group.location or None,
                status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
            )
        )
    return calendar.to_ical()
