"""Discharge pages, under `/o/<org_slug>/discharge/` (the tenant comes from the URL): each
episode's transition plan and checklist, the Discharges worklist, and the areas' own pages
(aftercare, consent, billing), each included here by its owner."""

from django.urls import include, path

app_name = "discharge"

urlpatterns = [
    path("", include("discharge.plans.urls")),
    path("", include("discharge.aftercare.urls")),
    path("", include("discharge.consent.urls")),
    path("", include("discharge.billing.urls")),
]
