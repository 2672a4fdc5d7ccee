"""Django admin for authorizations: org admins configure payers here — their plans, effective-dated
IOP rules and fee schedule — and the organization's service-code list. What happens per client
(coverages, verifications, requests, determinations, authorizations, chase tasks, unauthorized
days) is done in the app, through its services, and only shown here; opening one is audited.

No payer number is a constant in code: the rules and fees below are what attendance, requests and
the chase read.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path, reverse
from django.utils.html import format_html

from authorizations.codes import DEFAULT_SERVICE_CODES
from authorizations.models import (
    Appeal,
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    BenefitVerification,
    ChaseTask,
    ConcurrentReview,
    Coverage,
    DenialCase,
    Determination,
    FeeScheduleEntry,
    InteropSettings,
    PacketChecklistItem,
    Payer,
    PayerPlan,
    PayerRule,
    PeerToPeer,
    ReviewPacket,
    ReviewRegime,
    ServiceCode,
    UnauthorizedDay,
)
from iop.tenancy import permissions as perms
from iop.tenancy.admin import TenantInline, TenantModelAdmin


class PayerConfigAdmin(TenantModelAdmin):
    """Payer configuration: org admins (program managers)."""

    manage_action = perms.PROGRAM_MANAGE


class ReadOnlyAdmin(TenantModelAdmin):
    read_only = True


# --- Payers -------------------------------------------------------------------------------------------


class PayerForm(forms.ModelForm):
    def clean_name(self):
        # The organization is not a form field, so Django skips the unique (organization, name) check.
        name = self.cleaned_data["name"].strip()
        if Payer.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"“{name}” is already a payer of this organization.")
        return name


class PayerPlanForm(forms.ModelForm):
    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        payer_id = self.instance.payer_id
        if payer_id and PayerPlan.objects.filter(payer_id=payer_id, name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This payer already has a plan named “{name}”.")
        return name


class PayerPlanInline(TenantInline):
    model = PayerPlan
    form = PayerPlanForm
    fields = ["name", "plan_type", "regime", "is_active"]


class PayerRuleForm(forms.ModelForm):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns (the stubs allow None)
        plan = cleaned.get("plan")
        if plan is not None and self.instance.payer_id and plan.payer_id != self.instance.payer_id:
            self.add_error("plan", "Choose a plan of this payer (or none, for all its plans).")
        return cleaned


class PayerRuleInline(TenantInline):
    """A rule for a plan wins over the payer's rule for all its plans; a newer rule replaces an
    older one from its date."""

    model = PayerRule
    form = PayerRuleForm
    template = "admin/edit_inline/stacked.html"
    verbose_name = "IOP rule"
    verbose_name_plural = "IOP rules (effective-dated: weekly hours and days, reviews, decision clocks, appeals)"
    fields = [
        ("plan", "level_of_care"),
        ("effective_from", "effective_to"),
        ("min_hours_per_week", "min_days_per_week", "min_minutes_per_day"),
        ("review_cadence_days", "review_submission_lead_hours", "initial_authorization_days"),
        ("standard_decision_hours", "expedited_decision_hours", "appeal_window_days"),
        ("p2p_window_hours",),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            # Only this payer's plans (none yet while the payer is being added).
            payer_id = (request.resolver_match.kwargs or {}).get("object_id") if request.resolver_match else None
            kwargs["queryset"] = PayerPlan.objects.filter(payer_id=payer_id) if payer_id else PayerPlan.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FeeScheduleEntryForm(forms.ModelForm):
    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class FeeScheduleEntryInline(TenantInline):
    model = FeeScheduleEntry
    form = FeeScheduleEntryForm
    fields = ["code", "rate", "effective_from", "effective_to"]
    verbose_name = "fee"
    verbose_name_plural = "fee schedule (rate per unit of a service code, from a date; used for cost projections)"


@admin.register(Payer)
class PayerAdmin(PayerConfigAdmin):
    form = PayerForm
    list_display = ["name", "payer_id", "phone", "regime", "plan_count", "is_active"]
    list_select_related = ["regime"]
    list_filter = ["is_active"]
    search_fields = ["name", "payer_id"]
    inlines = [PayerPlanInline, PayerRuleInline, FeeScheduleEntryInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # payer portals are https

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(plan_total=Count("plans"))

    @admin.display(description="Plans", ordering="plan_total")
    def plan_count(self, obj):
        return obj.plan_total

    def has_delete_permission(self, request, obj=None):
        return False  # coverages refer to it: deactivate instead


# --- Interoperability -----------------------------------------------------------------------------


@admin.register(InteropSettings)
class InteropSettingsAdmin(PayerConfigAdmin):
    """How the organization appears in the X12 files it sends (278 requests, 270 inquiries): one
    row, set once from what the clearinghouse assigned. The control-number counter is shown, never
    edited: a number handed out again would be a duplicate interchange."""

    list_display = ["__str__", "submitter_id", "receiver_id", "requester_npi", "production"]
    fieldsets = [
        ("Requesting provider", {"fields": ["requester_name", "requester_npi", "facility_code"]}),
        (
            "Clearinghouse envelope",
            {
                "fields": [
                    ("submitter_qualifier", "submitter_id"),
                    ("receiver_qualifier", "receiver_id"),
                    ("application_sender_code", "application_receiver_code"),
                    "production",
                    "last_control_number",
                ]
            },
        ),
        ("Eligibility (270)", {"fields": ["eligibility_service_types"]}),
    ]
    readonly_fields = ["last_control_number"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not InteropSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the counter must never start again


# --- Service codes --------------------------------------------------------------------------------


class ServiceCodeForm(forms.ModelForm):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns (the stubs allow None)
        system, code = cleaned.get("code_system"), (cleaned.get("code") or "").strip().upper()
        if code:
            cleaned["code"] = code
            self.instance.code = code
        # The organization is not a form field, so Django skips the unique (organization, system, code) check.
        if system and code:
            clash = ServiceCode.objects.filter(code_system=system, code=code).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("code", f"{code} is already on this organization's list.")
        return cleaned


@admin.register(ServiceCode)
class ServiceCodeAdmin(PayerConfigAdmin):
    """The organization's code list for request lines. Until it saves any code, the defaults in
    `authorizations.codes` apply (program per diems, group, individual and couples psychotherapy,
    SUD counseling, medication management, assessments); once it has saved one, only its own list
    applies — "Copy the defaults" starts the list from them."""

    form = ServiceCodeForm
    list_display = ["code", "code_system", "descriptor", "track", "unit_type", "is_active"]
    list_filter = ["track", "code_system", "unit_type", "is_active"]
    search_fields = ["code", "descriptor"]

    def get_urls(self):
        return [
            path(
                "copy-defaults/",
                self.admin_site.admin_view(self.copy_defaults_view),
                name="authorizations_servicecode_copy_defaults",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not ServiceCode.objects.filter(organization=request.organization).exists():
            defaults = ", ".join(code.code for code in DEFAULT_SERVICE_CODES)
            button = ""
            if self.has_add_permission(request):
                button = format_html(
                    ' <form method="post" action="{}" style="display:inline">'
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                    '<button type="submit" class="button">Copy the defaults into your list</button></form>',
                    reverse("admin:authorizations_servicecode_copy_defaults"),
                    get_token(request),
                )
            messages.info(
                request,
                format_html(
                    "This organization has not saved any service codes, so the default list applies: {}. "
                    "Saving any code replaces the whole default list with yours.{}",
                    defaults,
                    button,
                ),
            )
        return super().changelist_view(request, extra_context)

    def copy_defaults_view(self, request):
        """Add each default code the organization does not have yet (idempotent)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        with transaction.atomic():
            have = set(ServiceCode.objects.values_list("code_system", "code"))
            added = [
                ServiceCode.objects.create(
                    organization=request.organization,
                    code_system=default.code_system,
                    code=default.code,
                    descriptor=default.descriptor,
                    track=default.track,
                    unit_type=default.unit_type,
                )
                for default in DEFAULT_SERVICE_CODES
                if (default.code_system, default.code) not in have
            ]
        messages.success(request, f"Copied {len(added)} default code(s) into this organization's list.")
        return HttpResponseRedirect(reverse("admin:authorizations_servicecode_changelist"))


