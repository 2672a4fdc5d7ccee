"""Authorization pages (units): included by authorizations.urls (namespace "authorizations")."""

from django.urls import path

from . import views_units

urlpatterns = [
    path("", views_units.worklist, name="worklist"),
    path("authorization/<uuid:authorization_id>/", views_units.authorization_detail, name="authorization_detail"),
    path("tasks/<uuid:task_id>/done/", views_units.chase_task_done, name="chase_task_done"),
]
