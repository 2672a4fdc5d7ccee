"""Reminders and calendar feeds, under `/o/<org_slug>/schedule/` (namespace "reminders")."""

from django.urls import path

from scheduling.feeds import views as feed_views

from . import views

app_name = "reminders"

urlpatterns = [
    path("reminders/", views.reminders_preview, name="preview"),
    path("reminders/<uuid:dispatch_id>/resend/", views.reminder_resend, name="resend"),
    path("calendar/", feed_views.calendar_feed, name="calendar_feed"),
    path("calendar/<uuid:feed_id>/revoke/", feed_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", feed_views.calendar_feed_ics, name="calendar_feed_ics"),
]
