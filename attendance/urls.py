"""Attendance pages, under `/o/<org_slug>/attendance/` (the tenant comes from the URL).

The areas' pages share the `attendance` namespace; report downloads keep their own
(`attendance_reports`, attendance/reports/urls.py, mounted beside this one in iop/urls.py)."""

from django.urls import include, path

app_name = "attendance"

urlpatterns = [
    path("", include("attendance.roll_call.urls")),
    path("", include("attendance.hours.urls")),
    path("", include("attendance.patterns.urls")),
]
