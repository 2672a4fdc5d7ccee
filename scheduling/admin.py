"""Django admin for group scheduling: configuration (settings, group types and who may lead them,
groups and their weekly times) is edited here; what happens day to day (sessions, absences,
placements, rosters, reminders) is done in the app, through its services, and only shown here.

Saving a group or its weekly times materialises the group's sessions for the horizon at once
(`GroupAdmin.save_related`), so the master schedule never lags behind the configuration.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models

from iop.common.dates import time_hm
from iop.common.exceptions import ApplicationError
from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantInline, TenantModelAdmin
from iop.tenancy.models import StaffProfile

from .feeds.services import calendar_feed_revoke
from .models import (
    CalendarFeed,
    FacilitatorAbsence,
    FacilitatorQualification,
    Group,
    GroupType,
    Placement,
    ReminderDispatch,
    RosterEntry,
    SchedulingSettings,
    Session,
    SessionFacilitator,
    WeeklySlot,
)
from .services import common as common_services
from .services import groups as group_services
from .services import materialisation as materialisation_services
from .services import sessions as session_services


class SchedulingConfigAdmin(TenantModelAdmin):
    manage_action = perms.SCHEDULE_MANAGE


def _facilitators_only(field):
    """A staff picker that offers facilitators, by name."""
    if field is not None and field.queryset.model is StaffProfile:
        field.queryset = field.queryset.filter(can_facilitate=True).select_related("membership__user")
        field.label_from_instance = lambda p: " ".join(filter(None, [str(p.membership.user), p.credentials]))
    return field


class ScopedInline(TenantInline):
    """Inline rows pick related rows of the acting organization only; staff pickers offer
    facilitators only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if any(f.name == "organization" for f in db_field.related_model._meta.fields):
            kwargs["queryset"] = db_field.related_model.objects.all()
        return _facilitators_only(super().formfield_for_foreignkey(db_field, request, **kwargs))


class ReadOnlyInline(TenantInline):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NameUniqueInOrganizationForm(forms.ModelForm):
    """The name is unique per organization. The organization is not a form field, so Django's
    form validation skips that constraint: check it here for a message instead of an error page."""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if type(self.instance).objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"“{name}” is already used in this organization.")
        return name


@admin.register(SchedulingSettings)
class SchedulingSettingsAdmin(SchedulingConfigAdmin):
    list_display = ["__str__", "reminder_time", "horizon_weeks", "uncovered_alert_hours"]

    def has_add_permission(self, request):
        # One row per organization (the defaults apply until it exists).
        return super().has_add_permission(request) and not SchedulingSettings.objects.exists()


class FacilitatorQualificationInline(ScopedInline):
    model = FacilitatorQualification
    fields = ["staff_profile"]
    verbose_name = "qualified facilitator"
    verbose_name_plural = "qualified facilitators"


@admin.register(GroupType)
class GroupTypeAdmin(SchedulingConfigAdmin):
    form = NameUniqueInOrganizationForm
    list_display = ["name", "track", "counts_toward_hours", "is_active"]
    list_filter = ["track", "counts_toward_hours", "is_active"]
    search_fields = ["name"]
    inlines = [FacilitatorQualificationInline]

    def has_delete_permission(self, request, obj=None):
        return False  # groups and their history refer to it: deactivate instead


class WeeklySlotForm(forms.ModelForm):
    # Sessions already materialised keep the time they were made with, so a weekly time is not
    # re-timed in place: it is ended, and a new one added.
    FIXED = ("weekday", "start_time", "duration_minutes", "effective_from")

    def clean(self):
        cleaned = super().clean()
        if not self.instance._state.adding and any(name in self.changed_data for name in self.FIXED):
            raise forms.ValidationError(
                "To change when the group meets, set “effective to” on this weekly time and add a new one."
            )
        return cleaned


class WeeklySlotInline(ScopedInline):
    model = WeeklySlot
    form = WeeklySlotForm
    fields = ["weekday", "start_time", "duration_minutes", "effective_from", "effective_to"]
    can_delete = False  # its sessions would be orphaned: end it with “effective to” instead

    def has_delete_permission(self, request, obj=None):
        return False


class GroupAdminForm(NameUniqueInOrganizationForm):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns (the stubs allow None)
        group_type = cleaned.get("group_type")
        lead, co = cleaned.get("lead_facilitator"), cleaned.get("co_facilitator")
        if group_type is not None:
            for label, staff_profile in (("lead_facilitator", lead), ("co_facilitator", co)):
                try:
                    common_services.facilitator_check(group_type=group_type, staff_profile=staff_profile, label=label)
                except ApplicationError as exc:
                    self.add_error(label, exc.message)
        if lead is not None and co is not None and lead.pk == co.pk:
            self.add_error("co_facilitator", "The co-facilitator must be someone else.")
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None and "capacity" in self.changed_data:
            try:
                group_services.group_capacity_check(group=self.instance, capacity=capacity)
            except ApplicationError as exc:
                self.add_error("capacity", exc.message)
        return cleaned


