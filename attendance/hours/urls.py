"""The hours-at-risk worklist (names in the `attendance` namespace, see attendance/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("hours-at-risk/", views.at_risk, name="at_risk"),
    path("hours-at-risk/<uuid:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
]