# --- What the app records (read-only here) ---------------------------------------------------------


@admin.register(Coverage)
class CoverageAdmin(ReadOnlyAdmin):
    """Coverages are recorded on the client's page (services check plans, dates and priorities)."""

    audit_client_field = "client_id"
    list_display = ["__str__", "payer", "plan", "priority", "effective_from", "effective_to", "created_at"]
    list_filter = ["priority", ("payer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["payer", "plan"]


@admin.register(BenefitVerification)
class BenefitVerificationAdmin(ReadOnlyAdmin):
    audit_client_field = "coverage.client_id"
    list_display = [
        "__str__",
        "verified_at",
        "method",
        "network_status",
        "mental_health_iop",
        "substance_use_iop",
        "authorization_required",
    ]
    list_filter = ["method", "network_status", "authorization_required"]
    list_select_related = ["coverage"]


@admin.register(AuthorizationRequest)
class AuthorizationRequestAdmin(ReadOnlyAdmin):
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "status", "urgency", "certification_type", "start_date", "end_date", "submitted_at"]
    list_filter = ["status", "urgency", "certification_type"]
    list_select_related = ["episode"]


@admin.register(Determination)
class DeterminationAdmin(ReadOnlyAdmin):
    audit_client_field = "request.episode.client_id"
    list_display = [
        "__str__",
        "action",
        "authorization_number",
        "approved_units",
        "start_date",
        "end_date",
        "decided_at",
    ]
    list_filter = ["action"]
    list_select_related = ["request__episode"]


class AuthorizationLineInline(TenantInline):
    """The approved codes, each with its units and window (written by determinations only)."""

    model = AuthorizationLine
    readonly_fields = (
        "code",
        "status",
        "unit_type",
        "units_authorized",
        "units_requested",
        "start_date",
        "end_date",
        "requested_end_date",
        "determination",
    )
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    """`code`, `unit_type` and `units_authorized` are the primary line's (kept equal to the lines)."""

    audit_client_field = "episode.client_id"
    list_display = ["__str__", "code", "unit_type", "units_authorized", "start_date", "end_date", "status"]
    list_filter = ["status", "unit_type"]
    list_select_related = ["episode"]
    inlines = [AuthorizationLineInline]


@admin.register(ChaseTask)
class ChaseTaskAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "due_date", "created_at", "done_at"]
    list_filter = ["kind", ("done_at", admin.EmptyFieldListFilter)]


