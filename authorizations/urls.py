"""Authorization pages, under `/o/<org_slug>/authorizations/` (the tenant comes from the URL):
coverage and benefit verification, requests and packets, the worklist and authorizations."""

from django.urls import include, path

app_name = "authorizations"

urlpatterns = [
    path("", include("authorizations.units.urls")),
    path("", include("authorizations.coverage.urls")),
    path("", include("authorizations.requests.urls")),
    path("", include("authorizations.reviews.urls")),
    path("", include("authorizations.reviews.calls.urls")),
    path("", include("authorizations.appeals.urls")),
    path("", include("authorizations.reviews.packets.urls")),
    path("", include("authorizations.census_files.urls")),
]
