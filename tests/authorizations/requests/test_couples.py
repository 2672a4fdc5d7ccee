"""A couple's combined packet: one request per partner on their own coverage, sharing the joint
goals, couples therapy on the identified patient; submitted together; decided each on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import Authorization, AuthorizationRequest, RequestPacket, RequestStatus
from authorizations.requests.selectors import request_validate
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.lines import line_add
from authorizations.requests.services.packets import packet_create, packet_mark_ready, packet_submit, packet_update
from authorizations.requests.services.workflow import request_mark_ready
from iop.clients.models import EpisodeStatus
from iop.common.exceptions import ApplicationError
from iop.notifications.models import OutboundMessage

from .conftest import complete

pytestmark = pytest.mark.django_db

GOALS = "Communication skills; relapse prevention; couples therapy weekly."


def _packet(world, actor, **kwargs):
    return packet_create(couple=world["couple"], coverages=world["coverages"], joint_goals=GOALS, actor=actor, **kwargs)


def _ready_both(packet):
    for request in packet.requests.all():
        complete(request)
    return packet_mark_ready(packet=packet)


def test_a_couples_packet_makes_two_requests_on_two_coverages_and_approving_one_leaves_the_other_pending(
    couple_world, harbor_intake, django_capture_on_commit_callbacks, eager_celery
):
    packet = _packet(couple_world, harbor_intake)
    requests = {r.episode.client_id: r for r in packet.requests.select_related("episode", "coverage")}
    ip, partner = couple_world["ip"], couple_world["partner"]

    assert set(requests) == {ip.pk, partner.pk}
    for client_id, request in requests.items():
        assert request.coverage == couple_world["coverages"][client_id]
        assert request.episode == couple_world["episodes"][client_id]
        assert request.packet.joint_goals == GOALS
    assert requests[ip.pk].coverage != requests[partner.pk].coverage
    # Couples therapy is coded on the identified patient only, even though both plans list it.
    assert requests[ip.pk].lines.filter(code="90847").count() == 1
    assert not requests[partner.pk].lines.filter(code="90847").exists()

    _ready_both(packet)
    submitted = packet_submit(
        packet=packet,
        channel="portal",
        payer_references={requests[ip.pk].pk: "P-1", requests[partner.pk].pk: "P-2"},
        actor=harbor_intake,
    )
    assert {(r.status, r.payer_reference) for r in submitted} == {("submitted", "P-1"), ("submitted", "P-2")}

    for client in (ip, partner):
        client.reminder_channel, client.reminder_consent = "email", True
        client.save()
    approved = AuthorizationRequest.objects.get(pk=requests[partner.pk].pk)
    with django_capture_on_commit_callbacks(execute=True):
        determination_record(
            request=approved,
            action="A1",
            authorization_number="AUTH-P2",
            approved_code="90853",
            approved_units=6,
            start_date=approved.start_date,
            end_date=approved.end_date,
            actor=harbor_intake,
        )

    statuses = dict(AuthorizationRequest.objects.filter(packet=packet).values_list("episode__client_id", "status"))
    assert statuses == {partner.pk: RequestStatus.DETERMINED, ip.pk: RequestStatus.SUBMITTED}
    authorization = Authorization.objects.get()
    assert (authorization.coverage, authorization.episode.client) == (couple_world["coverages"][partner.pk], partner)
    # Both partners are told, each on their own channel; neither message says whose it is.
    own = OutboundMessage.objects.get(client=partner)
    other = OutboundMessage.objects.get(client=ip)
    assert (own.to, own.subject) == (partner.email, "Your authorization was approved")
    assert (other.to, other.subject) == (ip.email, "An authorization for your joint treatment was approved")
    for message in (own, other):
        assert ip.last_name not in message.body and partner.last_name not in message.body


def test_a_coverage_of_the_other_partner_is_refused(couple_world, harbor_intake):
    ip, partner = couple_world["ip"], couple_world["partner"]
    swapped = {ip.pk: couple_world["coverages"][partner.pk], partner.pk: couple_world["coverages"][ip.pk]}
    couple = couple_world["couple"]
    with pytest.raises(ApplicationError) as info:
        packet_create(couple=couple, coverages=swapped, joint_goals=GOALS, actor=harbor_intake)
    key = "coverage_a" if couple.partner_a_id == ip.pk else "coverage_b"
    assert info.value.extra[key] == [
        f"That coverage belongs to {partner.display_name}: {ip.display_name}'s request must be against their own "
        "coverage."
    ]
    assert not RequestPacket.objects.exists() and not AuthorizationRequest.objects.exists()


def test_each_partner_needs_an_open_episode(couple_world, harbor_intake):
    episode = couple_world["episodes"][couple_world["partner"].pk]
    episode.status = EpisodeStatus.DISCHARGED
    episode.save()
    with pytest.raises(ApplicationError) as info:
        _packet(couple_world, harbor_intake)
    messages = [m for ms in info.value.extra.values() for m in ms]
    assert f"{couple_world['partner'].display_name} has no open episode of care." in messages
    assert not RequestPacket.objects.exists()


def test_the_packet_is_submitted_whole_or_not_at_all_listing_each_partners_missing_items(couple_world, harbor_intake):
    packet = _packet(couple_world, harbor_intake)
    ip, partner = couple_world["ip"], couple_world["partner"]
    complete(packet.requests.get(episode__client=ip))
    request_mark_ready(request=packet.requests.get(episode__client=ip))

    with pytest.raises(ApplicationError) as info:
        packet_submit(packet=packet, channel="fax", actor=harbor_intake)
    problems = info.value.extra["__all__"]
    assert f"{partner.display_name}'s request is draft, not ready." in problems
    assert f"{partner.display_name}: Add the primary ICD-10-CM diagnosis." in problems
    assert not any(p.startswith(f"{ip.display_name}") for p in problems)
    assert set(packet.requests.values_list("status", flat=True)) == {"ready", "draft"}

    with pytest.raises(ApplicationError) as info:
        packet_mark_ready(packet=packet)
    assert f"{partner.display_name}: Explain why a lower level of care is not enough." in info.value.extra["__all__"]


def test_the_partners_request_may_not_carry_couples_therapy(couple_world, harbor_intake):
    packet = _packet(couple_world, harbor_intake)
    partner_request = complete(packet.requests.get(episode__client=couple_world["partner"]))
    line_add(request=partner_request, code="90847", units=1, frequency_per_week=1)
    problems = request_validate(request=partner_request)
    assert (
        "Couples therapy (90847) is coded on the identified patient only: this client is not the couple's identified "
        "patient, so remove the line from this request."
    ) in problems


def test_joint_goals_are_required_before_the_packet_is_ready(couple_world, harbor_intake):
    packet = packet_create(couple=couple_world["couple"], coverages=couple_world["coverages"], actor=harbor_intake)
    request = complete(packet.requests.get(episode__client=couple_world["ip"]))
    assert "Add the couple's joint treatment goals to the packet." in request_validate(request=request)
    packet_update(packet=packet, joint_goals=GOALS)
    request.packet.refresh_from_db()
    assert request_validate(request=request) == []


def test_both_requests_start_on_the_same_day(couple_world, harbor_intake, start):
    day = start + dt.timedelta(days=3)
    packet = _packet(couple_world, harbor_intake, start_date=day)
    assert set(packet.requests.values_list("start_date", flat=True)) == {day}
