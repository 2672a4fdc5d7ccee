"""The evening packet job survives a worker killed mid-run: killed with `kill -9` after the first
review's packet was committed (each packet is its own transaction) and finished by a new worker,
it leaves exactly the packets and the stored attendance reports of an uninterrupted run: the
packet made before the kill is kept and not made twice, the others are made, and every review's
report is queued (tests/workers.py `job_killed_mid_way_and_redone`)."""

from __future__ import annotations

import pytest

from attendance.models import AttendanceReport
from authorizations import tasks
from authorizations.models import ReviewPacket
from iop.tenancy.context import tenant_context
from tests.workers import broker, job_killed_mid_way_and_redone  # noqa: F401 - fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]


def test_a_killed_packet_job_is_finished_by_the_next_worker_as_if_never_killed(harbor, make_review, today, tmp_path):
    with tenant_context(harbor.id):
        reviews = [make_review(today, number=f"HX-{n}").review for n in (2291, 2292)]

    def snapshot():
        with tenant_context(harbor.id):
            return (
                sorted(ReviewPacket.objects.values_list("review_id", "missing")),
                sorted(
                    AttendanceReport.objects.values_list("episode_id", "start_date", "end_date", "purpose", "status")
                ),
            )

    reference, killed, after = job_killed_mid_way_and_redone(
        tasks.review_packets_org, harbor.id, step="review_packets", snapshot=snapshot, tmp_path=tmp_path
    )
    assert [review_id for review_id, _ in reference[0]] == sorted(r.pk for r in reviews)
    assert len(reference[1]) == 2  # each review window's attendance report, stored as well
    assert len(killed[0]) == 1  # killed mid-way: one packet committed, the other not yet made
    assert after == reference
