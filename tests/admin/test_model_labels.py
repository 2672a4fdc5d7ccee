"""Every model of ours reads well in admin (issue #13): its plural is English ("reminder dispatches",
not "reminder dispatchs"), and a record's label is words — never "ReminderDispatch object (3)", a
bare id or code, "None", or a client's name (admin's change log is global; PHI stays out).

The catalogue walks every installed model of our apps, history (pghistory) models included, so a
model added later is checked without a line here. Labels are read off in-memory records built
from each model's fields (`_record`): no database, so a label that queries fails too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid

import pytest
from django.apps import apps
from django.db import models

OUR_APPS = {
    "tenancy",
    "accounts",
    "audit",
    "clients",
    "common",
    "notifications",
    "scheduling",
    "attendance",
    "authorizations",
    "discharge",
}
OUR_MODELS = sorted(
    (m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m._meta.abstract),
    key=lambda m: m._meta.label,
)

# Nouns that are plural already (or have no plural).
UNCOUNTABLE = {"settings"}


def english_plural(noun_phrase: str) -> str:
    """The plural of a noun phrase by its last word, as English spells it."""
    head, space, last = noun_phrase.rpartition(" ")
    if last in UNCOUNTABLE:
        plural = last
    elif last.endswith("is"):  # diagnosis → diagnoses
        plural = last[:-2] + "es"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    elif last.endswith("y") and last[-2:-1] not in set("aeiou"):
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return f"{head}{space}{plural}"


@pytest.mark.parametrize(
    ("noun", "plural"),
    [
        ("reminder dispatch", "reminder dispatches"),
        ("roster entry", "roster entries"),
        ("diagnosis", "diagnoses"),
        ("facilitator absence", "facilitator absences"),
        ("scheduling settings", "scheduling settings"),
        ("review day", "review days"),
        ("tax", "taxes"),
        ("wish", "wishes"),
    ],
)
def test_the_plural_rule(noun, plural):
    assert english_plural(noun) == plural


def test_the_catalogue_holds_our_models_and_their_history():
    labels = {m._meta.label for m in OUR_MODELS}
    assert {"scheduling.ReminderDispatch", "clients.Client", "clients.ClientEvent", "discharge.Consent"} <= labels


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_verbose_name_plural_is_english(model):
    name, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    assert plural == english_plural(name), f"{model._meta.label}: '{plural}', not '{english_plural(name)}'"


# Django splits a class name at its capitals: "PeerToPeer" became "peer to peer", "ApiToken" "api token".
MISSPELLED = re.compile(r"\b(api|sms|pdf|npi|x12|peer to peer|follow up|step down)\b")


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_verbose_name_keeps_acronyms_and_hyphens(model):
    assert not MISSPELLED.search(str(model._meta.verbose_name)), model._meta.verbose_name


# --- labels -------------------------------------------------------------------------------------

# Text fields that hold a name or title are filled with words; every other text field with a
# code-like token ("Q7"), so a label made of nothing but a code or an id reads as no words at all.
NAME_FIELDS = {"name", "full_name", "title", "label", "descriptor", "description", "payer_physician"}
# A client's identity (HIPAA identifiers), on the records that hold it: none of it may reach a label.
PHI_MODELS = {"clients.Client", "authorizations.Coverage", "discharge.Consent"}
PHI_FIELDS = {
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "member_id",
    "subscriber_name",
    "subscriber_date_of_birth",
    "signed_name",
    "emergency_contact_name",
    "emergency_contact_phone",
}
PHI_TEXT = "Quistgaard"
PHI_DATE = dt.date(1931, 7, 4)
SAMPLE_DATE = dt.date(2026, 3, 2)
SAMPLE_INSTANT = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)


def _is_phi(field: models.Field) -> bool:
    tracked = getattr(field.model, "pgh_tracked_model", None) or field.model
    return field.name in PHI_FIELDS and tracked._meta.label in PHI_MODELS


def _value(field: models.Field):
    if _is_phi(field):
        if isinstance(field, models.DateField):
            return PHI_DATE
        return f"{PHI_TEXT}@example.test" if isinstance(field, models.EmailField) else PHI_TEXT
    if field.choices:
        return field.choices[0][0]
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.DateTimeField):
        return SAMPLE_INSTANT
    if isinstance(field, models.DateField):
        return SAMPLE_DATE
    if isinstance(field, models.TimeField):
        return dt.time(9, 30)
    if isinstance(field, models.DurationField):
        return dt.timedelta(minutes=90)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("6.0")
    if isinstance(field, models.IntegerField | models.FloatField):
        return 3
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.EmailField):
        return "staff@example.test"
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, models.FileField):
        return "private/sample.pdf"
    if isinstance(field, models.CharField | models.TextField):
        return f"Sample {field.name.replace('_', ' ')}" if field.name in NAME_FIELDS else "Q7"
    internal = field.get_internal_type()
    if internal == "ArrayField":
        return []
    if internal == "DateTimeRangeField":
        return field.range_type(SAMPLE_INSTANT, SAMPLE_INSTANT + dt.timedelta(minutes=90))
    raise AssertionError(f"No sample value for {field.model._meta.label}.{field.name} ({internal})")


def _record(model, built=None):
    """An unsaved record of `model` with every field set, its required relations built the same
    way (optional ones left empty, as they may be)."""
    built = {} if built is None else built
    if model in built:
        return built[model]
    record = model()
    built[model] = record
    for field in model._meta.concrete_fields:
        if field.primary_key and field.has_default():
            continue
        if field.is_relation:
            if not field.null:
                setattr(record, field.name, _record(field.related_model, built))
            continue
        setattr(record, field.attname, _value(field))
    return record


ID_LIKE = re.compile(r"#?\b[0-9a-f]{8}(?:-[0-9a-f]{4}){0,3}(?:-[0-9a-f]{12})?\b")


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_label_reads_as_words_without_the_client(model):
    record = _record(model)
    label = str(record)  # no database here: a label that queries raises
    assert "object (" not in label
    assert not re.search(r"\bNone\b", label), label
    assert label.strip() and label != str(record.pk)
    assert re.search(r"[A-Za-z]{3,}", ID_LIKE.sub(" ", label)), f"{model._meta.label}: {label!r} has no words"
    assert PHI_TEXT not in label and str(PHI_DATE.year) not in label, f"{model._meta.label}: {label!r}"


def test_labels_of_a_few_records_read_as_meant():
    from authorizations.models import Diagnosis
    from iop.clients.models import Client, EpisodeStatusChange
    from scheduling.models import ReminderDispatch

    client = _record(Client)
    assert str(client) == f"Client #{str(client.pk)[:8]}"
    assert str(ReminderDispatch(channel="sms", local_date=SAMPLE_DATE)) == "Text message (SMS) reminder for 2026-03-02"
    assert str(EpisodeStatusChange(from_status="intake", to_status="active")) == "Status change: Intake → Active"
    assert str(Diagnosis(code="F33.1", sequence=1)) == "Diagnosis F33.1 (primary)"
    assert str(Diagnosis(code="F41.1", sequence=2)) == "Diagnosis F41.1"
