"""Attendance reports: the PDF (read back with pypdf) and the CSV of one episode's period, through
the views as a signed-in clinician; the audit trail; tenant isolation; range rules; the background
report stored by the Celery task; the client-page panel.

Four closed weeks of a Monday/Wednesday/Friday process group (3 h each, so 9 h scheduled a week)
and a Tuesday check-in that does not count toward hours, for a client who must attend 9 h on 3 days:

    week 1: all present                                        9.0 h, 3 days
    week 2: present, late (+30 min), absent excused (illness)  5.5 h, 2 days
    week 3: no-show, absent unexcused (transportation),
            left early (after 2 h)                             2.0 h, 1 day
    week 4: all present, Friday recorded a day late            9.0 h, 3 days
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re

import pytest
from django.urls import include, path, reverse
from pypdf import PdfReader

import iop.urls
from attendance.hours.selectors import episode_for_attendance
from attendance.models import AbsenceAlert, AttendanceReport, ReportStatus, ThresholdFlag
from attendance.reports import documents as report_documents
from attendance.reports import selectors as report_selectors
from attendance.reports.documents import attendance_report_pdf
from attendance.reports.selectors import attendance_report_data
from attendance.reports.services import attendance_report_generate, attendance_report_request, review_reports_prepare
from attendance.tasks import report_generate
from iop.audit.models import AccessEvent
from iop.clients.models import Client, Episode, TreatmentPlan
from iop.common.csv_files import csv_cell
from iop.common.dates import date_range
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from scheduling.services import materialisation as materialisation_services
from tests.conftest import login
from tests.factories import ClientFactory, EpisodeFactory
from tests.pdf_pages import near_empty_pages, page_body_lines

from ..conftest import book, record, sessions_of

# Mounted by the project's URLconf (`o/<org_slug>/attendance/`); added here until it is.
_MOUNTED = any(getattr(p, "namespace", None) == "attendance_reports" for p in iop.urls.urlpatterns)
urlpatterns = [
    *iop.urls.urlpatterns,
    *([] if _MOUNTED else [path("o/<slug:org_slug>/attendance/", include("attendance.reports.urls"))]),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

MINUTES = dt.timedelta(minutes=1)


def url(name: str, org, **kwargs) -> str:
    return reverse(f"attendance_reports:{name}", kwargs={"org_slug": org.slug, **kwargs})


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def first_week(this_week):
    return this_week - dt.timedelta(weeks=4)


@pytest.fixture
def groups(make_group, first_week, in_harbor):
    """Process A on Monday, Wednesday and Friday 09:00 (180 min); a Tuesday check-in 12:00 (30 min)."""
    process = make_group(
        "Process A", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)], effective_from=first_week
    )
    checkin = make_group("Check-in", [(1, "12:00", 30)], kind="checkin", lead=1, effective_from=first_week)
    for group in (process, checkin):
        materialisation_services.sessions_materialise(organization=in_harbor, group=group, today=first_week)
    return process, checkin


@pytest.fixture
def episode(make_active_episode, first_week, harbor_clinician, in_harbor):
    episode = make_active_episode(hours=9, days=3)
    admitted = first_week - dt.timedelta(days=7)
    Episode.objects.filter(pk=episode.pk).update(
        referral_date=admitted - dt.timedelta(days=7),
        admission_date=admitted,
        primary_clinician=Membership.objects.get(user=harbor_clinician),
    )
    TreatmentPlan.objects.filter(episode=episode).update(effective_from=admitted)
    Client.objects.filter(pk=episode.client_id).update(
        first_name="Robin", last_name="Quarry", date_of_birth=dt.date(1990, 4, 2)
    )
    return episode_for_attendance(organization=in_harbor, episode_id=episode.pk)


@pytest.fixture
def four_weeks(groups, episode, first_week, harbor_clinician):
    """Book the client into four weeks of both groups and take the roll calls (see the docstring)."""
    process, checkin = groups
    actor = harbor_clinician

    def week(n: int):
        start = first_week + dt.timedelta(weeks=n)
        mon, wed, fri = sessions_of(process, start)
        (tue,) = sessions_of(checkin, start)
        entries = dict(zip(("mon", "tue", "wed", "fri"), book(episode, [mon, tue, wed, fri]), strict=True))
        return {"mon": mon, "tue": tue, "wed": wed, "fri": fri}, entries

    def take(session, entry, status="present", late_by=dt.timedelta(minutes=10), **kwargs):
        return record(session, entry, status, actor=actor, now=session.ends_at + late_by, **kwargs)

    s, e = week(0)
    for day in ("mon", "tue", "wed", "fri"):
        take(s[day], e[day])
    s, e = week(1)
    take(s["mon"], e["mon"])
    take(s["tue"], e["tue"])
    take(s["wed"], e["wed"], "late", arrived_at=s["wed"].starts_at + 30 * MINUTES)
    take(s["fri"], e["fri"], "absent_excused", absence_reason="illness", note="Flu; doctor's note on file")
    s, e = week(2)
    take(s["mon"], e["mon"], "no_show", absence_reason="no_contact", note='=HYPERLINK("http://x.test","hi")')
    take(s["tue"], e["tue"])
    take(s["wed"], e["wed"], "absent_unexcused", absence_reason="transportation", note="Bus strike")
    take(s["fri"], e["fri"], "left_early", departed_at=s["fri"].starts_at + 120 * MINUTES)
    s, e = week(3)
    for day in ("mon", "tue", "wed"):
        take(s[day], e[day])
    take(s["fri"], e["fri"], late_by=dt.timedelta(hours=30))  # after the 24 h window: a late entry
    return episode


@pytest.fixture
def as_clinician(client, harbor_clinician):
    return login(client, harbor_clinician)


def week_row(text: str, week_start: dt.date) -> str:
    """The week table's row for `week_start` (its label is "2 Mar – 8 Mar 2026")."""
    label = date_range(week_start, week_start + dt.timedelta(days=6))
    match = re.search(re.escape(label) + r"[^\n]*", text)
    assert match, f"no row for the week of {week_start} in:\n{text}"
    return squash(match.group(0))


