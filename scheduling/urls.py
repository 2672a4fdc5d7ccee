"""Scheduling pages, under `/o/<org_slug>/schedule/` (the tenant comes from the URL)."""

from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.week, name="week"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<uuid:session_id>/roster/", views.roster_add, name="roster_add"),
    path(
        "sessions/<uuid:session_id>/roster/<uuid:entry_id>/remove/",
        views.roster_remove,
        name="roster_remove",
    ),
    path(
        "sessions/<uuid:session_id>/roster/<uuid:entry_id>/undo/",
        views.roster_undo,
        name="roster_undo",
    ),
    path("sessions/<uuid:session_id>/topic/", views.session_topic, name="session_topic"),
    path("sessions/<uuid:session_id>/move/", views.session_move, name="session_move"),
    path("sessions/<uuid:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path(
        "sessions/<uuid:session_id>/facilitator/",
        views.session_facilitator_assign,
        name="session_facilitator_assign",
    ),
    path("absences/", views.absences, name="absences"),
    path("gaps/", views.gaps, name="gaps"),
    path("groups/", views.groups, name="groups"),
    path("placement/<uuid:episode_id>/", views.placement_assistant, name="placement_assistant"),
    path("placements/<uuid:placement_id>/end/", views.placement_end, name="placement_end"),
]
