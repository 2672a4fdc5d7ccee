"""The pace sweep survives a worker killed mid-run: killed with `kill -9` after writing the pace
flags (absence patterns not yet evaluated, nothing committed) and finished by a new worker, it
leaves exactly the flags, alerts and notices of an uninterrupted run: none missing, none twice
(tests/workers.py `job_killed_mid_way_and_redone`)."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance import tasks
from attendance.models import AbsenceAlert, ThresholdFlag
from iop.notifications.models import Notification
from iop.tenancy.context import tenant_context
from tests.workers import broker, job_killed_mid_way_and_redone  # noqa: F401 - fixture

from .conftest import book, record, sessions_of

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]


def test_a_killed_pace_sweep_is_finished_by_the_next_worker_as_if_never_killed(
    harbor, harbor_va, make_past_group, make_active_episode, past_week, this_week, tmp_path
):
    last_week = this_week - dt.timedelta(weeks=1)
    with tenant_context(harbor.id):
        group = make_past_group("Sweep process", [(0, "09:00", 120), (2, "09:00", 120)])
        monday, wednesday = sessions_of(group, last_week)
        for _ in range(3):
            episode = make_active_episode(hours=4, days=2)
            episode.admission_date = episode.referral_date = past_week
            episode.save()
            entries = book(episode, [monday, wednesday])
            record(monday, entries[0], "present")
            # Recorded on the day without a reason: the missing reason is overdue only by now, so
            # only the sweep raises its alert; Wednesday's hours leave the closed week short.
            record(wednesday, entries[1], "absent_unexcused", now=wednesday.ends_at + dt.timedelta(minutes=5))

    def snapshot():
        with tenant_context(harbor.id):
            return (
                sorted(ThresholdFlag.objects.values_list("episode_id", "week_start", "state")),
                sorted(AbsenceAlert.objects.values_list("episode_id", "kind", "record_id")),
                sorted(Notification.objects.values_list("recipient_id", "kind", "title")),
            )

    before = snapshot()
    reference, killed, after = job_killed_mid_way_and_redone(
        tasks.sweep_org, harbor.id, step="pace_sweep", snapshot=snapshot, tmp_path=tmp_path
    )
    assert len(reference[0]) > len(before[0]) and len(reference[1]) > len(before[1])  # the job had work
    assert killed == before  # killed mid-way: its transaction left nothing behind
    assert after == reference
