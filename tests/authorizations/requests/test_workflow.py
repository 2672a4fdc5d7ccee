"""draft → ready → submitted (decision due from the payer's clock) → pended → determined; an
approval creates the Authorization and tells the client on their channel (dates only) and the
intake specialists and VAs in-app."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import (
    Authorization,
    ChaseKind,
    ChaseTask,
    Determination,
    RequestStatus,
    UnitType,
    Urgency,
)
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.workflow import request_mark_ready, request_pend, request_submit
from iop.common.dates import date_full
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification, OutboundMessage
from iop.tenancy.models import Membership

from ...conftest import make_member
from .conftest import complete

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def ready(draft):
    request = complete(draft)
    return request_mark_ready(request=request)


def _approve(request, actor=None, **overrides):
    values = {
        "action": "A1",
        "authorization_number": "AUTH-778",
        "approved_code": "90853",
        "approved_units": 6,
        "start_date": request.start_date,
        "end_date": request.end_date,
        "next_review_date": request.start_date + dt.timedelta(days=7),
        "actor": actor,
    }
    values.update(overrides)
    return determination_record(request=request, **values)


def test_only_a_ready_request_is_submitted_with_the_standard_clock(draft, ready, harbor_intake):
    with pytest.raises(ApplicationError):
        request_submit(request=draft, channel="nope", actor=harbor_intake, now=NOW)
    submitted = request_submit(request=ready, channel="portal", payer_reference="REF-1", actor=harbor_intake, now=NOW)
    assert (submitted.status, submitted.channel, submitted.payer_reference) == ("submitted", "portal", "REF-1")
    assert submitted.submitted_at == NOW and submitted.submitted_by == harbor_intake
    assert submitted.decision_due_at == NOW + dt.timedelta(hours=168)  # the rule's standard clock
    with pytest.raises(ApplicationError) as info:
        request_submit(request=submitted, channel="portal", actor=harbor_intake, now=NOW)
    assert info.value.message == "Only a request marked ready can be submitted (this one is submitted)."


def test_a_draft_cannot_be_submitted(draft, harbor_intake):
    with pytest.raises(ApplicationError) as info:
        request_submit(request=draft, channel="fax", actor=harbor_intake)
    assert info.value.code == "not_ready"


def test_an_expedited_request_runs_on_the_expedited_clock(in_harbor, payer, episode, coverage, fees, harbor_intake):
    from ..conftest import make_rule

    make_rule(payer, standard_decision_hours=360, expedited_decision_hours=24)
    request = request_create(episode=episode, coverage=coverage, actor=harbor_intake, urgency=Urgency.EXPEDITED)
    request = request_mark_ready(request=complete(request))
    submitted = request_submit(request=request, channel="phone", actor=harbor_intake, now=NOW)
    assert submitted.decision_due_at == NOW + dt.timedelta(hours=24)


def test_pend_records_the_information_asked_for(ready, harbor_intake):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    due = dt.date(2026, 3, 5)
    pended = request_pend(request=submitted, information_requested="Latest PHQ-9", information_due=due)
    assert (pended.status, pended.information_requested, pended.information_due) == ("pended", "Latest PHQ-9", due)
    with pytest.raises(ApplicationError) as info:
        request_pend(request=pended, information_requested=" ", information_due=due)
    assert info.value.extra == {"information_requested": ["Say what information the payer asked for."]}


def test_a4_pends_then_a1_determines_and_creates_the_authorization(ready, harbor_intake, episode, coverage):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    due = dt.date(2026, 3, 9)
    determination_record(
        request=submitted, action="A4", reason="Send the ASAM worksheet.", information_due=due, actor=harbor_intake
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.information_requested, submitted.information_due) == (
        "pended",
        "Send the ASAM worksheet.",
        due,
    )
    assert not Authorization.objects.exists()

    determination = _approve(submitted, actor=harbor_intake)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.DETERMINED
    authorization = Authorization.objects.get()
    assert authorization.determination == determination
    assert (authorization.episode, authorization.coverage, authorization.number) == (episode, coverage, "AUTH-778")
    assert (authorization.code, authorization.unit_type, authorization.units_authorized) == (
        "90853",
        UnitType.PER_SESSION,
        6,
    )
    assert (authorization.start_date, authorization.end_date) == (submitted.start_date, submitted.end_date)
    with pytest.raises(ApplicationError) as info:
        _approve(submitted)
    assert info.value.message == "The request already has its determination."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"information_due": None}, "information_due", "Give the date the information is due."),
        ({"reason": " "}, "reason", "Say what information the payer asked for."),
        (
            {"information_due": dt.date(2026, 3, 1)},
            "information_due",
            "The due date is before the request was submitted.",
        ),
    ],
)
def test_a4_must_say_what_information_is_due_and_by_when(ready, harbor_intake, overrides, field, message):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    values = {"action": "A4", "reason": "Send the ASAM worksheet.", "information_due": dt.date(2026, 3, 9)}
    values.update(overrides)
    with pytest.raises(ApplicationError) as info:
        determination_record(request=submitted, actor=harbor_intake, **values)
    assert info.value.extra == {field: [message]}
    submitted.refresh_from_db()
    assert (submitted.status, submitted.information_due) == ("submitted", None)
    assert not Determination.objects.exists()


def _chase_task(request, kind, due_date):
    return ChaseTask.objects.create(
        organization_id=request.organization_id, request=request, kind=kind, due_date=due_date, created_at=NOW
    )


def test_pending_again_or_deciding_closes_the_requests_open_chase_tasks(ready, harbor_intake):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    overdue = _chase_task(submitted, ChaseKind.DECISION_OVERDUE, dt.date(2026, 3, 9))
    pended = request_pend(
        request=submitted, information_requested="PHQ-9", information_due=dt.date(2026, 3, 12), actor=harbor_intake
    )
    overdue.refresh_from_db()
    assert overdue.done_at is not None and overdue.note == "Pended"

    first_due = _chase_task(pended, ChaseKind.INFORMATION_DUE, dt.date(2026, 3, 12))
    determination_record(
        request=pended, action="A4", reason="And the ASAM worksheet.", information_due=dt.date(2026, 3, 16), actor=None
    )
    first_due.refresh_from_db()
    assert (first_due.note, first_due.done_at is not None) == ("Pended again", True)
    # The new date can be chased again: one task per request, kind and due date.
    second_due = _chase_task(pended, ChaseKind.INFORMATION_DUE, dt.date(2026, 3, 16))

    _approve(pended, actor=harbor_intake)
    second_due.refresh_from_db()
    assert (second_due.note, second_due.done_by, second_due.done_at is not None) == ("Decided", harbor_intake, True)
    assert not ChaseTask.objects.filter(done_at__isnull=True).exists()


@pytest.mark.parametrize("action", ["A3", "C"])
def test_a_denial_or_cancellation_determines_without_an_authorization(ready, harbor_intake, action):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    determination_record(request=submitted, action=action, reason="Criteria not met.", actor=harbor_intake)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.DETERMINED
    assert Determination.objects.get().action == action
    assert not Authorization.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"authorization_number": ""}, "authorization_number", "Enter the authorization number the payer gave."),
        ({"approved_units": 0}, "approved_units", "Approved units must be at least 1."),
        ({"end_date": dt.date(2020, 1, 1)}, "end_date", "The end date is before the start date."),
        ({"start_date": None}, "start_date", "Enter the first day the authorization covers."),
    ],
)
def test_an_approval_needs_a_number_units_and_a_window(ready, harbor_intake, overrides, field, message):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    with pytest.raises(ApplicationError) as info:
        _approve(submitted, **overrides)
    assert info.value.extra == {field: [message]}
    assert not Determination.objects.exists() and not Authorization.objects.exists()


def test_a_draft_has_no_determination(draft):
    with pytest.raises(ApplicationError) as info:
        _approve(draft)
    assert info.value.message == "Submit the request before recording the payer's answer."


def test_an_approval_tells_the_consenting_client_by_their_channel_and_the_staff_in_app(
    in_harbor, ready, harbor_intake, harbor_va, harbor_clinician, django_capture_on_commit_callbacks, eager_celery
):
    client = ready.episode.client
    client.reminder_channel, client.reminder_consent, client.phone = "sms", True, "+15555550123"
    client.save()
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, actor=harbor_intake)

    message = OutboundMessage.objects.get()
    start, end = submitted.start_date, submitted.end_date
    assert (message.channel, message.to, message.client) == ("sms", "+15555550123", client)
    assert f"your authorization was approved for {date_full(start)} to {date_full(end)}" in message.body
    for secret in ("90853", "F33.1", "therapy", "group", "Blue Harbor", "AUTH-778", client.last_name):
        assert secret not in message.body

    notices = Notification.objects.filter(kind="authorization_approved")
    recipients = {n.recipient.user for n in notices}
    assert recipients == {harbor_intake, harbor_va}  # intake specialists and VAs, not clinicians
    for notice in notices:  # what to do, naming the client (the in-app inbox only; the SMS above does not)
        assert notice.title == f"Check {client.display_name}'s approved authorization: the client was told"
        assert notice.link == f"/o/harbor/authorizations/requests/{submitted.pk}/"


def test_the_approval_message_is_sent_once_by_a_worker_and_reads_consent_at_send_time(
    in_harbor, ready, harbor_intake, django_capture_on_commit_callbacks
):
    from unittest import mock

    from authorizations import tasks

    client = ready.episode.client
    client.reminder_channel, client.reminder_consent, client.email = "email", True, "client@example.com"
    client.save()
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    with mock.patch.object(tasks.approval_message_send, "apply_async") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            determination = _approve(submitted, actor=harbor_intake)
    (call,) = queued.call_args_list
    assert call.args[0] == (in_harbor.pk, str(determination.pk), str(client.pk))  # ids only: no PHI queued
    assert not OutboundMessage.objects.exists()  # nothing sent inside the request

    def run():
        return tasks.approval_message_send.apply(args=call.args[0]).get()

    assert (run(), run()) == ("sent", "already sent")  # a redelivered task sends nothing twice
    assert OutboundMessage.objects.count() == 1
    OutboundMessage.objects.all().delete()
    client.reminder_consent = False
    client.save()
    assert run() == "no consented channel"
    assert not OutboundMessage.objects.exists()


def test_no_message_without_consent_or_channel(in_harbor, ready, harbor_intake, django_capture_on_commit_callbacks):
    client = ready.episode.client
    client.reminder_channel, client.reminder_consent = "email", False
    client.save()
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, actor=harbor_intake)
    assert not OutboundMessage.objects.exists()
    assert Notification.objects.filter(kind="authorization_approved").exists()


def test_a_decision_date_in_the_future_is_refused(ready, harbor_intake):
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=timezone.now())
    with pytest.raises(ApplicationError) as info:
        _approve(submitted, decided_at=timezone.now() + dt.timedelta(days=2))
    assert info.value.extra == {"decided_at": ["The decision date is in the future."]}


def test_an_inactive_intake_specialist_is_not_told(in_harbor, ready, harbor_intake, harbor):
    former = make_member(harbor, "intake", "former@harbor.test")
    Membership.objects.filter(user=former).update(is_active=False)
    submitted = request_submit(request=ready, channel="portal", actor=harbor_intake, now=NOW)
    _approve(submitted, actor=harbor_intake)
    assert not Notification.objects.filter(recipient__user=former).exists()
