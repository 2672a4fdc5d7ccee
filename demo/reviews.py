"""Demo concurrent reviews: every active authorization gets its open review (as the hourly sync
does), and three of Harbor's tell the story of a review week for Dr. Raman — one tomorrow with its
clinical notes written and a call booked (its packet is prepared the evening before and comes out
ready), one today with notes still missing (its packet names what is missing), and one past due.

Written through the services; a second run changes nothing (an authorization with a review is
left as it is)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from authorizations.models import Authorization, AuthorizationStatus, ConcurrentReview
from authorizations.reviews.calls.services import call_local_start, review_call_schedule
from authorizations.reviews.packets.selectors import reviews_to_prepare
from authorizations.reviews.packets.services import review_packet_prepare
from authorizations.reviews.services.calendar import review_schedule, reviews_sync
from authorizations.reviews.services.clinical import review_clinical_update
from demo.people import RAMAN
from iop.accounts.models import User
from iop.tenancy.models import Organization

READY_NOTES: dict[str, object] = {
    "progress_since_last_review": (
        "Attended 11 of 12 program days. PHQ-9 down from 19 at admission to 12; sleeping 6–7 hours; "
        "back at work two mornings a week. Goal 1 (daily routine) met; goal 2 (return to work) in progress."
    ),
    "risk_note": "Denies suicidal or homicidal ideation; no self-harm since admission. Safety plan reviewed on Monday.",
    "medications_note": "Sertraline 100 mg daily (Dr. Lee, PCP), unchanged since the last review; adherent.",
    "standardized_scores": [
        {"instrument": "PHQ-9", "score": 12, "date": None},
        {"instrument": "GAD-7", "score": 9, "date": None},
    ],
    "discharge_plan": (
        "Step down to weekly outpatient therapy in about two weeks; aftercare with Dr. Lee; "
        "first outpatient appointment to be booked before the last IOP day."
    ),
    "criteria_cited": "LOCUS level 3 (high-intensity community-based)",
}
# Today's review: progress written, the rest still to do (the packet names what is missing).
PARTIAL_NOTES: dict[str, object] = {
    "progress_since_last_review": "Attended 8 of 10 program days; two absences for a family emergency, outreach made.",
}


def _story_authorizations(organization: Organization, today: dt.date) -> list[Authorization]:
    """Three active authorizations, by client name, that run at least until the day after tomorrow."""
    return list(
        Authorization.objects.filter(
            organization=organization,
            status=AuthorizationStatus.ACTIVE,
            start_date__lte=today - dt.timedelta(days=2),
            end_date__gte=today + dt.timedelta(days=2),
            continuations__isnull=True,
        )
        .select_related("episode__client")
        .order_by("episode__client__last_name", "episode__client__first_name", "pk")[:3]
    )


def seed_reviews(*, organization: Organization, now: dt.datetime | None = None, report) -> None:
    now = now or timezone.now()
    today = organization.local_today(now)
    if not ConcurrentReview.objects.filter(organization=organization).exists():
        clinician = User.objects.filter(email=RAMAN).first() if organization.slug == "harbor" else None
        story = _story_authorizations(organization, today) if clinician is not None else []
        for authorization, days, notes in zip(
            story, (1, 0, -2), (READY_NOTES, PARTIAL_NOTES, PARTIAL_NOTES), strict=False
        ):
            review = review_schedule(authorization=authorization, review_date=today + dt.timedelta(days=days))
            ConcurrentReview.objects.filter(pk=review.pk).update(clinician=clinician)
            review.clinician = clinician
            data = dict(notes)
            if "standardized_scores" in data:
                taken = (today - dt.timedelta(days=2)).isoformat()
                data["standardized_scores"] = [
                    {"instrument": "PHQ-9", "score": 12, "date": taken},
                    {"instrument": "GAD-7", "score": 9, "date": taken},
                ]
            review_clinical_update(review=review, data=data, actor=clinician)
            if days >= 0:
                starts_at = call_local_start(
                    organization=organization, day=today + dt.timedelta(days=days), time=dt.time(15, 30)
                )
                if starts_at > now:
                    review_call_schedule(
                        review=review,
                        starts_at=starts_at,
                        dial_in="+1 800 555 0142, code 771 204",
                        reviewer_name="Karen Whitlow, RN (utilization review)",
                        reviewer_reference=f"UR-{today:%m%d}-{days + 1}",
                        actor=clinician,
                        now=now,
                    )
            report.add("concurrent review")
    for _review in reviews_sync(organization=organization, now=now):
        report.add("concurrent review")
    seed_review_packets(organization=organization, now=now, report=report)


def seed_review_packets(*, organization: Organization, now: dt.datetime | None = None, report) -> None:
    """The packets of the open reviews dated tomorrow or earlier, as the evening job prepares them
    (tomorrow's comes out ready, today's names what is missing); a review with a packet is left
    alone, so a second run prepares none."""
    now = now or timezone.now()
    tomorrow = organization.local_today(now) + dt.timedelta(days=1)
    for review in reviews_to_prepare(organization=organization, through=tomorrow):
        if review_packet_prepare(review=review, now=now, only_if_missing=True) is not None:
            report.add("review packet")
