"""Billing pages: included by discharge.urls (namespace "discharge"), under `/o/<org_slug>/discharge/`."""

from django.urls import path

from discharge.billing import views

urlpatterns = [
    path("episodes/<uuid:episode_id>/billing/", views.reconciliation, name="billing"),
    path("episodes/<uuid:episode_id>/billing/upload/", views.upload, name="billing_upload"),
    path("episodes/<uuid:episode_id>/billing/lines/", views.line_create, name="billing_line_create"),
    path("episodes/<uuid:episode_id>/billing/close/", views.close, name="billing_close"),
    path("episodes/<uuid:episode_id>/billing/write-off/", views.write_off, name="billing_write_off"),
]
