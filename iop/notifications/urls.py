"""The in-app inbox, under `/o/<org_slug>/notifications/` (namespace "notifications")."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.notifications_read_selected, name="read_selected"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("<uuid:notification_id>/read/", views.notification_read, name="notification_read"),
]
