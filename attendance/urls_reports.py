"""Attendance report downloads, mounted under `/o/<org_slug>/attendance/` (the tenant comes from
the URL). The period travels as `?start=YYYY-MM-DD&end=YYYY-MM-DD`: dates only, no PHI."""

from django.urls import path

from . import report_views

app_name = "attendance_reports"

urlpatterns = [
    path("episodes/<uuid:episode_id>/report.pdf", report_views.episode_report_pdf, name="episode_report_pdf"),
    path("episodes/<uuid:episode_id>/report.csv", report_views.episode_report_csv, name="episode_report_csv"),
    path("episodes/<uuid:episode_id>/reports/", report_views.report_request, name="report_request"),
    path("reports/<uuid:report_id>/download/", report_views.report_download, name="report_download"),
]
