from django.contrib import admin
from django.urls import include, path

from iop.common import views as common_views

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("favicon.ico", common_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("iop.accounts.urls")),
    path("o/<slug:org_slug>/today/", include("iop.today.urls")),
    path("o/<slug:org_slug>/", include("iop.clients.urls")),
    path("o/<slug:org_slug>/schedule/", include("scheduling.urls")),
    path("o/<slug:org_slug>/schedule/", include("scheduling.reminders.urls")),
    path("o/<slug:org_slug>/attendance/", include("attendance.urls")),
    path("o/<slug:org_slug>/attendance/", include("attendance.reports.urls")),
    path("o/<slug:org_slug>/authorizations/", include("authorizations.urls")),
    path("o/<slug:org_slug>/discharge/", include("discharge.urls")),
    path("o/<slug:org_slug>/notifications/", include("iop.notifications.urls")),
    path("api/v1/", include("iop.api_urls")),
]

handler404 = "iop.common.views.page_not_found"
