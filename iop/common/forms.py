"""Form helpers every page of the browser UI shares.

Forms only check the shape of input (types, required, choices). Business rules live in the
services; when a service refuses, `forms_add_application_error` puts its `ApplicationError` on the
forms the person filled in, so every refusal is shown next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.formsets import BaseFormSet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from iop.common.exceptions import ApplicationError


class DateInput(forms.DateInput):
    """The browser's date picker; it submits ISO dates, which every DateField parses."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class Time24Input(forms.TimeInput):
    """A time typed as HH:MM on the 24-hour clock, the way every time in the app is written. The
    browser's `type="time"` shows its locale's clock instead (an en-US browser writes "01:30 PM" in a
    row whose session says 13:30), so this is a text box with a numeric keypad."""

    FORMAT = "%H:%M"

    def __init__(self, attrs=None):
        defaults = {
            "class": "input--time",
            "inputmode": "numeric",
            "placeholder": "HH:MM",
            "maxlength": "5",
            "autocomplete": "off",
            "spellcheck": "false",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=self.FORMAT)


class Time24Field(forms.TimeField):
    """A time of day on the 24-hour clock: "13:05", "9:05", or "1305" (a phone's numeric keypad
    may have no colon). A 12-hour time ("1:05 PM") is refused rather than guessed."""

    widget = Time24Input
    input_formats = ["%H:%M", "%H%M"]
    default_error_messages = {"invalid": "Enter the time as HH:MM on the 24-hour clock, for example 13:05."}


def _attrs_html(attrs: dict) -> SafeString:
    # As django/forms/widgets/attrs.html writes them: True as a bare name, False left out.
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class LongSelect(forms.Select):
    """A select of many options (every client in care) written here rather than through the
    widget templates, where each option is an include of its own: ~0.1 ms an option, tens of ms
    for a page at a large program (issue #15). The same HTML as `forms.Select`."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)  # option groups: the templates
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            (
                (option["value"], _attrs_html(option["attrs"]), option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], _attrs_html(widget["attrs"]), options)


class OrganizationChoiceField(forms.ModelChoiceField):
    """A choice among the organization's rows (its queryset is set by the form). A malformed id
    gets the same message as an unknown or foreign one, instead of "not a valid UUID"."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from exc


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary at the top of a page: the message and the field it is about."""

    text: str
    href: str = ""


def _field_anchor(bound_field) -> str:
    # A group of checkboxes or radios has no element with the field's own id; link to the first.
    if bound_field.use_fieldset and bound_field.auto_id:
        return f"#{bound_field.auto_id}_0"
    return f"#{bound_field.auto_id}" if bound_field.auto_id else ""


def _form_error_links(form: forms.BaseForm, label_prefix: str = "") -> list[ErrorLink]:
    # A form that is one of many alike on a page (a roll call's row per client) names what it is
    # about, so a line of the summary says whose field is wrong, not only which field.
    subject = getattr(form, "error_subject", "")
    subject = f"{subject} — " if subject else ""
    links = [ErrorLink(text=f"{subject}{message}") for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound_field = form[name]
        label = f"{label_prefix}{subject}{bound_field.label}"
        links.extend(ErrorLink(text=f"{label}: {message}", href=_field_anchor(bound_field)) for message in messages)
    return links


def error_summary(*parts: forms.BaseForm | BaseFormSet) -> list[ErrorLink]:
    """Every error of a page's forms, in page order, each linking to its field (GOV.UK pattern)."""
    links: list[ErrorLink] = []
    for part in parts:
        if not part.is_bound:
            continue
        if isinstance(part, BaseFormSet):
            legend = getattr(part, "legend", (part.prefix or "").replace("_", " ").capitalize())
            links.extend(ErrorLink(text=str(m), href=f"#{part.prefix}") for m in part.non_form_errors())
            for number, form in enumerate(part.forms, start=1):
                links.extend(_form_error_links(form, label_prefix=f"{legend} {number}, "))
        else:
            links.extend(_form_error_links(part))
    return links


def forms_add_application_error(exc: ApplicationError, *parts: forms.BaseForm | BaseFormSet) -> None:
    """Show a service's refusal on the forms of the page.

    Field messages go to the first form that has that field, or to the formset whose prefix is
    the key (e.g. `availability`); the overall message goes on top unless a field already says
    the same thing. Anything that names no field on the page is shown on top too, so no refusal
    is ever silently dropped.
    """
    form_parts = [p for p in parts if not isinstance(p, BaseFormSet)]
    top_form = form_parts[0]
    placed_messages: set[str] = set()
    for key, messages in exc.extra.items():
        messages = [messages] if isinstance(messages, str) else list(messages)
        owner = next((f for f in form_parts if key in f.fields), None)
        formset = next((p for p in parts if isinstance(p, BaseFormSet) and p.prefix == key), None)
        if owner is not None:
            for message in messages:
                owner.add_error(key, message)
        elif formset is not None:
            # `non_form_errors()` returns the formset's own ErrorList, so extending it sticks.
            formset.non_form_errors().extend(messages)
        else:
            for message in messages:
                top_form.add_error(None, message)
        placed_messages.update(str(m) for m in messages)
    if exc.message not in placed_messages:
        top_form.add_error(None, exc.message)


def forms_are_valid(parts: Iterable[forms.BaseForm | BaseFormSet]) -> bool:
    """Validate every part (not stopping at the first invalid one, so all errors show at once)."""
    return all([part.is_valid() for part in parts])


# --- Accounts ---------------------------------------------------------------------------------
