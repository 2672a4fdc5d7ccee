"""The evening reminders: one message per client per day per channel, whatever goes wrong."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connections

from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from iop.notifications.models import OutboundMessage
from iop.notifications.providers import ProviderError
from iop.tenancy.context import tenant_context
from scheduling.models import ReminderDispatch, ReminderStatus, SchedulingSettings, Session
from scheduling.reminders import selectors as reminder_selectors
from scheduling.reminders import services as reminder_services
from scheduling.services import placements as placement_services
from scheduling.services import sessions as session_services
from tests.conftest import make_member
from tests.notifications.journal import journal_keys

from .conftest import (
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    WorkerKilled,
    at,
    die_after_the_send,
    run_evening,
    set_reminders,
    unknown_reminder,
)

pytestmark = pytest.mark.django_db


def _dispatches(**filters):
    return list(ReminderDispatch.objects.filter(**filters).select_related("client").order_by("client__first_name"))


def _outbound(client):
    return list(OutboundMessage.objects.filter(client=client))


def test_each_client_with_consent_gets_tomorrows_lineup_on_their_channel(world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(world["process"].organization)

    sent = {d.client.first_name: d for d in _dispatches(local_date=TUESDAY)}
    assert set(sent) == {"Ana", "Ben", "Eve"}  # cara gave no consent, dan chose no reminders
    assert sent["Ana"].status == sent["Ben"].status == ReminderStatus.SENT
    assert (sent["Eve"].status, sent["Eve"].error) == (ReminderStatus.SKIPPED, "No email address on file.")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world["ana"].email]
    assert "Your sessions on Tue 14 Apr" in email.subject
    assert "IOP" not in email.subject
    assert "09:00–10:30  Process group" in email.body
    assert "11:00–12:00  Skills training" in email.body
    assert "Join online: https://video.example.test/room" in email.body
    assert "Facilitator: " in email.body
    for other in ("ben", "cara", "dan", "eve"):
        assert world[other].last_name not in email.body  # never another client's name
    assert [item["group"] for item in sent["Ana"].lineup] == ["Process group", "Skills training"]

    (sms,) = _outbound(world["ben"])
    assert (sms.channel, sms.to) == ("sms", world["ben"].phone)
    assert "09:00 Process group" in sms.body
    assert len(sms.body) < 320
    assert not _outbound(world["cara"])
    assert not _outbound(world["dan"])
    assert not _outbound(world["eve"])


def test_running_the_job_twice_sends_one_message_per_client_and_channel(world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    run_evening(organization)
    clock.move_to(at(MONDAY, "18:05"))
    assert run_evening(organization) == []  # nothing left to deliver

    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.count() == 2
    assert ReminderDispatch.objects.filter(local_date=TUESDAY).count() == 3


def test_the_message_is_in_the_outbox_under_the_dispatch_key_before_the_provider_gets_it(world, clock, monkeypatch):
    clock.move_to(at(MONDAY, "18:00"))
    reminder_services.reminders_prepare(organization=world["process"].organization)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    seen = []

    def provider(*, message):
        # What another connection would see at the moment the provider gets the message.
        seen.append(
            (
                ReminderDispatch.objects.get(pk=ana.pk).status,
                list(OutboundMessage.objects.values_list("idempotency_key", "status", "body")),
            )
        )
        raise WorkerKilled

    monkeypatch.setattr(reminder_services, "outbound_deliver", provider)
    with pytest.raises(WorkerKilled):
        reminder_services.reminder_deliver(dispatch_id=ana.pk)
    ((status, outbox),) = seen
    assert status == ReminderStatus.DELIVERING
    assert outbox == [(str(ana.pk), "pending", ReminderDispatch.objects.get(pk=ana.pk).body)]
    assert "Process group" in outbox[0][2]


def test_worker_killed_after_an_email_send_never_sends_twice_and_ends_unknown(world, clock, monkeypatch):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    ids = reminder_services.reminders_prepare(organization=organization)
    ana = ReminderDispatch.objects.get(client=world["ana"])

    die_after_the_send(monkeypatch)
    with pytest.raises(WorkerKilled):
        reminder_services.reminder_deliver(dispatch_id=ana.pk)

    # The redelivered task, a retry and the next scan all find the dispatch taken.
    assert reminder_services.reminder_deliver(dispatch_id=ana.pk) is None
    assert ana.pk not in reminder_services.reminders_prepare(organization=organization)
    for pk in ids:
        reminder_services.reminder_deliver(dispatch_id=pk)
    assert len(mail.outbox) == 1
    ana.refresh_from_db()
    assert (ana.status, ana.attempts) == (ReminderStatus.DELIVERING, 1)

    # Half an hour later the sweep hands it to a person: email cannot drop a repeat, so it is
    # never re-sent by itself.
    clock.move_to(at(MONDAY, "18:31"))
    assert reminder_services.reminders_sweep_stuck(organization=organization) == []
    ana.refresh_from_db()
    assert ana.status == ReminderStatus.UNKNOWN
    assert "check" in ana.error
    (message,) = _outbound(world["ana"])
    assert (message.idempotency_key, message.status) == (str(ana.pk), "unknown")
    assert reminder_services.reminder_deliver(dispatch_id=ana.pk) is None
    assert run_evening(organization) == []
    assert len(mail.outbox) == 1


def test_worker_killed_mid_send_is_retried_under_the_same_key_when_the_provider_deduplicates(
    world, clock, monkeypatch, journal
):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    reminder_services.reminders_prepare(organization=organization)
    ben = ReminderDispatch.objects.get(client=world["ben"])

    die_after_the_send(monkeypatch)
    with pytest.raises(WorkerKilled):
        reminder_services.reminder_deliver(dispatch_id=ben.pk)
    assert journal_keys() == {str(ben.pk): 1}

    clock.move_to(at(MONDAY, "18:20"))
    assert reminder_services.reminders_sweep_stuck(organization=organization) == []  # not yet 30 minutes
    clock.move_to(at(MONDAY, "18:31"))
    with tenant_context(organization.id):
        assert reminder_services.reminders_run(organization=organization)[0] == ben.pk  # ana is still queued
    assert reminder_services.reminder_deliver(dispatch_id=ben.pk).status == ReminderStatus.SENT
    ben.refresh_from_db()
    assert (ben.status, ben.attempts, ben.error) == (ReminderStatus.SENT, 2, "")
    (message,) = _outbound(world["ben"])
    assert (message.idempotency_key, message.status) == (str(ben.pk), "sent")
    assert journal_keys() == {str(ben.pk): 1}  # the retry reached the provider, which dropped it


def test_a_dispatch_stuck_in_delivering_is_left_alone_for_thirty_minutes(world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    reminder_services.reminders_prepare(organization=organization)
    ReminderDispatch.objects.filter(client=world["ana"]).update(
        status=ReminderStatus.DELIVERING, claimed_at=at(MONDAY, "18:00")
    )
    clock.move_to(at(MONDAY, "18:20"))
    reminder_services.reminders_sweep_stuck(organization=organization)
    assert ReminderDispatch.objects.get(client=world["ana"]).status == ReminderStatus.DELIVERING
    clock.move_to(at(MONDAY, "18:45"))
    reminder_services.reminders_sweep_stuck(organization=organization)
    assert ReminderDispatch.objects.get(client=world["ana"]).status == ReminderStatus.UNKNOWN
    assert not mail.outbox


def test_changes_since_the_last_reminder_are_flagged(world, make_group, facilitators, clock):
    organization = world["process"].organization
    ana_episode = world["ana"].episodes.get()
    checkin = make_group("Morning check-in", [(2, "08:00", 30)], kind="checkin", lead=0)
    placement_services.placement_create(episode=ana_episode, group=checkin, start_date=MONDAY)

    clock.move_to(at(MONDAY, "18:00"))
    run_evening(organization)
    monday = ReminderDispatch.objects.get(client=world["ana"], local_date=TUESDAY)
    assert all(item["flags"] == [] for item in monday.lineup)  # the first reminder flags nothing

    # Tuesday morning the VA changes Wednesday.
    clock.move_to(at(TUESDAY, "10:00"))
    wednesday = {s.group.name: s for s in Session.objects.filter(local_date=WEDNESDAY).select_related("group")}
    session_services.session_cancel(session=wednesday["Process group"], reason="Facilitator training")
    session_services.session_move(
        session=wednesday["Skills training"],
        local_date=WEDNESDAY,
        start_time=dt.time(13),
        duration_minutes=60,
    )
    session_services.session_facilitator_assign(session=wednesday["Morning check-in"], staff_profile=facilitators[1])
    art = make_group("Art therapy", [(2, "15:00", 60)], kind="skills", lead=1, effective_from=TUESDAY)
    placement_services.placement_create(episode=ana_episode, group=art, start_date=TUESDAY)

    clock.move_to(at(TUESDAY, "18:00"))
    run_evening(organization)
    dispatch = ReminderDispatch.objects.get(client=world["ana"], local_date=WEDNESDAY)
    flags = {item["group"]: (item["time"], item["flags"]) for item in dispatch.lineup}
    assert flags == {
        "Morning check-in": ("08:00", ["facilitator_changed"]),
        "Process group": ("09:00", ["cancelled"]),
        "Skills training": ("13:00", ["moved"]),
        "Art therapy": ("15:00", ["new"]),
    }
    body = mail.outbox[-1].body
    assert "[FACILITATOR CHANGED]" in body
    assert facilitators[1].membership.user.full_name in body
    assert "09:00–10:30  Process group  [CANCELLED]\n  This session is cancelled." in body
    assert "13:00–14:00  Skills training  [MOVED]" in body
    assert "15:00–16:00  Art therapy  [NEW]" in body

    # Ben's only Wednesday session is the cancelled one: he is told so, and nothing else.
    ben = ReminderDispatch.objects.get(client=world["ben"], local_date=WEDNESDAY)
    assert [(i["group"], i["flags"]) for i in ben.lineup] == [("Process group", ["cancelled"])]
    assert "CANCELLED" in ben.body


def test_a_cancellation_the_client_was_already_told_about_is_not_repeated(world, clock):
    organization = world["process"].organization
    wednesday_process = Session.objects.get(group=world["process"], local_date=WEDNESDAY)
    session_services.session_cancel(session=wednesday_process)  # Monday noon, before Monday's reminder
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(organization)
    clock.move_to(at(TUESDAY, "18:00"))
    run_evening(organization)
    ana = ReminderDispatch.objects.get(client=world["ana"], local_date=WEDNESDAY)
    assert [i["group"] for i in ana.lineup] == ["Skills training"]
    assert not ReminderDispatch.objects.filter(client=world["ben"], local_date=WEDNESDAY).exists()


def test_no_consent_and_no_channel_get_nothing_even_with_sessions(world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(world["process"].organization)
    for name in ("cara", "dan"):
        assert not ReminderDispatch.objects.filter(client=world[name]).exists()
        assert not _outbound(world[name])


def test_withdrawn_consent_before_delivery_skips_the_message(world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    ids = reminder_services.reminders_prepare(organization=organization)
    set_reminders(world["ana"], "email", consent=False)
    for pk in ids:
        reminder_services.reminder_deliver(dispatch_id=pk)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    assert (ana.status, ana.error) == (ReminderStatus.SKIPPED, "No consent to reminders on file.")
    assert not mail.outbox


def test_delivery_rereads_the_lineup(world, clock):
    """A session cancelled between the scan and the send is not announced as on."""
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    ids = reminder_services.reminders_prepare(organization=organization)
    session_services.session_cancel(session=Session.objects.get(group=world["skills"], local_date=TUESDAY))
    for pk in ids:
        reminder_services.reminder_deliver(dispatch_id=pk)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    assert [i["group"] for i in ana.lineup] == ["Process group"]
    assert "Skills training" not in mail.outbox[0].body


def test_discharged_and_stepped_down_clients_get_no_reminder(world, harbor_va, clock):
    episode_transition(
        episode=world["ana"].episodes.get(), to_status="discharged", effective_date=MONDAY, actor=harbor_va
    )
    # An episode that left care without its roster being cleared is still never reminded.
    world["ben"].episodes.update(status="step_down")
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(world["process"].organization)
    assert not ReminderDispatch.objects.filter(client__in=[world["ana"], world["ben"]]).exists()
    assert not mail.outbox
    assert not _outbound(world["ben"])


def test_a_transient_provider_error_is_retried_and_still_sends_once(world, clock, monkeypatch):
    from scheduling.tasks import reminder_deliver

    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    reminder_services.reminders_prepare(organization=organization)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    real_deliver, calls = reminder_services.outbound_deliver, []

    def flaky(*, message):
        calls.append(message.idempotency_key)
        if len(calls) == 1:
            raise ProviderError("The mail server could not be reached.", transient=True)
        return real_deliver(message=message)

    monkeypatch.setattr(reminder_services, "outbound_deliver", flaky)
    reminder_deliver.apply(args=[organization.id, str(ana.pk)])
    ana.refresh_from_db()
    assert (ana.status, ana.attempts) == (ReminderStatus.SENT, 2)
    assert calls == [str(ana.pk), str(ana.pk)]  # the retry reuses the message and its key
    assert len(mail.outbox) == 1
    (message,) = _outbound(world["ana"])
    assert message.status == "sent"


def test_a_permanent_provider_error_fails_without_retry_or_phi(world, clock, monkeypatch):
    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    address = world["ana"].email

    def refuse(**kwargs):
        raise ProviderError(f"Mailbox {address} does not exist.")

    monkeypatch.setattr(reminder_services, "outbound_deliver", refuse)
    run_evening(organization)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    assert ana.status == ReminderStatus.FAILED
    assert ana.error == "The email provider refused the message."
    assert address not in ana.error
    assert [m.status for m in _outbound(world["ana"])] == ["failed"]
    assert reminder_services.reminder_deliver(dispatch_id=ana.pk) is None


def test_preview_writes_nothing_and_matches_what_is_sent(world, clock, django_assert_num_queries):
    organization = world["process"].organization
    # Seats, their lead facilitators, the last reminders: three queries whatever the census.
    with django_assert_num_queries(3):
        preview = {
            r.client.first_name: r
            for r in reminder_selectors.reminders_preview(organization=organization, local_date=TUESDAY)
        }
    assert set(preview) == {"Ana", "Ben", "Cara", "Dan", "Eve"}
    assert preview["Cara"].blocker == "No consent to reminders on file."
    assert preview["Dan"].blocker == "The client chose no reminders."
    assert preview["Eve"].blocker == "No email address on file."
    assert preview["Ana"].blocker == ""
    assert [(i.group, i.time, i.facilitator) for i in preview["Ana"].items] == [
        ("Process group", "09:00", world["process"].lead_facilitator.membership.user.full_name),
        ("Skills training", "11:00", world["skills"].lead_facilitator.membership.user.full_name),
    ]
    assert not ReminderDispatch.objects.exists()

    clock.move_to(at(MONDAY, "18:00"))
    run_evening(organization)
    sent = ReminderDispatch.objects.get(client=world["ana"])
    assert sent.lineup == preview["Ana"].lineup_json()


def test_reminders_are_due_after_the_organizations_local_reminder_time(harbor, summit):
    evening = dt.datetime(2026, 4, 13, 22, 30, tzinfo=dt.UTC)  # 18:30 in New York, 17:30 in Chicago
    with tenant_context(harbor.id):
        assert reminder_selectors.reminders_due(organization=harbor, now=evening)
    with tenant_context(summit.id):
        assert not reminder_selectors.reminders_due(organization=summit, now=evening)
        assert reminder_selectors.reminders_due(organization=summit, now=evening + dt.timedelta(minutes=30))
        SchedulingSettings.objects.create(organization=summit, reminder_time=dt.time(17, 15))
        assert reminder_selectors.reminders_due(organization=summit, now=evening)


def test_a_session_moved_to_another_day_is_announced_on_its_original_day(world, clock):
    organization = world["process"].organization
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(organization)

    clock.move_to(at(TUESDAY, "10:00"))
    thursday = WEDNESDAY + dt.timedelta(days=1)
    process = Session.objects.get(group=world["process"], local_date=WEDNESDAY)
    session_services.session_move(session=process, local_date=thursday, start_time=dt.time(9), duration_minutes=90)

    clock.move_to(at(TUESDAY, "18:00"))
    run_evening(organization)
    dispatch = ReminderDispatch.objects.get(client=world["ana"], local_date=WEDNESDAY)
    moved = [item for item in dispatch.lineup if item["group"] == "Process group"]
    assert [item["flags"] for item in moved] == [["moved"]]
    assert "Process group" in dispatch.body and "MOVED" in dispatch.body


@pytest.mark.django_db(transaction=True)
def test_two_vas_resending_at_once_resend_once(world, harbor_va, clock, monkeypatch):
    from scheduling import tasks

    organization = world["process"].organization
    ana = unknown_reminder(world, monkeypatch, clock)
    other_va = make_member(organization, "va", "va2@harbor.test")
    barrier, outcomes = threading.Barrier(2), []

    def resend(actor):
        try:
            with tenant_context(organization.id):
                dispatch = ReminderDispatch.objects.select_related("organization").get(pk=ana.pk)
                barrier.wait()
                reminder_services.reminder_resend(dispatch=dispatch, actor=actor)
            outcomes.append("resent")
        except ApplicationError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    with mock.patch.object(tasks.reminder_deliver, "apply_async") as queued:
        threads = [threading.Thread(target=resend, args=(va,)) for va in (harbor_va, other_va)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(outcomes) == [
        "This reminder is no longer waiting to be checked: it was resent already.",
        "resent",
    ]
    assert [call.args[0] for call in queued.call_args_list] == [(organization.id, str(ana.pk))]
    with tenant_context(organization.id):
        ana.refresh_from_db()
    assert (ana.status, ana.resends) == (ReminderStatus.QUEUED, 1)


def test_a_batch_delivers_each_reminder_once_in_a_few_queries_a_message(world, clock, monkeypatch):
    """`reminders_deliver` records the batch's messages in a constant number of queries, then
    claims, sends and marks each in turn (a handful of queries a message); a transient error puts
    only that dispatch back in the queue and the others still go; a second batch sends nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock.move_to(at(MONDAY, "18:00"))
    organization = world["process"].organization
    ids = reminder_services.reminders_prepare(organization=organization)
    real_deliver, calls = reminder_services.outbound_deliver, []

    def flaky(*, message):
        calls.append(message.idempotency_key)
        if message.channel == "sms" and calls.count(message.idempotency_key) == 1:
            raise ProviderError("The SMS gateway could not be reached.", transient=True)
        return real_deliver(message=message)

    monkeypatch.setattr(reminder_services, "outbound_deliver", flaky)
    with CaptureQueriesContext(connection) as queries, pytest.raises(ProviderError):
        reminder_services.reminders_deliver(dispatch_ids=ids)
    ana, ben = ReminderDispatch.objects.get(client=world["ana"]), ReminderDispatch.objects.get(client=world["ben"])
    assert (ana.status, ben.status, ben.attempts) == (ReminderStatus.SENT, ReminderStatus.QUEUED, 1)
    assert len(queries) <= 12 + 6 * len(ids)

    done = reminder_services.reminders_deliver(dispatch_ids=ids)  # the task's retry
    assert list(done) == [ben.pk]
    ben.refresh_from_db()
    assert (ben.status, ben.attempts) == (ReminderStatus.SENT, 2)
    assert sorted(calls) == sorted([str(ana.pk), str(ben.pk), str(ben.pk)])  # the retry reuses the key
    assert reminder_services.reminders_deliver(dispatch_ids=ids) == {}
    assert len(mail.outbox) == 1 and [m.status for m in _outbound(world["ben"])] == ["recorded"]  # SMS: outbox only
