"""The morning chase survives a worker killed mid-run: killed with `kill -9` after writing the
chase tasks (nobody told yet, nothing committed) and finished by a new worker, it leaves exactly
the tasks and notices of an uninterrupted run: none missing, none twice (tests/workers.py
`job_killed_mid_way_and_redone`)."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations import tasks
from authorizations.models import ChaseTask, RequestStatus
from iop.notifications.models import Notification
from iop.tenancy.context import tenant_context
from tests.workers import broker, job_killed_mid_way_and_redone  # noqa: F401 - fixture

from .conftest import make_authorization, make_request

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]

DAY = dt.date(2030, 3, 9)  # a Saturday; 08:00 in New York is 13:00 UTC


def test_a_killed_chase_is_finished_by_the_next_worker_as_if_never_killed(
    in_harbor, harbor_intake, harbor_va, covered_episode, time_machine, tmp_path
):
    now = dt.datetime(2030, 3, 9, 13, 0, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=True)
    episode, coverage = covered_episode()
    other, other_coverage = covered_episode()
    make_authorization(episode, coverage, start=DAY - dt.timedelta(days=20), end=DAY + dt.timedelta(days=5))
    make_authorization(other, other_coverage, start=DAY, end=DAY + dt.timedelta(days=12))
    make_request(episode, coverage, status=RequestStatus.SUBMITTED, decision_due_at=now - dt.timedelta(hours=2))
    make_request(other, other_coverage, status=RequestStatus.PENDED, information_due=DAY)

    def snapshot():
        with tenant_context(in_harbor.id):
            return (
                sorted(
                    ChaseTask.objects.values_list("kind", "authorization_id", "request_id", "due_date", "done_at"),
                    key=repr,  # an authorization's task has no request, a request's no authorization
                ),
                sorted(Notification.objects.values_list("recipient_id", "kind", "title")),
            )

    before = snapshot()
    reference, killed, after = job_killed_mid_way_and_redone(
        tasks.chase_org, in_harbor.id, step="chase", snapshot=snapshot, tmp_path=tmp_path
    )
    tasks_raised, notices = reference
    assert len(tasks_raised) >= 3 and len(notices) == 2 * len(tasks_raised)  # each to intake and the VA
    assert killed == before  # killed mid-way: its transaction left nothing behind
    assert after == reference
