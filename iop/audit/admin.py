from django.contrib import admin

from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantModelAdmin

from .models import AccessEvent, SecurityEvent


@admin.register(AccessEvent)
class AccessEventAdmin(TenantModelAdmin):
    view_action = perms.AUDIT_VIEW
    read_only = True
    list_display = [
        "occurred_at",
        "actor",
        "membership_role",
        "action",
        "object_type",
        "object_id",
        "client_id",
        "channel",
        "ip_address",
    ]
    list_filter = ["action", "channel", "object_type", "occurred_at"]
    search_fields = ["=client_id", "=object_id", "actor__email", "=request_id"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Sign-in events of the acting organization's members."""

    list_display = ["occurred_at", "kind", "user", "email", "ip_address"]
    # `detail` can name another organization the member also belongs to; not this admin's business.
    exclude = ["detail"]
    list_filter = ["kind", "occurred_at"]
    search_fields = ["email", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_queryset(self, request):
        org = getattr(request, "organization", None)
        return super().get_queryset(request).filter(user__memberships__organization=org).distinct()

    def has_module_permission(self, request):
        return perms.membership_can(getattr(request, "membership", None), perms.AUDIT_VIEW)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
