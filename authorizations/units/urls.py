"""Authorization pages (units): included by authorizations.urls (namespace "authorizations")."""

from django.urls import path

from authorizations.units import views

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("authorization/<uuid:authorization_id>/", views.authorization_detail, name="authorization_detail"),
    path("tasks/<uuid:task_id>/done/", views.chase_task_done, name="chase_task_done"),
]
