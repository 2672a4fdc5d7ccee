"""Attendance report downloads, mounted under `/o/<org_slug>/attendance/` (the tenant comes from
the URL). The period travels as `?start=YYYY-MM-DD&end=YYYY-MM-DD`: dates only, no PHI."""

from django.urls import path

from . import views

app_name = "attendance_reports"

urlpatterns = [
    path("episodes/<uuid:episode_id>/report.pdf", views.episode_report_pdf, name="episode_report_pdf"),
    path("episodes/<uuid:episode_id>/report.csv", views.episode_report_csv, name="episode_report_csv"),
    path("episodes/<uuid:episode_id>/reports/", views.report_request, name="report_request"),
    path("reports/<uuid:report_id>/download/", views.report_download, name="report_download"),
]
