"""Attendance pages, under `/o/<org_slug>/attendance/` (the tenant comes from the URL)."""

from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("sessions/<uuid:session_id>/", views.roll_call, name="roll_call"),
    path("sessions/<uuid:session_id>/walk-in/", views.walk_in, name="walk_in"),
    path("missing/", views.missing, name="missing"),
    path("hours-at-risk/", views.at_risk, name="at_risk"),
    path("hours-at-risk/<uuid:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<uuid:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
