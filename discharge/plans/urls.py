"""Discharge pages of plans: included by discharge.urls (namespace "discharge")."""

from django.urls import path

from discharge.plans import views

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("episodes/<uuid:episode_id>/", views.plan_detail, name="plan"),
    path("episodes/<uuid:episode_id>/start/", views.plan_start, name="plan_start"),
    path("episodes/<uuid:episode_id>/plan/", views.plan_update, name="plan_update"),
    path("episodes/<uuid:episode_id>/checklist/", views.item_tick, name="item_tick"),
    path("episodes/<uuid:episode_id>/termination/", views.termination_book, name="termination_book"),
    path("episodes/<uuid:episode_id>/complete/", views.plan_complete, name="plan_complete"),
    path("episodes/<uuid:episode_id>/summary/", views.summary_save, name="summary_save"),
]
