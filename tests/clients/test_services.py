"""Client, episode, plan and couple services: the rules, and that refused input changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from iop.clients import services
from iop.clients.models import AvailabilityWindow, Client, Couple, Episode, EpisodeStatusChange, TreatmentPlan
from iop.clients.services import Availability
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context

from ..factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(harbor):
    """Harbor's local date (after 19:00 in New York the machine's UTC date is already tomorrow), read
    when the test runs, not when the module is imported (a run may cross midnight)."""
    return harbor.local_today()


def _intake(org, program, actor, **overrides):
    kwargs = dict(
        organization=org,
        actor=actor,
        client_fields={"first_name": "Maya", "last_name": "Ortiz", "date_of_birth": dt.date(1990, 4, 2)},
        program=program,
        referral_date=org.local_today() - dt.timedelta(days=3),
        required_hours_per_week=None,
        required_days_per_week=None,
        tracks=["group", "individual"],
        availability=[Availability(0, dt.time(9), dt.time(12, 30))],
    )
    kwargs.update(overrides)
    return services.client_intake(**kwargs)


def test_intake_creates_client_episode_plan_with_program_defaults(in_harbor, harbor_program, harbor_intake):
    episode = _intake(in_harbor, harbor_program, harbor_intake)
    assert episode.status == "referred"
    plan = TreatmentPlan.objects.get(episode=episode)
    assert plan.required_hours_per_week == Decimal("9.0")
    assert plan.required_days_per_week == 3
    assert list(plan.availability.values_list("weekday", flat=True)) == [0]
    assert EpisodeStatusChange.objects.get(episode=episode).to_status == "referred"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            lambda today: {
                "client_fields": {"first_name": "A", "last_name": "B", "date_of_birth": today + dt.timedelta(days=1)}
            },
            "date_of_birth",
        ),
        (lambda today: {"referral_date": today + dt.timedelta(days=5)}, "referral_date"),
        (lambda today: {"required_hours_per_week": Decimal("99")}, "required_hours_per_week"),
        (lambda today: {"required_days_per_week": 8}, "required_days_per_week"),
        (lambda today: {"tracks": ["astrology"]}, "tracks"),
        (lambda today: {"availability": [Availability(1, dt.time(12), dt.time(9))]}, "availability"),
        (
            lambda today: {
                "availability": [Availability(1, dt.time(9), dt.time(12)), Availability(1, dt.time(11), dt.time(13))]
            },
            "availability",
        ),
    ],
)
def test_bad_intake_input_is_refused_and_nothing_is_written(
    in_harbor, harbor_program, harbor_intake, today, overrides, field
):
    with pytest.raises(ApplicationError) as excinfo:
        _intake(in_harbor, harbor_program, harbor_intake, **overrides(today))
    assert field in excinfo.value.extra
    assert not Client.objects.exists()
    assert not Episode.objects.exists()
    assert not TreatmentPlan.objects.exists()
    assert not AvailabilityWindow.objects.exists()


def test_unknown_program_is_refused(in_harbor, harbor_intake, summit_program):
    with pytest.raises(ApplicationError, match="active programs"):
        _intake(in_harbor, summit_program, harbor_intake)
    assert not Client.objects.exists()


def test_episode_workflow_and_illegal_transitions(in_harbor, harbor_program, harbor_intake, today):
    episode = _intake(in_harbor, harbor_program, harbor_intake)
    with pytest.raises(ApplicationError, match="cannot become discharged|cannot become stepped down"):
        services.episode_transition(episode=episode, to_status="step_down", effective_date=today, actor=harbor_intake)
    episode.refresh_from_db()
    assert episode.status == "referred"
    episode = services.episode_transition(
        episode=episode, to_status="intake", effective_date=today, actor=harbor_intake
    )
    episode = services.episode_transition(
        episode=episode, to_status="active", effective_date=today, actor=harbor_intake
    )
    assert episode.admission_date == today
    with pytest.raises(ApplicationError, match="before the admission date"):
        services.episode_transition(
            episode=episode, to_status="discharged", effective_date=today - dt.timedelta(days=1), actor=harbor_intake
        )
    episode = services.episode_transition(
        episode=episode, to_status="discharged", effective_date=today, actor=harbor_intake
    )
    assert episode.discharge_date == today
    assert episode.status_changed_by == harbor_intake
    with pytest.raises(ApplicationError, match="cannot become active"):
        services.episode_transition(episode=episode, to_status="active", effective_date=today, actor=harbor_intake)
    assert [c.to_status for c in EpisodeStatusChange.objects.filter(episode=episode).order_by("changed_at")] == [
        "referred",
        "intake",
        "active",
        "discharged",
    ]


def test_second_open_episode_is_refused(in_harbor, harbor_program, harbor_intake, today):
    episode = _intake(in_harbor, harbor_program, harbor_intake)
    with pytest.raises(ApplicationError, match="already has an open episode"):
        services.episode_create(
            organization=in_harbor,
            client=episode.client,
            program=harbor_program,
            referral_date=today,
            actor=harbor_intake,
        )
    assert Episode.objects.count() == 1


def test_couple_rules(in_harbor, today):
    a, b, c = ClientFactory.create_batch(3, organization=in_harbor)
    with pytest.raises(ApplicationError, match="two different clients"):
        services.couple_create(organization=in_harbor, partner_one=a, partner_two=a, started_on=today)
    with pytest.raises(ApplicationError, match="identified patient"):
        services.couple_create(
            organization=in_harbor, partner_one=a, partner_two=b, identified_patient=c, started_on=today
        )
    couple = services.couple_create(
        organization=in_harbor, partner_one=b, partner_two=a, identified_patient=b, started_on=today
    )
    assert {couple.partner_a, couple.partner_b} == {a, b}
    assert couple.partner_a.pk < couple.partner_b.pk
    with pytest.raises(ApplicationError, match="already in a couple"):
        services.couple_create(organization=in_harbor, partner_one=a, partner_two=c, started_on=today)
    assert Couple.objects.count() == 1


def test_couple_across_organizations_is_refused(harbor, summit, harbor_client, summit_client, today):
    with tenant_context(harbor.id):
        with pytest.raises(ApplicationError, match="Both partners"):
            services.couple_create(
                organization=harbor, partner_one=harbor_client, partner_two=summit_client, started_on=today
            )
        assert not Couple.objects.exists()


def test_consent_timestamp_follows_consent(in_harbor, harbor_client):
    client = services.client_update(client=harbor_client, data={"reminder_consent": True, "reminder_channel": "sms"})
    assert client.reminder_consent_at is not None
    client = services.client_update(client=client, data={"reminder_consent": False})
    assert client.reminder_consent_at is None
