from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt

from iop.accounts.models import User
from iop.clients.models import Client, Episode, TreatmentPlan
from iop.tenancy.models import Membership, Organization, Program

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    timezone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "va"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    default_min_weekly_hours = Decimal("9.0")
    default_min_days_per_week = 3


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organization = factory.SubFactory(OrganizationFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=70)
    email = factory.LazyAttribute(lambda c: f"{c.first_name.lower()}.{c.last_name.lower()}@example.test")
    phone = "555-0100"


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    organization = factory.SubFactory(OrganizationFactory)
    client = factory.SubFactory(ClientFactory, organization=factory.SelfAttribute("..organization"))
    program = factory.SubFactory(ProgramFactory, organization=factory.SelfAttribute("..organization"))
    status = "active"
    # Relative to the organization's date: on a New York evening the machine's (UTC) date is tomorrow.
    referral_date = factory.LazyAttribute(lambda e: e.organization.local_today() - dt.timedelta(days=20))
    admission_date = factory.LazyAttribute(lambda e: e.organization.local_today() - dt.timedelta(days=14))


class TreatmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPlan

    organization = factory.SubFactory(OrganizationFactory)
    episode = factory.SubFactory(EpisodeFactory, organization=factory.SelfAttribute("..organization"))
    required_hours_per_week = Decimal("9.0")
    required_days_per_week = 3
    tracks = ["group"]
    effective_from = factory.LazyAttribute(lambda p: p.organization.local_today() - dt.timedelta(days=14))


def enable_totp(user: User) -> str:
    """Give `user` a confirmed TOTP authenticator; returns the secret (to compute codes)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, *, steps_ago: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ago` 30-second steps before now)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter - steps_ago))