# --- The PDF ---------------------------------------------------------------------------------------


def test_the_pdf_holds_the_weekly_totals_sessions_and_absences(as_clinician, harbor, four_weeks, first_week):
    response = as_clinician.get(url("episode_report_pdf", harbor, episode_id=four_weeks.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    reader, text = pdf_text(response.content)
    flat = squash(text)
    assert near_empty_pages(response.content) == {}, page_body_lines(response.content)

    # Header: who, where, the period (defaults: four full weeks and this week), payer not known yet.
    assert "Quarry, Robin · DOB 2 Apr 1990" in flat
    assert "Adult MH IOP" in flat
    assert "Harbor Virtual IOP" in flat
    period_end = first_week + dt.timedelta(weeks=4, days=6)
    assert f"Period {first_week:%-d %b %Y} to {period_end:%-d %b %Y}" in flat
    assert "Payer Not recorded" in flat
    assert "Authorization Not recorded" in flat
    assert "9.0 h on 3 days a week (treatment plan)" in flat

    # Week by week: scheduled, attended, required, days attended, pace.
    weeks = [first_week + dt.timedelta(weeks=n) for n in range(4)]
    assert week_row(text, weeks[0]).endswith("9.0 9.0 9.0 3 of 3 Met")
    assert week_row(text, weeks[1]).endswith("9.0 5.5 9.0 2 of 3 Below minimum")
    assert week_row(text, weeks[2]).endswith("9.0 2.0 9.0 1 of 3 Below minimum")
    assert week_row(text, weeks[3]).endswith("9.0 9.0 9.0 3 of 3 Met")
    # This week's sessions exist or not depending on the materialisation horizon: sum what is there.
    scheduled = attendance_report_data(
        organization=harbor, episode=four_weeks, start=first_week, end=period_end
    ).scheduled_hours
    assert f"Total {scheduled} 25.5" in flat

    # Sessions: status, times, minutes, the late-entry mark, the non-counting group.
    assert "Process A Late 09:30–12:00 150" in flat
    assert "09:00–12:00 Process A Left early 09:00–11:00 120" in flat
    assert "Late entry" in flat
    assert "Check-in (does not count)" in flat

    # Absences with their reasons and notes; open flags and alerts.
    assert "Absent (excused) Illness Flu; doctor's note on file" in flat
    assert "No-show No contact from the client" in flat
    assert "Absent (unexcused) Transportation Bus strike" in flat
    assert "Absences on 3 days within 14 days" in flat
    assert "Week of " in flat and "cannot reach (raised" in flat

    # Every page numbered; footer; metadata; tagged.
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Generated " in flat and " by " in flat
    assert reader.metadata["/Title"] == f"Attendance report, {first_week:%-d %b %Y} to {period_end:%-d %b %Y}"
    assert "Quarry" not in reader.metadata["/Title"]
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_the_download_has_no_client_name_in_its_file_name_and_is_audited(as_clinician, harbor, four_weeks):
    start, end = dt.date(2026, 1, 5), dt.date(2026, 2, 1)
    response = as_clinician.get(
        url("episode_report_pdf", harbor, episode_id=four_weeks.pk),
        {"start": start.isoformat(), "end": end.isoformat()},
    )

    assert response.status_code == 200
    expected = f'attachment; filename="attendance-{str(four_weeks.pk)[:8]}-2026-01-05-2026-02-01.pdf"'
    assert response["Content-Disposition"] == expected
    (event,) = AccessEvent.objects.filter(action="export")
    assert event.client_id == four_weeks.client_id
    assert (event.object_type, event.object_id) == ("clients.Episode", str(four_weeks.pk))
    assert event.route == "attendance_reports:episode_report_pdf"


def test_user_text_is_printed_as_text_never_as_markup(as_clinician, harbor, episode):
    # Escaped by the template; were it not, the fetcher would refuse the file and the render fail.
    Client.objects.filter(pk=episode.client_id).update(last_name='<img src="file:///etc/passwd">')

    response = as_clinician.get(url("episode_report_pdf", harbor, episode_id=episode.pk))

    assert response.status_code == 200
    assert '<img src="file:///etc/passwd">, Robin' in squash(pdf_text(response.content)[1])


def test_payer_and_authorization_show_when_known(in_harbor, episode, first_week):
    data = attendance_report_data(
        organization=in_harbor, episode=episode, start=first_week, end=first_week + dt.timedelta(days=6)
    )
    payer = report_selectors.ReportPayer(
        coverage=report_selectors.ReportCoverage(payer="Aetna Behavioral Health", plan="Open Access", member_id="W123"),
        authorizations=(
            report_selectors.ReportAuthorization(
                number="A-1234",
                code="S9480",
                status="active",
                start=dt.date(2026, 10, 5),
                end=dt.date(2026, 12, 27),
                unit_label="days",
                authorized=36,
                used=12,
                remaining=24,
                as_of=dt.date(2026, 11, 1),
            ),
        ),
    )
    known = dataclasses.replace(data, payer=payer)

    flat = squash(pdf_text(attendance_report_pdf(data=known, generated_by="Sam Lee"))[1])

    assert "Payer Aetna Behavioral Health" in flat
    assert "Plan Open Access" in flat and "Member ID W123" in flat
    assert (
        "Authorization A-1234 (S9480), 5 Oct 2026 to 27 Dec 2026: 36 days authorized; 12 used, 24 remaining"
        " as of 1 Nov 2026" in flat
    )
    assert " by Sam Lee" in flat
    assert "No sessions in this period." in flat and "No absences in this period." in flat


# --- The CSV ---------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_session_of_the_pdf(as_clinician, harbor, four_weeks, first_week):
    end = first_week + dt.timedelta(weeks=4) - dt.timedelta(days=1)  # the four closed weeks
    response = as_clinician.get(
        url("episode_report_csv", harbor, episode_id=four_weeks.pk),
        {"start": first_week.isoformat(), "end": end.isoformat()},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'-{first_week:%Y-%m-%d}-{end:%Y-%m-%d}.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 16
    assert list(rows[0]) == list(report_documents.CSV_HEADER)
    by_status = {}
    for row in rows:
        by_status.setdefault(row["status"], []).append(row)
    assert len(by_status["Present"]) == 11
    (late,) = by_status["Late"]
    assert (late["arrived"], late["departed"], late["attended minutes"], late["counted minutes"]) == (
        "09:30",
        "12:00",
        "150",
        "150",
    )
    (excused,) = by_status["Absent (excused)"]
    assert (excused["absence reason"], excused["note"], excused["counted minutes"]) == (
        "Illness",
        "Flu; doctor's note on file",
        "0",
    )
    (no_show,) = by_status["No-show"]
    assert no_show["note"] == '\'=HYPERLINK("http://x.test","hi")'  # never run as a formula
    checkins = [r for r in rows if r["group"] == "Check-in"]
    assert {
        (r["group type"], r["counts toward hours"], r["attended minutes"], r["counted minutes"]) for r in checkins
    } == {("Community check-in", "no", "30", "0")}
    assert sum(r["late entry"] == "yes" for r in rows) == 1
    assert sum(int(r["counted minutes"]) for r in rows) == 25.5 * 60
    assert AccessEvent.objects.filter(action="export", client_id=four_weeks.client_id).count() == 1


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell("Flu, 2 days") == "Flu, 2 days"


# --- Data builder ----------------------------------------------------------------------------------


# Sessions, flags and alerts, and the client's payer rules (coverages; no rules query without any);
# the report's payer side: coverages and authorizations (no units queries without any).
DATA_BUILDER_QUERIES = 6


def test_the_data_builder_costs_the_same_queries_however_long_the_period(
    four_weeks, in_harbor, first_week, django_assert_num_queries
):
    with django_assert_num_queries(DATA_BUILDER_QUERIES):
        short = attendance_report_data(
            organization=in_harbor, episode=four_weeks, start=first_week, end=first_week + dt.timedelta(days=6)
        )
        for row in short.sessions:  # everything the templates read
            (row.group.name, row.group.group_type.name, row.record and row.record.get_status_display())
    with django_assert_num_queries(DATA_BUILDER_QUERIES):
        long = attendance_report_data(
            organization=in_harbor,
            episode=four_weeks,
            start=first_week - dt.timedelta(weeks=20),
            end=first_week + dt.timedelta(weeks=5),
        )
        for row in long.sessions:
            (row.group.name, row.group.group_type.name, row.record and row.record.get_status_display())
    assert len(short.sessions) == 4
    assert len(long.sessions) >= 16


def test_a_mid_week_period_lists_its_sessions_and_whole_weeks(four_weeks, in_harbor, first_week):
    wednesday = first_week + dt.timedelta(weeks=1, days=2)
    data = attendance_report_data(organization=in_harbor, episode=four_weeks, start=wednesday, end=wednesday)

    assert [row.status_label for row in data.sessions] == ["Late"]
    (week,) = data.weeks
    assert week.partial and data.has_partial_weeks
    assert week.summary.attended_minutes == 330  # the whole week's


# --- Refusals and isolation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The end date is before the start date."),
        ({"start": "2025-01-01", "end": "2026-01-01"}, "at most 26 weeks"),
        ({"start": "not-a-date", "end": "2026-03-01"}, "From: Enter a valid date."),
        ({"start": "2026-03-01"}, "To: This field is required."),
    ],
    ids=["reversed", "too long", "malformed", "missing end"],
)
@pytest.mark.parametrize("kind", ["episode_report_pdf", "episode_report_csv"])
def test_a_bad_period_gives_a_message_and_no_file(as_clinician, harbor, episode, params, message, kind):
    response = as_clinician.get(url(kind, harbor, episode_id=episode.pk), params)

    client_page = reverse("clients:client_detail", kwargs={"org_slug": harbor.slug, "client_id": episode.client_id})
    assert response.status_code == 303
    assert response["Location"] == f"{client_page}#attendance-reports"
    assert "Content-Disposition" not in response
    (shown,) = [str(m) for m in response.wsgi_request._messages]
    assert message in shown
    assert not AccessEvent.objects.filter(action="export").exists()
    # The client page shows the period as it was typed, with what was wrong next to it.
    page = as_clinician.get(response["Location"])
    assert page.status_code == 422
    start_input = re.search(r'<input[^>]*id="report-start"[^>]*>', page.content.decode()).group(0)
    assert f'value="{params["start"]}"' in start_input


def test_the_services_refuse_bad_ranges(in_harbor, episode):
    with pytest.raises(ApplicationError) as exc:
        attendance_report_data(
            organization=in_harbor, episode=episode, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1)
        )
    assert exc.value.extra == {"end": ["The end date is before the start date."]}
    with pytest.raises(ApplicationError) as exc:
        attendance_report_request(
            organization=in_harbor, episode=episode, start=dt.date(2025, 1, 1), end=dt.date(2025, 7, 2)
        )
    assert "26 weeks" in exc.value.extra["end"][0]
    # 26 weeks exactly is allowed.
    attendance_report_data(organization=in_harbor, episode=episode, start=dt.date(2025, 1, 1), end=dt.date(2025, 7, 1))