@admin.register(UnauthorizedDay)
class UnauthorizedDayAdmin(ReadOnlyAdmin):
    audit_client_field = "episode.client_id"
    list_display = ["__str__", "local_date", "kind", "flagged_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["episode"]


# --- Concurrent reviews (reviews) ---------------------------------------------------------------------


@admin.register(ConcurrentReview)
class ConcurrentReviewAdmin(ReadOnlyAdmin):
    """Reviews are scheduled, moved and decided in the app (the review page), through the calendar
    and outcome services; shown here for support. Opening one is audited."""

    audit_client_field = "episode.client_id"
    list_display = ["__str__", "review_date", "status", "submission_due_at", "clinician", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["episode", "clinician"]
    exclude = [
        "progress_since_last_review",
        "risk_note",
        "medications_note",
        "standardized_scores",
        "discharge_plan",
    ]


# --- Review packets (packets) --------------------------------------------------------------------------


class PacketChecklistItemForm(forms.ModelForm):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns (the stubs allow None)
        # The organization is not a form field, so Django skips the unique (organization, payer,
        # element) check.
        duplicate = PacketChecklistItem.objects.filter(payer=cleaned.get("payer"), element=cleaned.get("element"))
        if duplicate.exclude(pk=self.instance.pk).exists():
            self.add_error("element", "This element is already on that payer's checklist.")
        return cleaned


@admin.register(PacketChecklistItem)
class PacketChecklistItemAdmin(PayerConfigAdmin):
    """What a review packet must hold, per payer. A payer's own items replace the general ones
    (payer empty); until any are saved the defaults apply (units asked, attendance, hours,
    diagnoses, goals, progress, risk, medications, discharge plan required; scores and criteria
    optional)."""

    form = PacketChecklistItemForm
    list_display = ["element", "payer", "is_required", "position"]
    list_filter = ["payer", "is_required"]
    list_select_related = ["payer"]
    fields = ["payer", "element", "is_required", "position"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "payer":
            kwargs["queryset"] = Payer.objects.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReviewPacket)
class ReviewPacketAdmin(ReadOnlyAdmin):
    """Packets are prepared in the app (the review page, the evening job); the PDF is downloaded
    there through the audited view, never here."""

    audit_client_field = "review.episode.client_id"
    list_display = ["__str__", "prepared_at", "prepared_by", "missing", "page_count"]
    list_select_related = ["review__episode", "prepared_by"]
    exclude = ["pdf"]


# --- Denials and appeals ----------------------------------------------------------------------------


class ReviewRegimeForm(forms.ModelForm):
    def clean_name(self):
        # The organization is not a form field, so Django skips the unique (organization, name) check.
        name = self.cleaned_data["name"].strip()
        if ReviewRegime.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"“{name}” is already a regime of this organization.")
        return name

    def clean_is_default(self):
        is_default = self.cleaned_data["is_default"]
        if is_default and ReviewRegime.objects.filter(is_default=True).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another regime is the default: untick it there first.")
        return is_default


@admin.register(ReviewRegime)
class ReviewRegimeAdmin(PayerConfigAdmin):
    """Whose appeal clocks apply: ERISA/ACA commercial, Medicare Advantage, Medicaid/CHIP managed
    care (CMS-0057-F), or a state's stricter rule. A plan names its regime, else its payer, else the
    default applies. "Add the federal regimes" creates the three with their sourced numbers."""

    form = ReviewRegimeForm
    list_display = [
        "name",
        "is_default",
        "day_count",
        "internal_appeal_levels",
        "internal_appeal_standard_days",
        "internal_appeal_expedited_hours",
        "external_review_filing_days",
        "external_review_standard_days",
        "external_review_expedited_hours",
    ]
    fields = [
        ("name", "is_default"),
        "day_count",
        ("internal_appeal_levels", "internal_appeal_standard_days", "internal_appeal_expedited_hours"),
        ("external_review_filing_days", "external_review_standard_days", "external_review_expedited_hours"),
        "notes",
    ]

    def get_urls(self):
        return [
            path(
                "ensure-federal/",
                self.admin_site.admin_view(self.ensure_federal_view),
                name="authorizations_reviewregime_ensure_federal",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and self.has_add_permission(request):
            messages.info(
                request,
                format_html(
                    "The federal regimes (ERISA/ACA commercial, Medicare Advantage, Medicaid/CHIP managed care) "
                    "can be added with their sourced numbers; existing ones are left as they are. "
                    '<form method="post" action="{}" style="display:inline">'
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                    '<button type="submit" class="button">Add the federal regimes</button></form>',
                    reverse("admin:authorizations_reviewregime_ensure_federal"),
                    get_token(request),
                ),
            )
        return super().changelist_view(request, extra_context)

    def ensure_federal_view(self, request):
        from authorizations.appeals.clocks import regimes_ensure

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        with transaction.atomic():
            regimes_ensure(request.organization)
        messages.success(request, "The federal regimes are in place.")
        return HttpResponseRedirect(reverse("admin:authorizations_reviewregime_changelist"))

    def has_delete_permission(self, request, obj=None):
        return False  # cases and plans refer to it


class PeerToPeerInline(TenantInline):
    model = PeerToPeer
    fields = ("scheduled_at", "clinician", "payer_physician", "status", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppealInline(TenantInline):
    model = Appeal
    fields = ("level", "expedited", "filing_due_at", "filed_at", "decision_due_at", "outcome", "decided_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DenialCase)
class DenialCaseAdmin(ReadOnlyAdmin):
    """Denial cases are worked on the Denials & appeals pages; shown here with their peer-to-peers
    and appeals. The reason and the letters are not shown (clinical: read them in the app)."""

    audit_client_field = "episode.client_id"
    list_display = ["__str__", "status", "letter_received_at", "p2p_due_at", "expedited", "regime", "closed_at"]
    list_filter = ["status", "expedited", "regime"]
    list_select_related = ["regime", "episode"]
    exclude = ["reason"]
    inlines = [PeerToPeerInline, AppealInline]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    audit_client_field = "case.episode.client_id"
    list_display = ["__str__", "level", "expedited", "filing_due_at", "filed_at", "decision_due_at", "outcome"]
    list_filter = ["level", "outcome", "expedited"]
    list_select_related = ["case__episode"]
    exclude = ["letter"]