@admin.register(Group)
class GroupAdmin(SchedulingConfigAdmin):
    form = GroupAdminForm
    list_display = ["name", "group_type", "program", "capacity", "lead_facilitator", "delivery", "is_active"]
    list_filter = [
        "is_active",
        "delivery",
        ("group_type", admin.RelatedOnlyFieldListFilter),
        ("program", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["group_type", "program", "lead_facilitator__membership__user"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    inlines = [WeeklySlotInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # video links are https

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _facilitators_only(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def has_delete_permission(self, request, obj=None):
        return False  # sessions refer to it: deactivate instead

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Changes the coming sessions must follow (capacity, facilitators, active) go through the
        # service; the rest of the row is plain configuration.
        followed = {f: form.cleaned_data[f] for f in form.changed_data if f in group_services.GROUP_EDITABLE_FIELDS}
        plain = [f for f in form.changed_data if f not in group_services.GROUP_EDITABLE_FIELDS]
        if plain:
            Group.objects.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in plain})
        uncovered = group_services.group_update(group=obj, data=followed, actor=request.user)
        if uncovered:
            messages.warning(
                request,
                f"The new facilitator is busy or away for: {common_services.sessions_for_dates(uncovered)}. "
                "Cover them on the Absences and coverage page.",
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is WeeklySlot:
                for slot, changed in formset.changed_objects:
                    if "effective_to" in changed and slot.effective_to is not None:
                        group_services.slot_end(slot=slot, effective_to=slot.effective_to, actor=request.user)
        materialisation_services.sessions_materialise(organization=request.organization, group=form.instance)


class SessionFacilitatorInline(ReadOnlyInline):
    model = SessionFacilitator
    fields = readonly_fields = ("role", "staff_profile")


_SESSION_FIELDS = (
    "group",
    "slot",
    "occurrence_date",
    "local_date",
    "starts_at",
    "ends_at",
    "capacity",
    "status",
    "topic",
    "is_modified",
    "cancelled_reason",
    "cancelled_at",
    "moved_at",
    "facilitator_changed_at",
    "created_at",
)


@admin.register(Session)
class SessionAdmin(SchedulingConfigAdmin):
    """Sessions come from the weekly times; one-off changes (cancel, move, cover) are made in the
    app, which keeps rosters, facilitators and reminders consistent. Only the topic is edited here."""

    list_display = [
        "group",
        "local_date",
        "local_start",
        "duration_minutes",
        "capacity",
        "status",
        "is_modified",
    ]
    list_filter = [
        "status",
        ("group", admin.RelatedOnlyFieldListFilter),
        ("local_date", admin.DateFieldListFilter),
    ]
    list_select_related = ["group", "organization"]
    date_hierarchy = "local_date"
    search_fields = ["group__name", "topic"]
    fields = _SESSION_FIELDS
    readonly_fields = [f for f in _SESSION_FIELDS if f != "topic"]
    inlines = [SessionFacilitatorInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Starts (local)", ordering="starts_at")
    def local_start(self, obj):
        return time_hm(obj.starts_at, obj.organization.tzinfo)

    def save_model(self, request, obj, form, change):
        if "topic" in form.changed_data:
            session_services.session_update_topic(session=obj, topic=obj.topic)


@admin.register(FacilitatorAbsence)
class FacilitatorAbsenceAdmin(SchedulingConfigAdmin):
    """Absences are recorded in the app, which uncovers the affected sessions and suggests cover."""

    read_only = True
    list_display = ["staff_profile", "start_date", "end_date", "reason", "created_by", "created_at"]
    list_select_related = ["staff_profile__membership__user", "created_by"]
    list_filter = [("start_date", admin.DateFieldListFilter)]


@admin.register(Placement)
class PlacementAdmin(SchedulingConfigAdmin):
    read_only = True
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "group", "start_date", "end_date", "is_active", "created_at"]
    list_filter = ["is_active", ("group", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["group"]


@admin.register(RosterEntry)
class RosterEntryAdmin(SchedulingConfigAdmin):
    read_only = True
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "session", "status", "source", "added_at", "removed_at"]
    list_filter = ["status", "source"]
    list_select_related = ["session__group"]


@admin.register(ReminderDispatch)
class ReminderDispatchAdmin(SchedulingConfigAdmin):
    read_only = True
    audit_client_field = "client_id"
    list_display = ["__str__", "local_date", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", ("local_date", admin.DateFieldListFilter)]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SchedulingConfigAdmin):
    """Feeds are issued by facilitators themselves; an admin can only revoke one (e.g. a leaked URL)."""

    list_display = ["__str__", "staff_profile", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["staff_profile__membership__user"]
    fields = readonly_fields = ("staff_profile", "created_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected calendar feeds", permissions=["change"])
    def revoke(self, request, queryset):
        feeds = list(queryset.filter(revoked_at__isnull=True))
        for feed in feeds:
            calendar_feed_revoke(feed=feed)
        self.message_user(request, f"Revoked {len(feeds)} calendar feed(s).", messages.SUCCESS)
