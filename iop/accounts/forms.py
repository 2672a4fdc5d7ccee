"""Forms for staff accounts (shape of input only; rules live in the services)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from iop.tenancy.models import Role


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Repeat the password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, has_account: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_account = has_account
        if has_account:
            # An existing staff member joins another organization and keeps their password.
            for name in ("full_name", "password1", "password2"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if cleaned is not None and not self.has_account:
            first, second = cleaned.get("password1"), cleaned.get("password2")
            if first and second and first != second:
                self.add_error("password2", "The two passwords do not match.")
        return cleaned


class InvitationCreateForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    is_active = forms.BooleanField(
        label="Active member",
        required=False,
        help_text="Untick to remove this person's access to the organization; their sessions end at once.",
    )


# Offered lifetimes, in days; only those within IOP_API_TOKEN_TTL_DAYS, which is always offered.
API_TOKEN_LIFETIMES = (7, 30, 90, 180, 365)


def api_token_lifetime_choices() -> list[tuple[int, str]]:
    longest = settings.IOP_API_TOKEN_TTL_DAYS
    days = sorted({d for d in API_TOKEN_LIFETIMES if d < longest} | {longest})
    return [(d, "1 day" if d == 1 else f"{d} days") for d in days]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=80, help_text="What the token is for, e.g. “EHR export”.")
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        help_text="Every token expires; create a new one before then.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The setting is read per form, not at import: a changed setting is offered at once.
        field = self.fields["expires_in_days"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = api_token_lifetime_choices()
        field.initial = settings.IOP_API_TOKEN_TTL_DAYS
