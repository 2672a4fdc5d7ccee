"""API shapes for consents and disclosures. A disclosure's document is downloaded through its
audited endpoint, never inlined."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discharge.models import (
    AftercareProvider,
    Consent,
    Disclosure,
    DisclosurePurpose,
    InformationKind,
    SignatureMethod,
    TransmissionChannel,
)
from iop.clients.models import Client, Episode
from iop.common.serializers import TenantScopedPrimaryKeyRelatedField

from .scope import STATE_LABELS, consent_state


def _name(user) -> str | None:
    return (user.get_full_name() or user.email) if user is not None else None


class ConsentSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    recipient_provider = serializers.UUIDField(source="recipient_provider_id", read_only=True, allow_null=True)
    recipient_client = serializers.UUIDField(source="recipient_client_id", read_only=True, allow_null=True)
    state = serializers.SerializerMethodField(help_text="valid, expired or revoked (the organization's local date).")
    recorded_by = serializers.SerializerMethodField()
    revoked_by = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "client",
            "state",
            "disclosing_party",
            "information",
            "information_detail",
            "recipient_provider",
            "recipient_client",
            "recipient_name",
            "purpose",
            "purpose_detail",
            "expires_on",
            "expiry_event",
            "expiry_event_occurred_at",
            "right_to_revoke_explained",
            "signed_name",
            "signed_at",
            "signature_method",
            "recorded_by",
            "revoked_at",
            "revoked_by",
            "revocation_note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=list(STATE_LABELS)))
    def get_state(self, obj: Consent) -> str:
        return consent_state(obj, today=obj.organization.local_today()).value

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by(self, obj: Consent) -> str | None:
        return _name(obj.recorded_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_revoked_by(self, obj: Consent) -> str | None:
        return _name(obj.revoked_by)


class ConsentCreateSerializer(serializers.Serializer):
    client = TenantScopedPrimaryKeyRelatedField(queryset=Client.objects, model_name="client")
    information = serializers.ListField(
        child=serializers.ChoiceField(choices=InformationKind.choices), allow_empty=False
    )
    information_detail = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    recipient_provider = TenantScopedPrimaryKeyRelatedField(
        queryset=AftercareProvider.objects, model_name="provider", required=False, allow_null=True, default=None
    )
    recipient_client = TenantScopedPrimaryKeyRelatedField(
        queryset=Client.objects, model_name="client", required=False, allow_null=True, default=None
    )
    recipient_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    purpose = serializers.ChoiceField(choices=DisclosurePurpose.choices)
    purpose_detail = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    disclosing_party = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    expiry_event = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    right_to_revoke_explained = serializers.BooleanField()
    signed_name = serializers.CharField(max_length=160)
    signature_method = serializers.ChoiceField(choices=SignatureMethod.choices)
    signature_confirmed = serializers.BooleanField(required=False, default=False)
    signed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class RevokeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    revoked_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DisclosureSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True, allow_null=True)
    consent = serializers.UUIDField(source="consent_id", read_only=True)
    recipient_provider = serializers.UUIDField(source="recipient_provider_id", read_only=True, allow_null=True)
    sent_by = serializers.SerializerMethodField()

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "client",
            "episode",
            "consent",
            "recipient_provider",
            "recipient_name",
            "purpose",
            "information",
            "channel",
            "sent_at",
            "sent_by",
            "page_count",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_sent_by(self, obj: Disclosure) -> str | None:
        return _name(obj.sent_by)


class SendSerializer(serializers.Serializer):
    episode = TenantScopedPrimaryKeyRelatedField(queryset=Episode.objects, model_name="episode")
    recipient_provider = TenantScopedPrimaryKeyRelatedField(
        queryset=AftercareProvider.objects, model_name="provider", required=False, allow_null=True, default=None
    )
    recipient_client = TenantScopedPrimaryKeyRelatedField(
        queryset=Client.objects, model_name="client", required=False, allow_null=True, default=None
    )
    recipient_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    purpose = serializers.ChoiceField(choices=DisclosurePurpose.choices)
    information = serializers.ListField(
        child=serializers.ChoiceField(choices=InformationKind.choices),
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit to send every section the covering consent covers.",
    )
    channel = serializers.ChoiceField(choices=TransmissionChannel.choices)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AccountingQuerySerializer(serializers.Serializer):
    client = serializers.UUIDField()
    start = serializers.DateField()
    end = serializers.DateField()
