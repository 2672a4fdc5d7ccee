"""`/api/v1/`: the schema and docs (signed-in users and any organization's valid token), and every
resource under `/api/v1/o/<org_slug>/` — the organization comes from the URL."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from attendance.hours.apis import ThresholdFlagViewSet, WeeklyHoursViewSet
from attendance.patterns.apis import AbsenceAlertViewSet
from attendance.roll_call.apis import AttendanceRecordViewSet, SessionAttendanceViewSet
from authorizations.appeals import apis as authorizations_appeals
from authorizations.census_files import apis as authorizations_census_files
from authorizations.coverage import apis as authorizations_coverage
from authorizations.requests import apis as authorizations_requests
from authorizations.reviews import apis as authorizations_reviews
from authorizations.reviews.calls import apis as authorizations_review_calls
from authorizations.reviews.packets import apis as authorizations_review_packets
from authorizations.units import apis as authorizations_units
from discharge.aftercare import apis as discharge_aftercare
from discharge.billing import apis as discharge_billing
from discharge.consent import apis as discharge_consent
from discharge.plans import apis as discharge_plans
from iop.accounts.apis import MemberViewSet, ProgramViewSet
from iop.clients.apis import ClientViewSet, CoupleViewSet, EpisodeViewSet, TreatmentPlanViewSet
from scheduling.apis import (
    AbsenceViewSet,
    GroupTypeViewSet,
    GroupViewSet,
    PlacementViewSet,
    RosterEntryViewSet,
    SessionViewSet,
    SlotViewSet,
    WaitlistViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clients", ClientViewSet, basename="client")
router.register("episodes", EpisodeViewSet, basename="episode")
router.register("treatment-plans", TreatmentPlanViewSet, basename="treatment-plan")
router.register("couples", CoupleViewSet, basename="couple")
router.register("programs", ProgramViewSet, basename="program")
router.register("members", MemberViewSet, basename="member")
router.register("group-types", GroupTypeViewSet, basename="group-type")
router.register("groups", GroupViewSet, basename="group")
router.register("slots", SlotViewSet, basename="slot")
router.register("sessions", SessionViewSet, basename="session")
router.register("placements", PlacementViewSet, basename="placement")
router.register("roster-entries", RosterEntryViewSet, basename="roster-entry")
router.register("waitlist", WaitlistViewSet, basename="waitlist")
router.register("absences", AbsenceViewSet, basename="absence")
router.register("attendance/sessions", SessionAttendanceViewSet, basename="session-attendance")
router.register("attendance-records", AttendanceRecordViewSet, basename="attendance-record")
router.register("weekly-hours", WeeklyHoursViewSet, basename="weekly-hours")
router.register("threshold-flags", ThresholdFlagViewSet, basename="threshold-flag")
router.register("absence-alerts", AbsenceAlertViewSet, basename="absence-alert")

for module in (
    authorizations_appeals,
    authorizations_census_files,
    authorizations_coverage,
    authorizations_requests,
    authorizations_units,
    authorizations_reviews,
    authorizations_review_calls,
    authorizations_review_packets,
    discharge_aftercare,
    discharge_billing,
    discharge_consent,
    discharge_plans,
):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("o/<slug:org_slug>/", include((router.urls + authorizations_census_files.PATHS, "api"), namespace="api")),
]