@pytest.fixture
def summit_episode(summit, summit_program):
    with tenant_context(summit.id):
        return EpisodeFactory(organization=summit, client=ClientFactory(organization=summit), program=summit_program)


def test_another_tenants_episodes_and_reports_are_not_found(
    client, harbor, summit, summit_va, four_weeks, summit_episode, as_user
):
    stored = attendance_report_request(
        organization=harbor, episode=four_weeks, start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 11)
    )
    attendance_report_generate(report=stored)
    login(client, summit_va)

    # A harbor episode or report under summit's address: not found, and nothing exported.
    for name, kwargs in [
        ("episode_report_pdf", {"episode_id": four_weeks.pk}),
        ("episode_report_csv", {"episode_id": four_weeks.pk}),
        ("report_download", {"report_id": stored.pk}),
    ]:
        assert client.get(url(name, summit, **kwargs)).status_code == 404
    assert client.post(url("report_request", summit, episode_id=four_weeks.pk)).status_code == 404
    # Harbor's own address: summit's VA is not a member.
    assert client.get(url("episode_report_pdf", harbor, episode_id=four_weeks.pk)).status_code == 404
    with tenant_context(summit.id):
        assert not AccessEvent.objects.filter(action="export").exists()
        assert not AttendanceReport.objects.exists()
    # Summit's own episode works for summit's VA (the role may export reports).
    assert client.get(url("episode_report_pdf", summit, episode_id=summit_episode.pk)).status_code == 200


