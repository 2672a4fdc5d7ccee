"""The evening packet job: beat every 15 minutes, one task per active organization with ids only,
routed to the `pdf` queue; the task enters the tenant and prepares nothing twice."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings

from authorizations import tasks
from authorizations.models import ReviewPacket
from iop import celery_app
from iop.tenancy.context import no_tenant_context, tenant_context

pytestmark = pytest.mark.django_db


def test_beat_scans_every_15_minutes_and_the_renders_use_the_pdf_queue():
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["authorizations.review_packets_scan"] == 15 * 60
    assert celery_app.amqp.router.route({}, "authorizations.review_packets_org")["queue"].name == "pdf"


def test_the_scan_fans_out_one_task_per_active_organization_with_ids_only(harbor, summit):
    summit.is_active = False
    summit.save()
    with mock.patch.object(tasks.review_packets_org, "delay") as delay, no_tenant_context():
        tasks.review_packets_scan.apply()
    assert [c.args for c in delay.call_args_list] == [(harbor.id,)]


def test_the_task_enters_the_tenant_and_prepares_once(harbor, make_review, today):
    with tenant_context(harbor.id):
        review = make_review(today).review
    with no_tenant_context():
        first = tasks.review_packets_org.apply(args=[harbor.id]).get()
        second = tasks.review_packets_org.apply(args=[harbor.id]).get()
    assert (first, second) == (1, 0)
    with tenant_context(harbor.id):
        assert ReviewPacket.objects.filter(review=review).count() == 1
