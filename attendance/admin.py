"""Django admin for attendance: org admins configure the settings and the absence rules here;
attendance itself is taken in the app (roll call) through its services, and only shown here."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from iop.tenancy.admin import TenantModelAdmin

from .models import AbsenceAlert, AbsenceRule, AttendanceRecord, AttendanceReport, AttendanceSettings, ThresholdFlag


@admin.register(AttendanceSettings)
class AttendanceSettingsAdmin(TenantModelAdmin):
    list_display = ["__str__", "late_entry_hours", "missing_notice_time"]

    def has_add_permission(self, request):
        # One row per organization (the defaults apply until it exists).
        return super().has_add_permission(request) and not AttendanceSettings.objects.exists()


class AbsenceRuleForm(forms.ModelForm):
    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        # The organization is not a form field, so Django skips the unique (organization, kind) check.
        if AbsenceRule.objects.filter(kind=kind).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This organization already has a rule of this kind: change that one.")
        return kind


@admin.register(AbsenceRule)
class AbsenceRuleAdmin(TenantModelAdmin):
    """Each kind of pattern applies as saved here, or with its default when the organization has
    not saved it (two unexcused in a row; three absences in 14 days; an absence without a reason
    after 24 hours). Save a kind inactive to switch it off."""

    form = AbsenceRuleForm
    list_display = ["__str__", "kind", "count", "window_days", "after_hours", "is_active"]
    list_filter = ["is_active", "kind"]


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(TenantModelAdmin):
    read_only = True
    audit_client_field = "episode.client_id"
    list_display = [
        "__str__",
        "session",
        "status",
        "attended_minutes",
        "counted_minutes",
        "is_late_entry",
        "updated_at",
    ]
    list_filter = ["status", "is_late_entry"]
    list_select_related = ["session__group"]
    exclude = ["note"]  # free text about a client: read on the roll call, where the read is audited


@admin.register(ThresholdFlag)
class ThresholdFlagAdmin(TenantModelAdmin):
    read_only = True
    list_display = [
        "__str__",
        "week_start",
        "state",
        "attended_minutes",
        "required_minutes",
        "raised_at",
        "resolved_at",
    ]
    list_filter = ["state", ("resolved_at", admin.EmptyFieldListFilter)]


@admin.register(AbsenceAlert)
class AbsenceAlertAdmin(TenantModelAdmin):
    read_only = True
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "kind", "raised_at", "acknowledged_at", "action_taken"]
    list_filter = ["kind", ("acknowledged_at", admin.EmptyFieldListFilter)]


@admin.register(AttendanceReport)
class AttendanceReportAdmin(TenantModelAdmin):
    read_only = True
    list_display = ["__str__", "start_date", "end_date", "status", "page_count", "created_at", "generated_at"]
    list_filter = ["status"]
    exclude = ["pdf"]
