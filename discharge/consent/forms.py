"""Forms of the consent pages: shape only (types, choices, required); the §2.31 rules and the
coverage of a transmission are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms

from discharge.models import AftercareProvider, DisclosurePurpose, InformationKind, SignatureMethod, TransmissionChannel
from iop.clients.models import Client
from iop.common.forms import DateInput, OrganizationChoiceField
from iop.tenancy.models import Organization


def _providers(organization: Organization):
    return AftercareProvider.objects.filter(organization=organization, is_active=True).order_by("name")


def _partners(client: Client):
    """The client's partners (couples, open or ended): the only clients a consent names."""
    from iop.clients.selectors import client_couples

    ids = {c.partner_b_id if c.partner_a_id == client.pk else c.partner_a_id for c in client_couples(client=client)}
    return Client.objects.filter(organization_id=client.organization_id, pk__in=ids).order_by("last_name", "first_name")


class _PartnerChoiceField(OrganizationChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


def local_noon(organization: Organization, day: dt.date | None, *, now: dt.datetime) -> dt.datetime | None:
    """A date typed on a form as an instant: now for today, local noon for another day."""
    if day is None:
        return None
    if day == organization.local_today(now):
        return now
    return organization.local_datetime(day, dt.time(12, 0))


def _set_choices(form: forms.Form, *, organization: Organization, client: Client) -> None:
    provider_field = form.fields["recipient_provider"]
    client_field = form.fields["recipient_client"]
    assert isinstance(provider_field, forms.ModelChoiceField) and isinstance(client_field, forms.ModelChoiceField)
    provider_field.queryset = _providers(organization)
    client_field.queryset = _partners(client)


class ConsentForm(forms.Form):
    information = forms.MultipleChoiceField(
        label="Information that may be disclosed", choices=InformationKind.choices, widget=forms.CheckboxSelectMultiple
    )
    information_detail = forms.CharField(
        label="What information, in words (optional)",
        max_length=500,
        required=False,
        help_text="How much and what kind: for example, records from admission to discharge.",
    )
    recipient_provider = OrganizationChoiceField(
        label="To a provider", queryset=AftercareProvider.all_objects.none(), required=False
    )
    recipient_client = _PartnerChoiceField(
        label="To the client's partner", queryset=Client.all_objects.none(), required=False
    )
    recipient_name = forms.CharField(
        label="To a person or class of persons, named",
        max_length=200,
        required=False,
        help_text="Only when the recipient is neither a provider in the directory nor the partner.",
    )
    purpose = forms.ChoiceField(label="Purpose", choices=DisclosurePurpose.choices)
    purpose_detail = forms.CharField(label="Purpose, in words (optional)", max_length=300, required=False)
    expires_on = forms.DateField(label="Expires on", required=False, widget=DateInput)
    expiry_event = forms.CharField(
        label="Or expires on this event", max_length=200, required=False, help_text="For example: end of treatment."
    )
    right_to_revoke_explained = forms.BooleanField(
        label="The client was told they may revoke this consent at any time, in writing, and how",
        required=False,
    )
    signature_method = forms.ChoiceField(
        label="Signature", choices=SignatureMethod.choices, widget=forms.RadioSelect, initial=SignatureMethod.ELECTRONIC
    )
    signed_name = forms.CharField(
        label="Signed name", max_length=160, help_text="Electronic: the client types their own name."
    )
    signature_confirmed = forms.BooleanField(
        label="The client ticks: “I sign this consent electronically”", required=False
    )
    signed_on = forms.DateField(label="Signed on (paper)", required=False, widget=DateInput)

    def __init__(self, *args, organization: Organization, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        _set_choices(self, organization=organization, client=client)


class RevokeForm(forms.Form):
    note = forms.CharField(label="How the client revoked it", max_length=300, required=False)
    revoked_on = forms.DateField(label="Revoked on", required=False, widget=DateInput, help_text="Default: today.")


class SendForm(forms.Form):
    recipient_provider = OrganizationChoiceField(
        label="To a provider", queryset=AftercareProvider.all_objects.none(), required=False
    )
    recipient_client = _PartnerChoiceField(
        label="Or to the client's partner", queryset=Client.all_objects.none(), required=False
    )
    purpose = forms.ChoiceField(
        label="Purpose", choices=DisclosurePurpose.choices, initial=DisclosurePurpose.CONTINUITY
    )
    information = forms.MultipleChoiceField(
        label="Information to send",
        choices=InformationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty to send everything the consent covers.",
    )
    channel = forms.ChoiceField(label="Sent by", choices=TransmissionChannel.choices)
    sent_on = forms.DateField(label="Sent on", required=False, widget=DateInput, help_text="Default: today.")

    def __init__(self, *args, organization: Organization, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        _set_choices(self, organization=organization, client=client)


class AccountingForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput)
    end = forms.DateField(label="To", widget=DateInput)
