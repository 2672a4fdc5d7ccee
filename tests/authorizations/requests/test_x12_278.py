"""The X12 278 request we write (single, couple's packet, renewal with the prior authorization
number) read back by our reader and by an independent check, with control numbers unique per
organization even when downloads run at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connections

from authorizations.models import (
    AuthorizationRequest,
    InteropFormat,
    InteropMessage,
    InteropSettings,
    RequestAttachment,
)
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.packets import packet_create, packet_mark_ready
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from authorizations.requests.services.x12_278 import (
    line_trace,
    request_trace,
    x12_278_packet_download,
    x12_278_request_download,
)
from authorizations.x12.x278 import parse_278
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context

from ..x12_helpers import NPI, envelope_errors, independent_check, make_interop_settings
from .conftest import complete

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)


def ready(request):
    complete(request)
    return request_mark_ready(request=request)


@pytest.fixture
def settings_row(in_harbor):
    return make_interop_settings()


def test_a_single_request_round_trips_through_our_reader_and_an_independent_check(draft, settings_row, harbor_intake):
    request = ready(draft)
    RequestAttachment.objects.create(
        request=request, file=ContentFile(b"%PDF-1", name="a.pdf"), name="a.pdf", content_type="application/pdf", size=6
    )
    message = x12_278_request_download(request=request, actor=harbor_intake, now=NOW)

    assert (message.format, message.direction, message.request, message.coverage) == (
        InteropFormat.X12_278_REQUEST,
        "outbound",
        request,
        request.coverage,
    )
    assert message.trace_number == request_trace(request)
    [body] = independent_check(message.content, transaction_set="278")
    ids = [row[0] for row in body]
    # 2000A–2000C, no dependent (the client is the subscriber), the event, one HL per line.
    levels = [row[3] for row in body if row[0] == "HL"]
    lines = list(request.lines.order_by("start_date", "code"))
    assert levels == ["20", "21", "22", "EV", *["SS"] * len(lines)]
    assert ids.count("SV1") == len(lines) and "SV2" not in ids
    assert ["NM1", "X3", "2", "Blue Harbor PPO", "", "", "", "", "PI", "BHP01"] in body
    assert ["NM1", "1P", "2", "Harbor Virtual IOP", "", "", "", "", "XX", NPI] in body

    parsed = parse_278(message.content)
    assert parsed.control_number == message.interchange_control_number == "000000001"
    [transaction] = parsed.transactions
    assert transaction.purpose == "13" and transaction.reference == request_trace(request)
    assert (transaction.payer_id, transaction.requester_id, transaction.requester_entity) == ("BHP01", NPI, "1P")
    client = request.episode.client
    assert transaction.dependent is None
    assert (transaction.subscriber.member_id, transaction.subscriber.last_name) == ("BHP-1001", client.last_name)
    assert transaction.subscriber.date_of_birth == client.date_of_birth
    event = transaction.event
    assert (event.request_category, event.certification_type, event.service_type) == ("HS", "I", "MH")
    assert event.facility == ("11", "B") and event.level_of_service == "E"
    assert event.traces() == {request_trace(request)}
    assert event.diagnoses == (("ABK", "F331"),)
    assert event.date("AAH") == (request.start_date, request.end_date)
    assert event.reference("BB") == ""
    assert len(event.attachments) == 1 and event.attachments[0][:2] == ("77", "EL")
    by_trace = {next(iter(s.traces())): s for s in transaction.services}
    for line in lines:
        service = by_trace[line_trace(line)]
        assert (service.procedure_qualifier, service.code) == ("HC", line.code)
        assert service.units == line.units * line.estimated_sessions
        assert service.quantity == service.units
        assert service.date("472") == (line.start_date, line.end_date)


def test_pyx12_reads_our_278_clean_and_finds_a_miscounted_or_renumbered_one(draft, settings_row, harbor_intake):
    """A reader that is not ours (pyx12) finds nothing wrong with the file we write, and does find
    the faults a writer could make: a wrong SE count, a trailer whose control number differs."""
    content = x12_278_request_download(request=ready(draft), actor=harbor_intake, now=NOW).content
    assert envelope_errors(content) == []

    segments = content.split("~")
    se = next(i for i, segment in enumerate(segments) if segment.strip().startswith("SE*"))
    count, control = segments[se].strip().split("*")[1:3]
    miscounted = segments.copy()
    miscounted[se] = segments[se].replace(f"SE*{count}*", f"SE*{int(count) + 1}*")
    assert any("SE count" in error for error in envelope_errors("~".join(miscounted)))
    renumbered = segments.copy()
    renumbered[se] = segments[se].replace(f"*{control}", "*9999")
    assert any("does not match ST" in error for error in envelope_errors("~".join(renumbered)))


def test_a_renewal_carries_the_prior_authorization_number(draft, settings_row, harbor_intake, episode, coverage, start):
    first = ready(draft)
    request_submit(request=first, channel="x12_278", actor=harbor_intake)
    determination = determination_record(
        request=first,
        action="A1",
        authorization_number="AUTH-777",
        approved_code="90853",
        approved_units=6,
        start_date=first.start_date,
        end_date=first.end_date,
        actor=harbor_intake,
    )
    renewal = request_create(
        episode=episode,
        coverage=coverage,
        actor=harbor_intake,
        start_date=first.end_date + dt.timedelta(days=1),
        certification_type="R",
    )
    AuthorizationRequest.objects.filter(pk=renewal.pk).update(prior_authorization=determination.authorization)
    renewal = ready(AuthorizationRequest.objects.get(pk=renewal.pk))

    message = x12_278_request_download(request=renewal, actor=harbor_intake, now=NOW)

    [body] = independent_check(message.content, transaction_set="278")
    assert ["REF", "BB", "AUTH-777"] in body
    event = parse_278(message.content).transactions[0].event
    assert (event.certification_type, event.reference("BB")) == ("R", "AUTH-777")
    assert {s.certification_type for s in parse_278(message.content).transactions[0].services} == {"R"}


def test_a_couples_packet_is_one_interchange_with_one_transaction_set_per_partner(
    couple_world, settings_row, harbor_intake
):
    packet = packet_create(
        couple=couple_world["couple"], coverages=couple_world["coverages"], joint_goals="Talk.", actor=harbor_intake
    )
    for request in packet.requests.all():
        complete(request)
    packet_mark_ready(packet=packet)

    message = x12_278_packet_download(packet=packet, actor=harbor_intake, now=NOW)

    assert (message.packet, message.request) == (packet, None)
    bodies = independent_check(message.content, transaction_set="278")
    assert [body[0][2] for body in bodies] == ["0001", "0002"]
    parsed = parse_278(message.content)
    requests = {r.coverage.member_id: r for r in packet.requests.all()}
    assert {t.subscriber.member_id for t in parsed.transactions} == {"BHP-2001", "BHP-2002"}
    for transaction in parsed.transactions:
        request = requests[transaction.subscriber.member_id]
        assert transaction.event.traces() == {request_trace(request)}
        assert {s.code for s in transaction.services} == {line.code for line in request.lines.all()}
    assert set(message.trace_number.split()) == {request_trace(r) for r in requests.values()}


def test_a_dependent_patient_gets_the_2000D_loop(draft, settings_row, harbor_intake, coverage):
    coverage.subscriber_relationship = "spouse"
    coverage.subscriber_name = "Pat Rivera"
    coverage.subscriber_date_of_birth = dt.date(1970, 5, 6)
    coverage.save()
    request = ready(draft)

    message = x12_278_request_download(request=request, actor=harbor_intake, now=NOW)

    [body] = independent_check(message.content, transaction_set="278")
    assert [row[3] for row in body if row[0] == "HL"][:5] == ["20", "21", "22", "23", "EV"]
    transaction = parse_278(message.content).transactions[0]
    assert (transaction.subscriber.last_name, transaction.subscriber.first_name) == ("Rivera", "Pat")
    assert transaction.subscriber.date_of_birth == dt.date(1970, 5, 6)
    assert transaction.dependent.last_name == request.episode.client.last_name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: InteropSettings.objects.all().delete(), "submitter id"),
        (lambda s: InteropSettings.objects.update(requester_npi=""), "NPI"),
    ],
)
def test_missing_settings_are_refused_and_nothing_is_kept(draft, settings_row, harbor_intake, change, message):
    request = ready(draft)
    change(settings_row)
    with pytest.raises(ApplicationError) as refused:
        x12_278_request_download(request=request, actor=harbor_intake, now=NOW)
    assert message in refused.value.message
    assert not InteropMessage.objects.exists()


def test_a_draft_or_a_payer_without_payer_id_is_refused(draft, settings_row, harbor_intake, payer):
    with pytest.raises(ApplicationError, match="Mark the request ready"):
        x12_278_request_download(request=draft, actor=harbor_intake, now=NOW)
    request = ready(draft)
    payer.payer_id = ""
    payer.save()
    with pytest.raises(ApplicationError, match="no electronic payer id"):
        x12_278_request_download(request=AuthorizationRequest.objects.get(pk=request.pk), actor=harbor_intake, now=NOW)
    assert not InteropMessage.objects.exists()


def test_control_numbers_count_up_per_organization(draft, settings_row, harbor_intake):
    request = ready(draft)
    numbers = [
        x12_278_request_download(request=request, actor=harbor_intake, now=NOW).interchange_control_number
        for _ in range(3)
    ]
    assert numbers == ["000000001", "000000002", "000000003"]
    assert InteropSettings.objects.get().last_control_number == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_never_repeat_a_control_number(draft, settings_row, harbor_intake, harbor):
    request = ready(draft)
    count = 8
    barrier = threading.Barrier(count)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def download():
        try:
            with tenant_context(harbor.id):
                barrier.wait()
                numbers.append(
                    x12_278_request_download(request=request, actor=harbor_intake, now=NOW).interchange_control_number
                )
        except BaseException as exc:  # noqa: BLE001 - reported in the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=download) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"{n:09d}" for n in range(1, count + 1)]
    for message in InteropMessage.objects.all():
        assert parse_278(message.content).control_number == message.interchange_control_number
