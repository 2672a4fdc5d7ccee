"""The absence-alert worklist (names in the `attendance` namespace, see attendance/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<uuid:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
