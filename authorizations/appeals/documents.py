"""The appeal letter and packet as one PDF: the denial (dates, reason, criteria), the clinical
support (the appeal letter, the last concurrent review's progress, risk and discharge plan when the
denied care was a continued stay, the request's diagnoses and justification) and the attendance
figures for the denied period — read by attendance's own report selector, not recomputed here.

Rendered by `iop.common.pdf` (static-only fetcher, PDF/UA; user text escaped). The file name
carries the case's id, never the client's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from attendance.hours.selectors import episode_for_attendance
from attendance.reports.periods import MAX_REPORT_WEEKS
from attendance.reports.selectors import ReportData, attendance_report_data
from authorizations.appeals.selectors import last_review, pending_appeal, unfiled_appeal
from authorizations.models import Appeal, ConcurrentReview, DenialCase, Diagnosis
from iop.common.pdf import pdf_render
from iop.tenancy.models import Organization

TEMPLATE = "authorizations/appeals/packet_pdf.html"
# When the denied days are all ahead (a denied continued stay), the figures are of the weeks before
# the denial: what the payer judged.
BEFORE_DENIAL = dt.timedelta(days=28)


@dataclass(frozen=True)
class AppealPacket:
    organization: Organization
    case: DenialCase
    appeal: Appeal | None
    review: ConcurrentReview | None
    diagnoses: list[Diagnosis]
    attendance: ReportData | None
    attendance_note: str
    generated_at: dt.datetime
    generated_by: str

    @property
    def request(self):
        return self.case.determination.request

    @property
    def client(self):
        return self.case.episode.client

    @property
    def title(self) -> str:
        # The PDF's metadata title: no client name.
        return f"Appeal packet, denial case {str(self.case.pk)[:8]}"


def _attendance_period(case: DenialCase, today: dt.date) -> tuple[dt.date, dt.date, str]:
    letter_day = case.letter_received_at.astimezone(case.organization.tzinfo).date()
    start = case.denied_from or letter_day - BEFORE_DENIAL
    end = min(case.denied_to or today, today)
    note = "The denied period, as attended so far."
    if end < start:
        start, end = letter_day - BEFORE_DENIAL, letter_day
        note = "The denied days are still ahead: the four weeks before the denial."
    start = max(start, end - dt.timedelta(weeks=MAX_REPORT_WEEKS) + dt.timedelta(days=1))
    return start, end, note


def appeal_packet(*, case: DenialCase, appeal: Appeal | None = None, generated_by: str) -> AppealPacket:
    organization = case.organization
    now = timezone.now()
    filed = list(case.appeals.all())
    appeal = appeal or unfiled_appeal(case) or pending_appeal(case) or (filed[-1] if filed else None)
    episode = episode_for_attendance(organization=organization, episode_id=case.episode_id)
    start, end, note = _attendance_period(case, organization.local_today(now))
    attendance = (
        attendance_report_data(organization=organization, episode=episode, start=start, end=end, now=now)
        if episode is not None
        else None
    )
    return AppealPacket(
        organization=organization,
        case=case,
        appeal=appeal,
        review=last_review(case),
        diagnoses=list(case.determination.request.diagnoses.order_by("sequence")),
        attendance=attendance,
        attendance_note=note,
        generated_at=now.astimezone(organization.tzinfo),
        generated_by=generated_by,
    )


def appeal_packet_pdf(*, case: DenialCase, appeal: Appeal | None = None, generated_by: str) -> bytes:
    packet = appeal_packet(case=case, appeal=appeal, generated_by=generated_by)
    return pdf_render(template=TEMPLATE, context={"packet": packet, "organization": packet.organization})


def appeal_packet_filename(case: DenialCase) -> str:
    return f"appeal-packet-{str(case.pk)[:8]}.pdf"
