from django.contrib import admin
from django.contrib.auth.models import Group

from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantModelAdmin

from .models import ApiToken, Invitation, User

# Access is by organization role, not Django groups.
admin.site.unregister(Group) if admin.site.is_registered(Group) else None


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Staff of the acting organization, read-only: a user may belong to several organizations,
    so one organization's admin does not edit the global account (roles live on Membership)."""

    list_display = ["email", "full_name", "is_active", "last_login", "date_joined"]
    search_fields = ["email", "full_name"]
    fields = readonly_fields = ("email", "full_name", "is_active", "last_login", "date_joined")

    def get_queryset(self, request):
        org = getattr(request, "organization", None)
        return super().get_queryset(request).filter(memberships__organization=org).distinct()

    def has_module_permission(self, request):
        return perms.membership_can(getattr(request, "membership", None), perms.MEMBER_VIEW) and perms.membership_can(
            request.membership, perms.ADMIN_ACCESS
        )

    has_view_permission = lambda self, request, obj=None: self.has_module_permission(request)  # noqa: E731

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(TenantModelAdmin):
    read_only = True
    list_display = ["email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    list_select_related = ["invited_by"]
    readonly_fields = [
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "revoked_at",
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(TenantModelAdmin):
    """Admins can see and revoke tokens; the secret itself is never stored."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at"]
    fields = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        return False
