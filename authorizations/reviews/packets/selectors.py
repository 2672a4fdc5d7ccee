"""Reads for review packets: the review with everything its packet shows (`packet_data`), the
reviews the evening job prepares for, the packet as the review page shows it, and the review
submission clocks (`review_submission_clocks`, registered with `authorizations.escalations`).

The attendance part of a packet is the attendance report's own data (`attendance_report_data`):
the same numbers the attendance report PDF shows, never recomputed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from attendance.hours.requirements import Requirement, RequirementSource
from attendance.hours.selectors import episode_for_attendance
from attendance.models import AbsenceAlert
from attendance.reports.periods import MAX_REPORT_WEEKS
from attendance.reports.selectors import ReportData, attendance_report_data
from authorizations.escalations import Clock
from authorizations.models import (
    AuthorizationLine,
    ClockKind,
    ConcurrentReview,
    Diagnosis,
    ReviewPacket,
    ReviewStatus,
    ServiceLine,
)
from iop.clients.models import Episode, TreatmentPlan
from iop.common.dates import date_full, date_short
from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.selectors import members_with_roles

from .checklist import Checklists, PacketFacts, Readiness, checklists_load, missing_labels, readiness_of

# Reviews a packet is prepared for: not yet submitted (a submitted one went out as it was).
PREPARABLE_STATUSES = (ReviewStatus.UPCOMING,)


def _reviews() -> QuerySet[ConcurrentReview]:
    return ConcurrentReview.objects.select_related(
        "organization",
        "authorization__coverage__payer",
        "authorization__coverage__plan",
        "episode__client",
        "episode__program",
        "episode__primary_clinician__user",
        "clinician",
        "request__submitted_by",
    ).prefetch_related(
        Prefetch("authorization__lines", queryset=AuthorizationLine.objects.order_by("start_date", "code")),
        Prefetch("request__lines", queryset=ServiceLine.objects.order_by("start_date", "code")),
        Prefetch("request__diagnoses", queryset=Diagnosis.objects.order_by("sequence")),
    )


def review_for_packet(*, organization: Organization, review_id) -> ConcurrentReview | None:
    """The review with its authorization, episode, renewal request (lines, diagnoses): for the
    packet and its pages. Another organization's id is None, like an unknown one."""
    return _reviews().filter(organization=organization, pk=review_id).first()


def review_packet_get(*, organization: Organization, review_id) -> ReviewPacket | None:
    """The review's stored packet without its file (the page and the API need only its state)."""
    return (
        ReviewPacket.objects.filter(organization=organization, review_id=review_id)
        .select_related("prepared_by")
        .defer("pdf")
        .first()
    )


def review_packet_file(*, organization: Organization, review_id) -> ReviewPacket | None:
    """The review's packet with its PDF (the audited download), or None without a file."""
    return (
        ReviewPacket.objects.filter(organization=organization, review_id=review_id, pdf__isnull=False)
        .select_related("review__episode")
        .first()
    )


def reviews_to_prepare(*, organization: Organization, through: dt.date) -> list[ConcurrentReview]:
    """Open, unsubmitted reviews dated `through` or earlier that have no packet yet (one prepared
    by hand is left alone)."""
    return list(
        _reviews()
        .filter(
            organization=organization,
            status__in=PREPARABLE_STATUSES,
            review_date__lte=through,
            packet__isnull=True,
        )
        .order_by("review_date", "pk")
    )


# --- What a packet shows -------------------------------------------------------------------------


