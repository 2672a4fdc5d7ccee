from __future__ import annotations

from django.contrib import admin

from . import hooks
from . import permissions as perms
from .models import Membership, Organization, Program, StaffProfile


class TenantModelAdmin(admin.ModelAdmin):
    """Admin for a tenant model: rows of the acting organization only, new rows created in it,
    and permissions from the role map (`view_action` to see, `manage_action` to change)."""

    view_action = perms.ADMIN_ACCESS
    manage_action = perms.ADMIN_ACCESS
    read_only = False
    # PHI models: opening a row in admin is a read of a client's record, so it is audited (the
    # platform announces it through iop/tenancy/hooks.py; iop/audit/wiring.py records it).
    audit_client_field: str | None = None

    def _can(self, request, action: str) -> bool:
        return perms.membership_can(getattr(request, "membership", None), action)

    def has_module_permission(self, request) -> bool:
        return self._can(request, self.view_action)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._can(request, self.view_action)

    def has_add_permission(self, request) -> bool:
        return not self.read_only and self._can(request, self.manage_action)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._can(request, self.manage_action)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._can(request, self.manage_action)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organization=request.organization)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if any(f.name == "organization" for f in related._meta.fields) and related is not Organization:
            kwargs["queryset"] = related._default_manager.filter(organization=request.organization)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.organization = request.organization
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline in formset.save(commit=False):
            if getattr(inline, "organization_id", None) is None:
                inline.organization = request.organization
            inline.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if self.audit_client_field and changelist is not None:
            hooks.admin_client_rows_listed.send(
                sender=type(self),
                request=request,
                model=self.model,
                client_ids=[
                    client_id
                    for client_id in (_attr_path(obj, self.audit_client_field) for obj in changelist.result_list)
                    if client_id is not None
                ],
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.audit_client_field and request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                hooks.admin_client_row_viewed.send(
                    sender=type(self), request=request, obj=obj, client_id=_attr_path(obj, self.audit_client_field)
                )
        return response


def _attr_path(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


class TenantInline(admin.TabularInline):
    extra = 0

    def _can(self, request):
        return perms.membership_can(getattr(request, "membership", None), perms.ADMIN_ACCESS)

    def has_view_permission(self, request, obj=None):
        return self._can(request)

    def has_add_permission(self, request, obj=None):
        return self._can(request)

    def has_change_permission(self, request, obj=None):
        return self._can(request)

    def has_delete_permission(self, request, obj=None):
        return self._can(request)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Only the acting organization, and only its settings (organizations are provisioned, not
    created here)."""

    list_display = ["name", "slug", "timezone", "week_start", "is_active"]
    readonly_fields = ["slug", "is_active", "created_at"]
    fields = ["name", "slug", "timezone", "week_start", "is_active", "created_at"]

    def get_queryset(self, request):
        org = getattr(request, "organization", None)
        return super().get_queryset(request).filter(pk=org.pk if org else None)

    def _can(self, request):
        return perms.membership_can(getattr(request, "membership", None), perms.ORGANIZATION_MANAGE)

    def has_module_permission(self, request):
        return self._can(request)

    def has_view_permission(self, request, obj=None):
        return self._can(request)

    def has_change_permission(self, request, obj=None):
        return self._can(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(TenantModelAdmin):
    manage_action = perms.PROGRAM_MANAGE
    list_display = ["name", "level_of_care", "default_min_weekly_hours", "default_min_days_per_week", "is_active"]
    list_filter = ["level_of_care", "is_active"]
    search_fields = ["name"]


class StaffProfileInline(TenantInline):
    model = StaffProfile
    fields = ["credentials", "license_number", "license_state", "can_facilitate"]
    max_num = 1


@admin.register(Membership)
class MembershipAdmin(TenantModelAdmin):
    """Members join by invitation (Team page); here admins adjust roles and staff profiles."""

    manage_action = perms.MEMBER_MANAGE
    list_display = ["user_email", "user_name", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "created_at"]
    fields = ["user", "role", "is_active", "created_at"]
    inlines = [StaffProfileInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description="Name", ordering="user__full_name")
    def user_name(self, obj):
        return obj.user.full_name


@admin.register(StaffProfile)
class StaffProfileAdmin(TenantModelAdmin):
    manage_action = perms.MEMBER_MANAGE
    list_display = ["member", "credentials", "license_number", "license_state", "can_facilitate"]
    list_filter = ["can_facilitate"]
    search_fields = ["membership__user__email", "membership__user__full_name", "license_number"]
    list_select_related = ["membership__user"]

    @admin.display(description="Member")
    def member(self, obj):
        return obj.membership.user
