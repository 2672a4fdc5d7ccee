"""Materialisation survives a worker killed mid-run: the hourly job, killed with `kill -9` after
writing the new sessions (nobody seated yet, nothing committed) and finished by a new worker,
leaves exactly the sessions, facilitators and rosters of an uninterrupted run: none missing, none
twice (tests/workers.py `job_killed_mid_way_and_redone`)."""

from __future__ import annotations

import datetime as dt

import pytest

from iop.tenancy.context import tenant_context
from scheduling import tasks
from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import placements as placement_services
from tests.workers import broker, job_killed_mid_way_and_redone  # noqa: F401 - fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]


def test_a_killed_materialisation_is_finished_by_the_next_worker_as_if_never_killed(
    harbor, make_group, make_active_episode, today, time_machine, tmp_path
):
    process = make_group("Process group", [(0, "09:00", 90), (2, "09:00", 90)], lead=0, co=1)
    skills = make_group("Skills training", [(1, "11:00", 60)], kind="skills", lead=1)
    for groups in ([process, skills], [process], [skills]):
        episode = make_active_episode()
        for group in groups:
            placement_services.placement_create(episode=episode, group=group, start_date=today)

    def snapshot():
        with tenant_context(harbor.id):
            return (
                sorted(Session.objects.values_list("group__name", "local_date", "starts_at", "status")),
                sorted(SessionFacilitator.objects.values_list("session__group__name", "session__local_date", "role")),
                sorted(RosterEntry.objects.values_list("session__group__name", "session__local_date", "episode_id")),
            )

    before = snapshot()
    # Three weeks on, the horizon has three more weeks of sessions to write and seat.
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(weeks=3), tick=True)
    reference, killed, after = job_killed_mid_way_and_redone(
        tasks.materialise_org, harbor.id, step="materialise", snapshot=snapshot, tmp_path=tmp_path
    )
    assert len(reference[0]) > len(before[0]) and len(reference[2]) > len(before[2])  # the job had work
    assert killed == before  # killed mid-way: its transaction left nothing behind
    assert after == reference
