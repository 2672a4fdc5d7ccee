"""Roll-call pages (names in the `attendance` namespace, see attendance/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<uuid:session_id>/", views.roll_call, name="roll_call"),
    path("sessions/<uuid:session_id>/walk-in/", views.walk_in, name="walk_in"),
    path("missing/", views.missing, name="missing"),
]
