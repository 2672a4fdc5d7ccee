"""Records transmission under consent (42 CFR 2.31, 2.32): refused without a covering consent and
nothing leaves; a revoked or expired consent blocks the next one; the couple rule; the §2.32
notice and the consent's scope in the PDF; only the covered kinds in the packet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from discharge.consent.documents import PART2_NOTICE
from discharge.consent.selectors import records_sent
from discharge.consent.services import consent_expiry_event_record, consent_revoke, records_send
from discharge.models import Consent, Disclosure
from iop.clients.models import Couple
from iop.common.exceptions import ApplicationError
from tests.factories import ClientFactory
from tests.pdf_pages import near_empty_pages, page_body_lines

from .conftest import ALL_KINDS, pdf_text

pytestmark = pytest.mark.django_db


def send(episode, actor, **kwargs):
    values = dict(organization=episode.organization, episode=episode, purpose="continuity", channel="fax", actor=actor)
    values.update(kwargs)
    return records_send(**values)


def test_without_a_consent_refused_and_nothing_leaves(episode, provider, harbor_va):
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_provider=provider)
    assert refused.value.code == "consent_not_covering"
    assert "Harbor Outpatient" in refused.value.message and "continuity of care" in refused.value.message
    assert not Disclosure.objects.exists()
    assert records_sent(episode.transition_plan) is False


def test_a_consent_without_sud_records_names_what_is_missing(episode, provider, harbor_va, make_consent):
    make_consent(information=[k for k in ALL_KINDS if k != "sud_records"])
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_provider=provider)
    assert refused.value.message.startswith(
        "No consent covers 'Substance use disorder treatment records' to Harbor Outpatient for continuity of care."
    )
    assert not Disclosure.objects.exists()


def test_another_recipient_or_purpose_is_not_covered(episode, provider, other_provider, harbor_va, make_consent):
    make_consent()
    for kwargs in (dict(recipient_provider=other_provider), dict(recipient_provider=provider, purpose="payment")):
        with pytest.raises(ApplicationError):
            send(episode, harbor_va, **kwargs)
    assert not Disclosure.objects.exists()


def test_sent_under_consent_with_notice_and_scope(episode, provider, harbor_va, make_consent):
    consent = make_consent(information_detail="Everything from admission to discharge")
    disclosure = send(episode, harbor_va, recipient_provider=provider)
    assert disclosure.consent == consent
    assert disclosure.recipient_name == "Harbor Outpatient"
    assert disclosure.sent_by == harbor_va and disclosure.channel == "fax"
    assert "sud_records" in disclosure.information
    text = pdf_text(bytes(disclosure.document))
    assert PART2_NOTICE in text
    assert "Consent to this disclosure" in text and "Everything from admission to discharge" in text
    assert "revoke" in text
    for heading in (
        "Demographics and contact",
        "Diagnoses",
        "F10.20",
        "Treatment plan and progress",
        "Stay sober 90 days",
        "Attendance summary",
        "Medications",
        "Risk and safety plan",
        "Discharge summary",
        "steps down to weekly outpatient",
    ):
        assert heading in text, heading
    assert disclosure.page_count >= 1
    assert records_sent(episode.transition_plan) is True


def test_the_packet_omits_kinds_the_consent_does_not_cover(episode, provider, harbor_va, make_consent):
    make_consent(information=["demographics", "diagnoses", "sud_records"])
    disclosure = send(episode, harbor_va, recipient_provider=provider)
    assert sorted(disclosure.information) == ["demographics", "diagnoses", "sud_records"]
    text = pdf_text(bytes(disclosure.document))
    assert "F10.20" in text and "Demographics and contact" in text
    # Its last section travels with the closing notice: no page holds the notice alone.
    assert near_empty_pages(bytes(disclosure.document)) == {}, page_body_lines(bytes(disclosure.document))
    for absent in (
        "Stay sober 90 days",
        "Attendance summary",
        "Risk and safety plan",
        "steps down to weekly outpatient",
    ):
        assert absent not in text, absent
    # Asking for a kind it does not cover is refused, naming it.
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_provider=provider, information=["demographics", "treatment_plan"])
    assert "'Treatment plan and progress'" in refused.value.message
    assert Disclosure.objects.count() == 1


def test_a_revoked_consent_blocks_the_next_transmission(episode, provider, harbor_va, make_consent):
    consent = make_consent()
    send(episode, harbor_va, recipient_provider=provider)
    consent_revoke(consent=consent, note="Client asked in writing", actor=harbor_va)
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_provider=provider)
    assert "revoked" in refused.value.message
    assert Disclosure.objects.count() == 1
    consent.refresh_from_db()
    assert consent.revoked_by == harbor_va and consent.revocation_note == "Client asked in writing"
    with pytest.raises(ApplicationError):
        consent_revoke(consent=consent, actor=harbor_va)


def test_an_expired_consent_blocks(episode, provider, harbor_va, make_consent, in_harbor):
    consent = make_consent()
    # The expiry date passed yesterday in the organization's local date.
    Consent.objects.filter(pk=consent.pk).update(expires_on=in_harbor.local_today() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_provider=provider)
    assert "expired" in refused.value.message
    assert not Disclosure.objects.exists()


def test_an_expiry_event_blocks(episode, provider, harbor_va, make_consent):
    consent = make_consent(expires_on=None, expiry_event="End of treatment")
    send(episode, harbor_va, recipient_provider=provider)
    consent_expiry_event_record(consent=consent, actor=harbor_va)
    with pytest.raises(ApplicationError):
        send(episode, harbor_va, recipient_provider=provider)
    assert Disclosure.objects.count() == 1


def test_the_expiry_date_itself_is_still_valid(episode, provider, harbor_va, make_consent, in_harbor):
    make_consent(expires_on=in_harbor.local_today())
    assert send(episode, harbor_va, recipient_provider=provider)


def test_a_couples_partner_needs_the_clients_own_consent(episode, harbor_client, harbor_va, make_consent, in_harbor):
    partner = ClientFactory(organization=in_harbor, first_name="Sam", last_name="Rivera")
    a, b = sorted([harbor_client, partner], key=lambda c: c.pk)
    Couple.objects.create(
        partner_a=a, partner_b=b, identified_patient=harbor_client, started_on=in_harbor.local_today()
    )
    # The partner's own consent naming the client, and the client's consent to a provider, do not count.
    make_consent()
    consent_of_partner = make_consent(
        client=partner, recipient_provider=None, recipient_client=harbor_client, signed_name="Sam Rivera"
    )
    assert consent_of_partner.client == partner
    # Nor does a consent to a person named in words, even with the partner's name.
    make_consent(recipient_provider=None, recipient_name="Sam Rivera")
    with pytest.raises(ApplicationError) as refused:
        send(episode, harbor_va, recipient_client=partner, purpose="continuity")
    assert "Sam Rivera" in refused.value.message
    assert not Disclosure.objects.exists()
    # The client's own consent naming the partner does.
    consent = make_consent(recipient_provider=None, recipient_client=partner, information=["attendance", "sud_records"])
    disclosure = send(episode, harbor_va, recipient_client=partner)
    assert disclosure.consent == consent and disclosure.recipient_name == "Sam Rivera"
    assert sorted(disclosure.information) == ["attendance", "sud_records"]


def test_bad_input_is_refused_with_nothing_changed(episode, provider, harbor_va, make_consent):
    make_consent()
    for kwargs, code in (
        (dict(recipient_provider=provider, channel="pigeon"), "disclosure_invalid"),
        (dict(recipient_provider=provider, purpose="curiosity"), "disclosure_invalid"),
        (dict(recipient_provider=provider, information=[]), "disclosure_invalid"),
        (dict(recipient_provider=provider, information=["gossip"]), "disclosure_invalid"),
        (dict(recipient_provider=provider, sent_at=timezone.now() + dt.timedelta(hours=2)), "disclosure_invalid"),
        (dict(), "disclosure_invalid"),
    ):
        with pytest.raises(ApplicationError) as refused:
            send(episode, harbor_va, **kwargs)
        assert refused.value.code == code, kwargs
    assert not Disclosure.objects.exists()
