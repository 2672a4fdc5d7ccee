"""Django admin for discharge: org admins configure the discharge settings (the state's summary
deadline, the aftercare window) and the checklist template here. What happens per client (plans,
checklists, termination sessions, appointments, consents, disclosures, billing) is done in the app
through its services and only shown here; opening one is audited.

Each area appends its admin classes under its own heading.
"""

from __future__ import annotations

from typing import cast

from django.contrib import admin
from django.forms.models import ModelChoiceIterator

from authorizations.models import Payer
from discharge.models import (
    AftercareAppointment,
    AftercareProvider,
    AftercareProviderPayer,
    BillingImport,
    BillingLine,
    ChecklistItem,
    ChecklistTemplateItem,
    Consent,
    DischargeSettings,
    Disclosure,
    EpisodeReconciliation,
    FollowUpCheck,
    TransitionPlan,
)
from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantInline, TenantModelAdmin


class DischargeConfigAdmin(TenantModelAdmin):
    """Discharge configuration: org admins (program managers)."""

    manage_action = perms.PROGRAM_MANAGE


class ReadOnlyAdmin(TenantModelAdmin):
    read_only = True


# --- Plans ------------------------------------------------------------------------------------------


@admin.register(DischargeSettings)
class DischargeSettingsAdmin(DischargeConfigAdmin):
    list_display = ["__str__", "summary_due_days", "aftercare_within_days"]


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(DischargeConfigAdmin):
    """The organization's discharge checklist. Until it has any item the defaults (domain §5.2)
    apply; a plan copies the template when it starts."""

    list_display = ["__str__", "key", "is_required", "position", "is_active"]
    list_editable = ["is_required", "position", "is_active"]
    ordering = ["position", "key"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["label", "is_required", "done_at", "done_by", "note"]
    readonly_fields = ["label", "is_required", "done_at", "done_by", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return perms.membership_can(getattr(request, "membership", None), perms.ADMIN_ACCESS)


@admin.register(TransitionPlan)
class TransitionPlanAdmin(ReadOnlyAdmin):
    """Plans are worked on the discharge page; shown here for support. Opening one is audited."""

    audit_client_field = "episode.client_id"
    list_display = ["__str__", "status", "transition_type", "target_date", "last_day", "summary_due_date"]
    list_filter = ["status", "transition_type", "origin"]
    exclude = ["summary"]  # clinical text: read on the discharge page, where the read is audited
    inlines = [ChecklistItemInline]


# --- Aftercare --------------------------------------------------------------------------------------


class AftercareProviderPayerInline(TenantInline):
    """The payers a provider accepts (the organization's payers only). A tenant inline: with
    Django's own permissions (`is_staff`, which we do not use) no organization admin saw it."""

    model = AftercareProviderPayer
    extra = 1
    fields = ["payer"]

    def get_queryset(self, request):
        # Each row is labelled "<payer> accepted by <provider>": one query for all rows, not one a row.
        return super().get_queryset(request).select_related("payer", "provider")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "payer":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs["queryset"] = Payer.objects.filter(organization=request.organization).order_by("name")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None:
            # Every row's select offers the same payers: read them once per request, not once a row.
            if not hasattr(request, "_aftercare_payer_choices"):
                request._aftercare_payer_choices = list(cast(ModelChoiceIterator, field.choices))
            field.choices = request._aftercare_payer_choices
        return field


@admin.register(AftercareProvider)
class AftercareProviderAdmin(TenantModelAdmin):
    """The aftercare directory (also kept on its own page by discharge staff). No PHI."""

    manage_action = perms.DISCHARGE_MANAGE
    list_display = ["name", "npi", "phone", "accepts_new_clients", "is_active"]
    list_filter = ["accepts_new_clients", "is_active"]
    search_fields = ["name", "npi"]
    exclude = ["payers_accepted"]
    inlines = [AftercareProviderPayerInline]


@admin.register(AftercareAppointment)
class AftercareAppointmentAdmin(ReadOnlyAdmin):
    """Booked, moved and recorded on the discharge page; shown here for support. Opening one is audited."""

    audit_client_field = "plan.episode.client_id"
    list_display = ["__str__", "provider", "starts_at", "status", "confirmed"]
    list_filter = ["status", "confirmed"]


@admin.register(FollowUpCheck)
class FollowUpCheckAdmin(ReadOnlyAdmin):
    """Raised by the worker 7 and 30 days after the last day, answered on the discharge page."""

    audit_client_field = "plan.episode.client_id"
    list_display = ["__str__", "due_date", "outcome", "checked_at"]
    list_filter = ["days", "outcome"]


# --- Consent ----------------------------------------------------------------------------------------


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """Recorded, revoked and ended on the client's consents page; never edited once signed (a
    change is a new consent). Shown here for support; opening one is audited."""

    audit_client_field = "client_id"
    list_display = ["__str__", "recipient_name", "purpose", "signed_at", "expires_on", "revoked_at"]
    list_filter = ["purpose", "signature_method"]


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    """The disclosure log, written once by a records transmission; its document is downloaded from
    the client's consents page (an audited export), not here."""

    audit_client_field = "client_id"
    list_display = ["__str__", "recipient_name", "purpose", "channel", "sent_at"]
    list_filter = ["purpose", "channel"]
    exclude = ["document"]


# --- Billing ----------------------------------------------------------------------------------------


@admin.register(BillingImport)
class BillingImportAdmin(ReadOnlyAdmin):
    """Billing files as received (kept raw for support); imported on the reconciliation page or the API."""

    list_display = ["__str__", "source", "file_name", "line_count", "imported_at"]
    list_filter = ["source"]
    exclude = ["raw"]  # member ids of many clients: read where the import is made


@admin.register(BillingLine)
class BillingLineAdmin(ReadOnlyAdmin):
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "units", "billed_amount", "paid_amount", "status", "authorization_number"]
    list_filter = ["status"]


@admin.register(EpisodeReconciliation)
class EpisodeReconciliationAdmin(ReadOnlyAdmin):
    """Closed on the reconciliation page (reconciled, or written off with a reason, audited)."""

    audit_client_field = "episode.client_id"
    list_display = ["__str__", "status", "closed_at", "write_off_amount"]
    list_filter = ["status"]
