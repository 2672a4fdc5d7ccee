from django.contrib import admin

from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantModelAdmin

from .models import Notification, OutboundMessage


@admin.register(Notification)
class NotificationAdmin(TenantModelAdmin):
    """Staff inboxes, read-only: notifications are raised by the jobs and read in the app."""

    read_only = True
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", "read_at"]
    list_select_related = ["recipient__user"]
    date_hierarchy = "created_at"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(TenantModelAdmin):
    """The outbox: every email and SMS sent to a client or staff member, as sent. Opening one is a
    read of the client's record (the body may name their sessions)."""

    view_action = perms.REMINDERS_VIEW
    read_only = True
    audit_client_field = "client_id"
    list_display = ["created_at", "channel", "status", "provider"]
    list_filter = ["channel", "status"]
    date_hierarchy = "created_at"