def review_window(review: ConcurrentReview, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period the packet reports on: from the day after the episode's previous review (the
    authorization's start when there is none) to the day before this review, and not past today
    (the evening before, today's sessions are the last ones). At most the attendance report's
    longest period."""
    previous = (
        ConcurrentReview.objects.filter(
            organization_id=review.organization_id, episode_id=review.episode_id, review_date__lt=review.review_date
        )
        .exclude(status=ReviewStatus.CANCELLED)
        .order_by("-review_date")
        .values_list("review_date", flat=True)
        .first()
    )
    start = previous + dt.timedelta(days=1) if previous else review.authorization.start_date
    end = min(review.review_date - dt.timedelta(days=1), today)
    if end < start:
        end = start
    start = max(start, end - dt.timedelta(days=MAX_REPORT_WEEKS * 7 - 1))
    return start, end


@dataclass(frozen=True)
class AskedLine:
    """A line of the renewal request: what is asked for."""

    code: str
    description: str
    unit_type: str
    units: int
    frequency_per_week: Decimal | None
    start: dt.date
    end: dt.date
    sessions: int

    @property
    def total_units(self) -> int:
        return self.sessions * self.units


@dataclass(frozen=True)
class Outreach:
    """An absence alert of the window and what was done about it."""

    raised_at: dt.datetime  # local
    summary: str
    action: str
    note: str
    done_at: dt.datetime | None  # local


@dataclass
class PacketData:
    organization: Organization
    review: ConcurrentReview
    episode: Episode
    window_start: dt.date
    window_end: dt.date
    attendance: ReportData
    outreach: list[Outreach]
    diagnoses: list[Diagnosis]
    diagnoses_source: str
    goals: str
    asked: list[AskedLine]
    readiness: Readiness
    generated_at: dt.datetime  # local

    @property
    def client(self):
        return self.episode.client

    @property
    def authorization(self):
        return self.review.authorization

    @property
    def coverage(self):
        return self.review.authorization.coverage

    @property
    def renewal(self):
        return self.review.request

    @property
    def requirement(self) -> Requirement | None:
        return self.attendance.requirement

    @property
    def payer_minimum(self) -> Requirement | None:
        """The payer's weekly minimum, when a payer rule sets it for the latest week."""
        requirement = self.requirement
        return requirement if requirement is not None and requirement.source == RequirementSource.PAYER else None

    @property
    def attended_days(self) -> int:
        return sum(1 for s in self.attendance.sessions if s.record is not None and s.record.counted_minutes > 0)

    @property
    def scheduled_sessions(self) -> int:
        return sum(1 for s in self.attendance.sessions if s.counts)

    @property
    def total_asked_units(self) -> int:
        return sum(line.total_units for line in self.asked)

    @property
    def scores(self) -> list[dict]:
        scores = self.review.standardized_scores
        return [s for s in scores if isinstance(s, dict)] if isinstance(scores, list) else []

    @property
    def title(self) -> str:
        # The PDF's metadata title: no client name (file lists and desktop search index it).
        return f"Concurrent review packet, review of {date_full(self.review.review_date)}"


def _plan_goals(episode: Episode) -> str:
    try:
        return episode.treatment_plan.goals
    except TreatmentPlan.DoesNotExist:
        return ""


def _diagnoses(review: ConcurrentReview) -> tuple[list[Diagnosis], str]:
    """The renewal request's diagnoses, else the episode's last request's that has any."""
    if review.request is not None:
        own = list(review.request.diagnoses.all())
        if own:
            return own, "the renewal request"
    last = (
        Diagnosis.objects.filter(organization_id=review.organization_id, request__episode_id=review.episode_id)
        .exclude(request_id=review.request_id)
        .order_by("-request__created_at")
        .values_list("request_id", flat=True)
        .first()
    )
    if last is None:
        return [], ""
    return list(Diagnosis.objects.filter(request_id=last).order_by("sequence")), "the last request"


def _asked(review: ConcurrentReview) -> list[AskedLine]:
    if review.request is None:
        return []
    return [
        AskedLine(
            code=line.code,
            description=line.description,
            unit_type=line.get_unit_type_display(),
            units=line.units,
            frequency_per_week=line.frequency_per_week,
            start=line.start_date,
            end=line.end_date,
            sessions=line.estimated_sessions,
        )
        for line in review.request.lines.all()
    ]


def _outreach(organization: Organization, episode: Episode, start: dt.date, end: dt.date) -> list[Outreach]:
    tz = organization.tzinfo
    alerts = (
        AbsenceAlert.objects.filter(
            organization=organization,
            episode=episode,
            record__session__local_date__gte=start,
            record__session__local_date__lte=end,
        )
        .order_by("raised_at")
        .only("raised_at", "summary", "action_taken", "action_note", "acknowledged_at")
    )
    return [
        Outreach(
            raised_at=a.raised_at.astimezone(tz),
            summary=a.summary,
            action=a.get_action_taken_display() if a.action_taken else "",
            note=a.action_note,
            done_at=a.acknowledged_at.astimezone(tz) if a.acknowledged_at else None,
        )
        for a in alerts
    ]


def packet_data(
    *, review: ConcurrentReview, now: dt.datetime | None = None, checklists: Checklists | None = None
) -> PacketData:
    """Everything the packet shows and its readiness by the payer's checklist. `review` comes
    from `review_for_packet`/`reviews_to_prepare`; `checklists` may be passed preloaded (the
    evening job reads them once for all reviews)."""
    now = now or timezone.now()
    organization = review.organization
    episode = episode_for_attendance(organization=organization, episode_id=review.episode_id)
    assert episode is not None  # the review's own episode, protected from deletion
    start, end = review_window(review, today=organization.local_today(now))
    attendance = attendance_report_data(organization=organization, episode=episode, start=start, end=end, now=now)
    diagnoses, diagnoses_source = _diagnoses(review)
    asked = _asked(review)
    goals = _plan_goals(episode)
    coverage = review.authorization.coverage
    requirement = attendance.requirement
    facts = PacketFacts(
        window_start=start,
        window_end=end,
        has_renewal_request=review.request is not None,
        lines_asked=len(asked),
        sessions_in_window=sum(1 for s in attendance.sessions if s.counts),
        sessions_unrecorded=sum(1 for s in attendance.sessions if s.status_label == "Not recorded"),
        payer_minimum_known=requirement is not None and requirement.source == RequirementSource.PAYER,
        payer_name=coverage.payer.name,
        diagnoses=len(diagnoses),
        goals=goals,
        progress=review.progress_since_last_review,
        risk=review.risk_note,
        medications=review.medications_note,
        scores=len(review.standardized_scores or []),
        discharge_plan=review.discharge_plan,
        criteria=review.criteria_cited,
    )
    checklists = checklists or checklists_load(organization=organization)
    readiness = readiness_of(items=checklists.for_payer(coverage.payer_id), facts=facts)
    return PacketData(
        organization=organization,
        review=review,
        episode=episode,
        window_start=start,
        window_end=end,
        attendance=attendance,
        outreach=_outreach(organization, episode, start, end),
        diagnoses=diagnoses,
        diagnoses_source=diagnoses_source,
        goals=goals,
        asked=asked,
        readiness=readiness,
        generated_at=now.astimezone(organization.tzinfo),
    )


# --- Who hears --------------------------------------------------------------------------------------


def review_clinician_members(review: ConcurrentReview) -> list[Membership]:
    """The review's clinician (else the episode's primary clinician) as an active member."""
    if review.clinician_id is not None:
        member = Membership.objects.filter(
            organization_id=review.organization_id, user_id=review.clinician_id, is_active=True
        ).first()
        if member is not None:
            return [member]
    primary = review.episode.primary_clinician
    return [primary] if primary is not None and primary.is_active else []


def review_url(review: ConcurrentReview) -> str:
    return reverse("authorizations:review", kwargs={"org_slug": review.organization.slug, "review_id": review.pk})


# --- Submission deadline -------------------------------------------------------------------------


def review_submission_clocks(*, organization: Organization, now: dt.datetime) -> list[Clock]:
    """A clock source (`authorizations.escalations`): every open review not submitted yet, due at
    its `submission_due_at`; the VAs (who submit packets) and the organization's admins answer
    for it. The title says what to do and names the client (an in-app inbox line only)."""
    reviews = list(
        ConcurrentReview.objects.filter(
            organization=organization, status=ReviewStatus.UPCOMING, submission_due_at__isnull=False
        ).select_related("episode__client")
    )
    if not reviews:
        return []
    recipients = tuple(members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN]))
    return [
        Clock(
            kind=ClockKind.REVIEW_SUBMISSION,
            subject_id=review.pk,
            due_at=review.submission_due_at,
            title=(
                f"Submit {review.episode.client.display_name}'s review of {date_short(review.review_date)} to the payer"
            ),
            link=reverse("authorizations:review", kwargs={"org_slug": organization.slug, "review_id": review.pk}),
            recipients=recipients,
            client_id=review.episode.client_id,
        )
        for review in reviews
        if review.submission_due_at is not None
    ]


# --- The review page's packet panel --------------------------------------------------------------


@dataclass(frozen=True)
class PacketPanel:
    """What the review page's packet panel shows: the stored packet (without its file), what it
    misses, and how the review was submitted."""

    review: ConcurrentReview
    packet: ReviewPacket | None
    missing: list[str]

    @property
    def submission(self):
        """The renewal request once submitted (channel, reference, by whom, when), else None."""
        request = self.review.request
        return request if request is not None and request.submitted_at is not None else None

    @property
    def can_prepare(self) -> bool:
        return self.review.status in (*PREPARABLE_STATUSES, ReviewStatus.PENDED)

    @property
    def can_submit(self) -> bool:
        return self.review.status == ReviewStatus.UPCOMING


def review_packet_panel(*, review: ConcurrentReview) -> PacketPanel:
    """Two queries at most: the packet, and the renewal request when the page did not load it."""
    packet = review_packet_get(organization=review.organization, review_id=review.pk)
    return PacketPanel(review=review, packet=packet, missing=missing_labels(packet.missing) if packet else [])
