"""Review call endpoints: included by authorizations.urls (namespace "authorizations"), under
`/o/<org_slug>/authorizations/reviews/<review_id>/calls/`. Ids only in the paths."""

from django.urls import path

from authorizations.reviews.calls import views

urlpatterns = [
    path("reviews/<uuid:review_id>/calls/", views.call_schedule, name="review_call_schedule"),
    path("reviews/<uuid:review_id>/calls/<uuid:call_id>/move/", views.call_reschedule, name="review_call_reschedule"),
    path("reviews/<uuid:review_id>/calls/<uuid:call_id>/cancel/", views.call_cancel, name="review_call_cancel"),
    path("reviews/<uuid:review_id>/calls/<uuid:call_id>/invite.ics", views.call_invite, name="review_call_invite"),
]