def test_a_role_without_the_report_action_is_refused(client, harbor, harbor_intake, episode):
    login(client, harbor_intake)
    assert client.get(url("episode_report_pdf", harbor, episode_id=episode.pk)).status_code == 403


# --- Background reports ----------------------------------------------------------------------------


def test_a_requested_report_is_queued_then_stored_by_the_task(
    as_clinician, harbor, four_weeks, first_week, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(report_generate, "delay", lambda *args: queued.append(args))
    end = first_week + dt.timedelta(weeks=4, days=-1)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_clinician.post(
            url("report_request", harbor, episode_id=four_weeks.pk),
            {
                "background-start": first_week.isoformat(),
                "background-end": end.isoformat(),
                "background-purpose": "Review call",
            },
        )

    assert response.status_code == 302
    (report,) = AttendanceReport.objects.all()
    assert (report.status, report.purpose, report.start_date, report.end_date) == (
        "queued",
        "Review call",
        first_week,
        end,
    )
    assert queued == [(harbor.pk, str(report.pk))]  # ids only: no PHI in the broker

    result = report_generate.apply(args=(harbor.pk, str(report.pk)))

    assert result.get() == ReportStatus.READY
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.generated_at is not None and report.error == ""
    reader, text = pdf_text(bytes(report.pdf))
    assert report.page_count == len(reader.pages)
    assert week_row(text, first_week + dt.timedelta(weeks=1)).endswith("9.0 5.5 9.0 2 of 3 Below minimum")
    assert f"by {as_clinician_name(report)}" in squash(text)

    # A redelivered task leaves the stored report alone.
    assert report_generate.apply(args=(harbor.pk, str(report.pk))).get() == ReportStatus.READY

    # The stored file downloads (audited); the panel lists it.
    download = as_clinician.get(url("report_download", harbor, report_id=report.pk))
    assert download.status_code == 200
    assert download.content == bytes(report.pdf)
    assert download["Content-Disposition"].startswith(f'attachment; filename="attendance-{str(four_weeks.pk)[:8]}-')
    (event,) = AccessEvent.objects.filter(action="export")
    assert (event.object_type, event.client_id) == ("attendance.AttendanceReport", four_weeks.client_id)


def test_a_bad_background_request_is_refused_and_nothing_queued(as_clinician, harbor, episode):
    response = as_clinician.post(
        url("report_request", harbor, episode_id=episode.pk),
        {"background-start": "2026-03-10", "background-end": "2026-03-01", "background-purpose": "Review call"},
    )

    client_page = reverse("clients:client_detail", kwargs={"org_slug": harbor.slug, "client_id": episode.client_id})
    assert (response.status_code, response["Location"]) == (303, f"{client_page}#attendance-reports")
    (shown,) = [str(m) for m in response.wsgi_request._messages]
    assert shown == "The report was not made. The end date is before the start date."
    assert not AttendanceReport.objects.exists()
    # Back on the client page, the form is open with what was typed and the error next to the end date.
    body = as_clinician.get(response["Location"]).content.decode()
    assert "<details open>" in body and 'value="Review call"' in body and 'value="2026-03-10"' in body
    assert 'id="id_background-end_error"' in body
    # The form lives on the client page: a GET goes back there.
    assert as_clinician.get(url("report_request", harbor, episode_id=episode.pk)).status_code == 302


def as_clinician_name(report: AttendanceReport) -> str:
    return report.requested_by.get_full_name()


def test_a_queued_or_failed_report_cannot_be_downloaded(as_clinician, harbor, episode, monkeypatch, caplog):
    report = attendance_report_request(
        organization=harbor, episode=episode, start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 11)
    )
    assert as_clinician.get(url("report_download", harbor, report_id=report.pk)).status_code == 404

    def broken(*, template, context):
        client = context["report"].client
        raise RuntimeError(f"{client.first_name} {client.last_name}'s data broke the template")

    monkeypatch.setattr(report_documents, "pdf_document", broken)
    failed = attendance_report_generate(report=report)

    assert failed.status == ReportStatus.FAILED
    assert failed.error == "The report could not be generated (RuntimeError)."  # no PHI from the message
    assert failed.pdf is None
    assert "RuntimeError" in caplog.text and "Robin" not in caplog.text  # logs: no PHI either
    assert as_clinician.get(url("report_download", harbor, report_id=report.pk)).status_code == 404


