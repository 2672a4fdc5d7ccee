"""The intake page: client + episode + treatment plan in one step, or nothing at all."""

from __future__ import annotations

import datetime as dt

import pytest

from iop.clients.models import AvailabilityWindow, Client, Episode, TreatmentPlan
from iop.tenancy.context import tenant_context
from tests.pages import org_today, org_url

pytestmark = pytest.mark.django_db


def intake_data(program_, organization, **overrides) -> dict:
    data = {
        "first_name": "Imani",
        "last_name": "Barrett",
        "preferred_name": "",
        "date_of_birth": "1988-04-12",
        "email": "imani@example.test",
        "phone": "555-0142",
        "reminder_channel": "sms",
        "reminder_consent": "on",
        "emergency_contact_name": "Rae Barrett",
        "emergency_contact_phone": "555-0143",
        "emergency_contact_relationship": "Sister",
        "program": str(program_.pk),
        "referral_date": org_today(organization).isoformat(),
        "required_hours_per_week": "9",
        "required_days_per_week": "3",
        "tracks": ["group", "individual"],
        "goals": "Reduce panic attacks at work.",
        "availability-TOTAL_FORMS": "5",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "21",
        "availability-0-weekday": "0",
        "availability-0-start_time": "09:00",
        "availability-0-end_time": "12:30",
        "availability-1-weekday": "2",
        "availability-1-start_time": "09:00",
        "availability-1-end_time": "12:30",
    }
    for i in range(2, 5):
        data.update(
            {
                f"availability-{i}-weekday": "",
                f"availability-{i}-start_time": "",
                f"availability-{i}-end_time": "",
            }
        )
    data.update(overrides)
    return data


def counts(organization) -> tuple[int, int, int, int]:
    with tenant_context(organization.id):
        return (
            Client.objects.count(),
            Episode.objects.count(),
            TreatmentPlan.objects.count(),
            AvailabilityWindow.objects.count(),
        )


def test_intake_creates_the_client_episode_and_treatment_plan(as_intake, harbor, harbor_program):
    response = as_intake.post(org_url("client_intake", harbor), intake_data(harbor_program, harbor))

    assert response.status_code == 302
    with tenant_context(harbor.id):
        client = Client.objects.get(last_name="Barrett")
        episode = Episode.objects.get(client=client)
        plan = TreatmentPlan.objects.get(episode=episode)
        windows = list(plan.availability.all())
    assert response["Location"] == org_url("client_detail", harbor, client_id=client.pk)
    assert client.date_of_birth == dt.date(1988, 4, 12)
    assert client.reminder_consent
    assert client.reminder_consent_at
    assert episode.program_id == harbor_program.pk
    assert episode.status == "referred"
    assert plan.required_hours_per_week == 9
    assert plan.tracks == ["group", "individual"]
    assert [(w.weekday, w.start_time, w.end_time) for w in windows] == [
        (0, dt.time(9), dt.time(12, 30)),
        (2, dt.time(9), dt.time(12, 30)),
    ]
    page = as_intake.get(response["Location"]).content.decode()
    assert "Imani Barrett" in page
    assert "Reduce panic attacks at work." in page


def test_weekly_requirements_default_to_the_programs(as_intake, harbor, harbor_program):
    data = intake_data(harbor_program, harbor, required_hours_per_week="", required_days_per_week="")

    as_intake.post(org_url("client_intake", harbor), data)

    with tenant_context(harbor.id):
        plan = TreatmentPlan.objects.get()
    assert plan.required_hours_per_week == harbor_program.default_min_weekly_hours
    assert plan.required_days_per_week == harbor_program.default_min_days_per_week


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"date_of_birth": "1990-02-30"}, "id_date_of_birth", "Enter a valid date."),
        ({"referral_date": "31/31/2026"}, "id_referral_date", "Enter a valid date."),
        ({"date_of_birth": "2999-01-01"}, "id_date_of_birth", "Date of birth cannot be in the future."),
        (
            {"program": "00000000-0000-0000-0000-000000000000"},
            "id_program",
            "Choose one of your organization&#x27;s active programs.",
        ),
        ({"program": "not-an-id"}, "id_program", "Choose one of your organization&#x27;s active programs."),
        (
            {"availability-0-start_time": "13:00", "availability-0-end_time": "09:00"},
            "id_availability-0-end_time",
            "The end time must be after the start time.",
        ),
        ({"first_name": ""}, "id_first_name", "This field is required."),
        (
            {"required_days_per_week": "9"},
            "id_required_days_per_week",
            "Ensure this value is less than or equal to 7.",
        ),
    ],
)
def test_bad_input_shows_an_error_next_to_the_field_and_creates_nothing(
    as_intake, harbor, harbor_program, overrides, field_id, message
):
    response = as_intake.post(org_url("client_intake", harbor), intake_data(harbor_program, harbor, **overrides))

    body = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in body
    assert f'href="#{field_id}"' in body, "the error summary links to the field"
    assert f'id="{field_id}_error"' in body, "the message sits next to the field"
    assert message in body
    assert 'aria-invalid="true"' in body
    assert counts(harbor) == (0, 0, 0, 0)


def test_program_of_another_organization_is_refused(as_intake, harbor, harbor_program, summit_program):
    data = intake_data(harbor_program, harbor, program=str(summit_program.pk))

    response = as_intake.post(org_url("client_intake", harbor), data)

    assert response.status_code == 422
    assert counts(harbor) == (0, 0, 0, 0)


def test_overlapping_availability_is_refused_by_the_service_and_nothing_is_half_written(
    as_intake, harbor, harbor_program
):
    data = intake_data(
        harbor_program,
        harbor,
        **{
            "availability-1-weekday": "0",
            "availability-1-start_time": "11:00",
            "availability-1-end_time": "13:00",
        },
    )

    response = as_intake.post(org_url("client_intake", harbor), data)

    body = response.content.decode()
    assert response.status_code == 422
    assert "Availability windows on the same day overlap." in body
    assert 'href="#availability"' in body
    # The client and the episode were created before the plan failed: the transaction undid them.
    assert counts(harbor) == (0, 0, 0, 0)


def test_half_filled_availability_row_is_an_error(as_intake, harbor, harbor_program):
    data = intake_data(harbor_program, harbor, **{"availability-2-weekday": "4"})

    response = as_intake.post(org_url("client_intake", harbor), data)

    assert response.status_code == 422
    assert "Enter the day and both times, or leave the whole row empty." in response.content.decode()
    assert counts(harbor) == (0, 0, 0, 0)


def test_va_cannot_open_the_intake_form(as_va, harbor):
    assert as_va.get(org_url("client_intake", harbor)).status_code == 403
