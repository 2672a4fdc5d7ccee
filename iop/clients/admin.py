from django.contrib import admin

from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantInline, TenantModelAdmin

from .models import AvailabilityWindow, Client, Couple, Episode, EpisodeStatusChange, TreatmentPlan


@admin.register(Client)
class ClientAdmin(TenantModelAdmin):
    """Clients are created through intake in the app; admin can correct details. Every change is
    kept by pghistory, and opening a record is audited."""

    view_action = perms.CLIENT_VIEW
    manage_action = perms.CLIENT_EDIT
    audit_client_field = "pk"
    list_display = ["last_name", "first_name", "date_of_birth", "reminder_channel", "reminder_consent", "created_at"]
    list_filter = ["reminder_channel", "reminder_consent"]
    # No name search here: admin search goes in the URL's query string, and names are PHI. Find
    # a client in the app (its search is sent in the request body) and follow the admin link.
    readonly_fields = ["reminder_consent_at", "created_at", "updated_at", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EpisodeStatusChangeInline(TenantInline):
    model = EpisodeStatusChange
    fields = readonly_fields = ("from_status", "to_status", "effective_date", "changed_by", "changed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Episode)
class EpisodeAdmin(TenantModelAdmin):
    """Status moves only through the app's workflow (services), so it is read-only here."""

    view_action = perms.CLIENT_VIEW
    manage_action = perms.EPISODE_TRANSITION
    audit_client_field = "client_id"
    list_display = [
        "__str__",
        "program",
        "status",
        "level_of_care",
        "referral_date",
        "admission_date",
        "discharge_date",
    ]
    list_filter = ["status", "program", "level_of_care"]
    list_select_related = ["program"]
    readonly_fields = [
        "client",
        "status",
        "referral_date",
        "admission_date",
        "step_down_date",
        "discharge_date",
        "status_changed_at",
        "status_changed_by",
        "created_at",
    ]
    inlines = [EpisodeStatusChangeInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AvailabilityInline(TenantInline):
    model = AvailabilityWindow
    fields = ["weekday", "start_time", "end_time"]


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(TenantModelAdmin):
    view_action = perms.CLINICAL_VIEW
    manage_action = perms.TREATMENT_PLAN_EDIT
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "required_hours_per_week", "required_days_per_week", "effective_from", "updated_at"]
    readonly_fields = ["episode", "created_at", "updated_at", "updated_by"]
    inlines = [AvailabilityInline]

    def has_add_permission(self, request):
        return False


@admin.register(Couple)
class CoupleAdmin(TenantModelAdmin):
    view_action = perms.CLIENT_VIEW
    manage_action = perms.COUPLE_MANAGE
    audit_client_field = "partner_a_id"
    list_display = ["__str__", "started_on", "ended_on"]
    readonly_fields = ["partner_a", "partner_b", "created_at"]

    def has_add_permission(self, request):
        return False
