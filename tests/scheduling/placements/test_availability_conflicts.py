"""A change of the client's availability re-checks their placements and shows what to resolve."""

import datetime as dt

import pytest

from iop.clients.services import Availability, treatment_plan_save
from scheduling import selectors
from scheduling.services import placements as placement_services

pytestmark = pytest.mark.django_db


def test_availability_change_shows_placements_to_resolve(
    in_harbor, make_group, make_active_episode, harbor_va, harbor_intake, today, client
):
    monday = make_group("Process Mon", [(0, "09:00", 90)])
    tuesday = make_group("Skills Tue", [(1, "09:00", 90)], kind="skills", lead=1)
    episode = make_active_episode(hours=3, days=2)
    placement_services.placements_accept(episode=episode, groups=[monday, tuesday], start_date=today)
    assert selectors.placement_conflicts(episode=episode) == []

    # The client can no longer come on Tuesdays.
    treatment_plan_save(
        episode=episode,
        required_hours_per_week=3,
        required_days_per_week=2,
        tracks=["group"],
        availability=[Availability(0, dt.time(9), dt.time(12, 30)), Availability(2, dt.time(9), dt.time(12, 30))],
        actor=harbor_intake,
    )

    conflicts = selectors.placement_conflicts(episode=episode)
    assert [c.message for c in conflicts] == [
        "Skills Tue meets Tuesday 09:00 (90 min), outside the client's availability"
    ]
    gap = next(g for g in selectors.scheduling_gaps(organization=in_harbor, today=today) if g.episode == episode)
    assert conflicts[0].message in gap.problems

    client.force_login(harbor_va)
    page = client.get(f"/o/harbor/clients/{episode.client_id}/").content.decode()
    assert "Placements to resolve" in page
    assert "Skills Tue meets Tuesday 09:00 (90 min)" in page


def test_admission_leads_the_va_to_placement(client, in_harbor, harbor_va, harbor_program, today):
    from ...factories import ClientFactory, EpisodeFactory

    episode = EpisodeFactory(
        organization=in_harbor,
        client=ClientFactory(organization=in_harbor),
        program=harbor_program,
        status="intake",
        admission_date=None,
    )
    client.force_login(harbor_va)
    response = client.post(
        f"/o/harbor/episodes/{episode.pk}/status/",
        {"transition-to_status": "active", "transition-effective_date": today.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/o/harbor/schedule/placement/{episode.pk}/"
    episode.refresh_from_db()
    assert episode.status == "active"
