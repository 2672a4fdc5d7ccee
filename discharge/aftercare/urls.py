"""Aftercare pages and the discharge page's aftercare endpoints: included by discharge.urls
(namespace "discharge"), under `/o/<org_slug>/discharge/`. Ids only in the paths."""

from django.urls import path

from discharge.aftercare import views

urlpatterns = [
    path("aftercare/providers/", views.directory, name="aftercare_directory"),
    path("aftercare/providers/new/", views.provider_create, name="aftercare_provider_create"),
    path("aftercare/providers/<uuid:provider_id>/", views.provider_edit, name="aftercare_provider_edit"),
    path("episodes/<uuid:episode_id>/aftercare/", views.appointment_book, name="aftercare_book"),
    path(
        "episodes/<uuid:episode_id>/aftercare/<uuid:appointment_id>/move/",
        views.appointment_reschedule,
        name="aftercare_reschedule",
    ),
    path(
        "episodes/<uuid:episode_id>/aftercare/<uuid:appointment_id>/cancel/",
        views.appointment_cancel,
        name="aftercare_cancel",
    ),
    path(
        "episodes/<uuid:episode_id>/aftercare/<uuid:appointment_id>/outcome/",
        views.appointment_outcome,
        name="aftercare_outcome",
    ),
    path(
        "episodes/<uuid:episode_id>/follow-ups/<uuid:check_id>/",
        views.follow_up_record,
        name="aftercare_follow_up",
    ),
]
