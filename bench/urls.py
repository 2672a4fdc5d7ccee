"""The app's URLs plus the floor view, mounted only in the benchmark server (bench/settings.py)."""

from django.urls import path

from iop.urls import urlpatterns as app_urlpatterns

from . import views

urlpatterns = [
    path("o/<slug:org_slug>/bench/floor/", views.floor, name="bench_floor"),
    *app_urlpatterns,
]
