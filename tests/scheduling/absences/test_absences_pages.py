"""Facilitator absences: recording one lists the sessions it leaves uncovered, each with the
qualified facilitators free then, and one click covers each."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest

from scheduling.models import FacilitatorAbsence, SessionFacilitator
from tests.conftest import login

from ..conftest import schedule_url, sessions_of

pytestmark = pytest.mark.django_db


def name_of(profile) -> str:
    return escape(profile.membership.user.get_full_name())


def record(as_user, organization, profile, start: dt.date, end: dt.date, **extra):
    data = {
        "staff_profile": profile.pk,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **extra,
    }
    return as_user.post(schedule_url("absences", organization), data)


def test_recording_an_absence_shows_the_uncovered_sessions_with_who_can_cover(
    as_va, harbor, monday_group, facilitators, week
):
    session = sessions_of(monday_group, week)[0]

    response = record(as_va, harbor, facilitators[0], week, week, reason="Sick")

    assert response.status_code == 302
    absence = FacilitatorAbsence.objects.get()
    assert response["Location"].endswith(f"?absence={absence.pk}")
    body = as_va.get(response["Location"]).content.decode()
    assert f"The absence of {name_of(facilitators[0])} was recorded. 1 session lost their facilitator." in body
    panel = body.split('id="recorded-title"')[1].split("</section>")[0]
    assert "Monday Process" in panel
    assert "Uncovered" in panel
    assert name_of(facilitators[1]) in panel
    assert name_of(facilitators[2]) in panel
    assert name_of(facilitators[0]) not in panel.split("</h2>")[1]  # the absent one is not suggested
    assert f'action="{schedule_url("session_facilitator_assign", harbor, session_id=session.pk)}"' in panel
    assert not SessionFacilitator.objects.filter(session=session).exists()
    assert "Sick" in body  # in the list of absences


def test_assigning_coverage_from_the_absences_page_takes_one_click(as_va, harbor, monday_group, facilitators, week):
    session = sessions_of(monday_group, week)[0]
    record(as_va, harbor, facilitators[0], week, week)

    response = as_va.post(
        schedule_url("session_facilitator_assign", harbor, session_id=session.pk),
        {"cover-staff_profile": facilitators[1].pk, "cover-role": "lead", "cover-back": "absences"},
    )

    assert response.status_code == 302
    assert response["Location"] == schedule_url("absences", harbor)
    booking = SessionFacilitator.objects.get(session=session)
    assert (booking.staff_profile_id, booking.role) == (facilitators[1].pk, "lead")
    body = as_va.get(response["Location"]).content.decode()
    assert f"{name_of(facilitators[1])} now leads Monday Process" in body
    assert "Every session in the next 14 days has a lead facilitator." in body


def test_uncovered_sessions_of_the_next_two_weeks_are_listed_without_an_absence(as_va, harbor, make_group, today):
    soon = today + dt.timedelta(days=3)
    make_group("Open Skills", [(soon.weekday(), "11:00", 60)], kind="skills", lead=None)

    body = as_va.get(schedule_url("absences", harbor)).content.decode()

    uncovered = body.split('id="uncovered-title"')[1].split("</section>")[0]
    assert "Open Skills" in uncovered
    assert ">Assign<" in uncovered


def test_an_absence_ending_before_it_starts_is_refused_and_nothing_is_recorded(as_va, harbor, facilitators, week):
    response = record(as_va, harbor, facilitators[0], week, week - dt.timedelta(days=2))

    body = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_end_date_error"' in body
    assert "Before the start." in body
    assert not FacilitatorAbsence.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "intake"])
def test_only_vas_and_admins_manage_absences(client, harbor, role, facilitators, week):
    from tests.conftest import make_member

    login(client, make_member(harbor, role))

    assert client.get(schedule_url("absences", harbor)).status_code == 403
    assert record(client, harbor, facilitators[0], week, week).status_code == 403
    assert not FacilitatorAbsence.objects.exists()