def test_review_reports_are_requested_once_per_review(
    in_harbor, four_weeks, episode, first_week, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(report_generate, "delay", lambda *args: queued.append(args))
    end = first_week + dt.timedelta(weeks=4, days=-1)
    reviews = [(four_weeks, first_week, end, "Concurrent review, Aetna")]

    with django_capture_on_commit_callbacks(execute=True):
        first = review_reports_prepare(organization=in_harbor, reviews=reviews)
    with django_capture_on_commit_callbacks(execute=True):
        again = review_reports_prepare(organization=in_harbor, reviews=reviews)

    assert [r.pk for r in first] == [r.pk for r in again]
    assert AttendanceReport.objects.count() == 1
    assert queued == [(in_harbor.pk, str(first[0].pk))]
    assert review_reports_prepare(organization=in_harbor, reviews=[]) == []


# --- The client page's panel -----------------------------------------------------------------------


def test_the_panel_shows_the_form_and_the_latest_reports_in_one_query(harbor, episode, django_assert_num_queries):
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext

    from iop.clients.hooks import LoadedPanel, client_panels, client_panels_load
    from iop.tenancy.permissions import ROLE_ACTIONS

    for n in range(7):
        AttendanceReport.objects.create(
            organization=harbor,
            episode=episode,
            start_date=dt.date(2026, 1, 5) + dt.timedelta(weeks=n),
            end_date=dt.date(2026, 1, 11) + dt.timedelta(weeks=n),
            status=ReportStatus.READY if n == 6 else ReportStatus.QUEUED,
            pdf=b"%PDF-" if n == 6 else None,
            page_count=2 if n == 6 else 0,
        )
    # The panel as the client page loads and renders it (iop.clients.hooks), alone.
    registered = next(p for p in client_panels() if p.key == "attendance_reports")
    can = ROLE_ACTIONS["clinician"]
    with django_assert_num_queries(1):
        context = registered.context_loader(organization=harbor, client=None, episode=episode, can=can, form_state=None)
        html = Template("{% load client_panels %}{% client_panel loaded %}").render(
            Context({"organization": harbor, "can": can, "loaded": LoadedPanel(panel=registered, context=context)})
        )

    assert "Download PDF" in html and "Download CSV" in html
    assert html.count("Being prepared") == 4 and "Ready, 2 pages" in html
    assert url("episode_report_pdf", harbor, episode_id=episode.pk) in html
    assert 'name="start"' in html and 'id="report-start"' in html

    # Intake may not export reports: the page does not load the panel at all (its one query
    # is the whole difference with a clinician's panels: both see every other panel).
    client = episode.client  # the page has the client already

    def page_panels(role: str) -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as queries:
            loaded = client_panels_load(
                organization=harbor, client=client, episode=episode, can=ROLE_ACTIONS[role], form_state=None
            )
        return [p.panel.key for p in loaded], len(queries.captured_queries)

    page_panels("clinician")  # the first load caches what every later one reuses
    clinician_keys, clinician_queries = page_panels("clinician")
    intake_keys, intake_queries = page_panels("intake")
    assert "attendance_reports" in clinician_keys
    assert intake_keys == [key for key in clinician_keys if key != "attendance_reports"]
    assert intake_queries == clinician_queries - 1


def test_open_flags_and_alerts_come_from_the_episode(four_weeks, in_harbor, first_week):
    data = attendance_report_data(
        organization=in_harbor, episode=four_weeks, start=first_week, end=first_week + dt.timedelta(days=27)
    )
    assert {f.pk for f in data.open_flags} == set(
        ThresholdFlag.objects.filter(episode=four_weeks, resolved_at__isnull=True).values_list("pk", flat=True)
    )
    assert [a.pk for a in data.open_alerts] == list(
        AbsenceAlert.objects.filter(episode=four_weeks, acknowledged_at__isnull=True)
        .order_by("raised_at")
        .values_list("pk", flat=True)
    )
    assert data.open_alerts
