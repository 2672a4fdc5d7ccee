"""Approval messages survive a worker killed mid-send: a real worker process dies by SIGKILL right
after recording the client's message (before the provider sees it); the broker hands the task out
again, the second run finds the message in flight and looks again half an hour later. Then the
message goes out once under its stable key where the provider drops repeats (SMS), and where it
cannot (email) nobody can know whether it left, so it is marked unknown and the intake team is told
to check with the client. Never two messages under one key, never silently nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations import tasks
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.notifications.models import Notification, OutboundMessage
from iop.tenancy.context import no_tenant_context, tenant_context
from tests.notifications.journal import journal, journal_keys  # noqa: F401 - fixture
from tests.workers import broker, wait_for, worker_process  # noqa: F401 - fixture

from ..conftest import make_coverage
from .conftest import complete

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker", "journal")]


def _approved(episode, coverage, *, channel, actor, start, number):
    client = episode.client
    client.reminder_channel, client.reminder_consent = channel, True
    client.email, client.phone = "client@example.test", "+15550123"
    client.save()
    request = request_create(episode=episode, coverage=coverage, actor=actor, start_date=start)
    request = request_submit(request=request_mark_ready(request=complete(request)), channel="portal", actor=actor)
    determination_record(
        request=request,
        action="A1",
        authorization_number=number,
        approved_code="90853",
        approved_units=6,
        start_date=request.start_date,
        end_date=request.end_date,
        actor=actor,
    )
    return request


def test_a_worker_killed_after_recording_an_approval_message_sends_it_once_or_says_so(
    in_harbor, make_active_episode, payer, rule, fees, start, harbor_intake, tmp_path, time_machine
):
    people = {}
    for channel, number in (("email", "AUTH-E"), ("sms", "AUTH-S")):
        episode = make_active_episode()
        coverage = make_coverage(episode.client, payer, member_id=f"BHP-{number}")
        request = _approved(episode, coverage, channel=channel, actor=harbor_intake, start=start, number=number)
        people[channel] = (request, episode.client, request.determinations.get())

    log = tmp_path / "worker.log"
    with worker_process(log, queues=["notifications"], env={"IOP_TEST_CRASH_AT": "after_record"}):
        # The approvals queued their messages on commit; each run dies after recording, and the
        # redelivered run finds the message in flight and puts itself off.
        wait_for(lambda: log.read_text().count("signal 9 (SIGKILL)") >= 2, what="both workers to die", log=log)
        wait_for(lambda: log.read_text().count("Retry in") >= 2, what="both redeliveries to wait", log=log)
    with tenant_context(in_harbor.id):
        assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"pending"}
    assert journal_keys() == {}  # nothing reached a provider

    # The retry, half an hour later.
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31))
    with no_tenant_context():
        for _request, client, determination in people.values():
            tasks.approval_message_send.apply(args=[in_harbor.id, str(determination.pk), str(client.pk)]).get()
            tasks.approval_message_send.apply(args=[in_harbor.id, str(determination.pk), str(client.pk)]).get()

    with tenant_context(in_harbor.id):
        outbox = dict(OutboundMessage.objects.values_list("client_id", "status"))
        keys = dict(OutboundMessage.objects.values_list("client_id", "idempotency_key"))
        assert outbox == {people["sms"][1].pk: "sent", people["email"][1].pk: "unknown"}
        sms_key = keys[people["sms"][1].pk]
        assert sms_key == f"approval:{people['sms'][2].pk.hex}:{people['sms'][1].pk.hex}"
        assert journal_keys() == {sms_key: 1}  # sent once, under its key
        told = Notification.objects.filter(kind="message_unknown")
        assert told.count() == 1  # the intake specialist, once, though the task ran twice
        client = people["email"][1]
        assert told.get().title == f"Check with {client.display_name} that the approval message arrived"
        assert told.get().client_id == client.pk
