"""Recording consents with the §2.31 elements; refusals record nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from discharge.consent.scope import ConsentState, consent_state
from discharge.models import Consent
from iop.common.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def test_an_electronic_signature_is_recorded_now_with_the_staff_member(
    make_consent, harbor_va, harbor_client, in_harbor
):
    before = timezone.now()
    consent = make_consent(signed_at=timezone.now() - dt.timedelta(days=3))
    assert consent.signed_at >= before  # signed in front of the staff member, now
    assert consent.recorded_by == harbor_va
    assert consent.disclosing_party == in_harbor.name
    assert consent.recipient_name == "Harbor Outpatient"
    assert consent.right_to_revoke_explained
    assert consent_state(consent, today=in_harbor.local_today()) == ConsentState.VALID


def test_a_paper_signature_keeps_its_date(make_consent):
    signed = timezone.now() - dt.timedelta(days=2)
    consent = make_consent(signature_method="wet", signature_confirmed=False, signed_name="J. Doe", signed_at=signed)
    assert consent.signed_at == signed


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (dict(information=[]), "consent_incomplete"),
        (dict(information=["gossip"]), "consent_incomplete"),
        (dict(purpose="curiosity"), "consent_incomplete"),
        (dict(expires_on=None, expiry_event=""), "consent_incomplete"),
        (dict(right_to_revoke_explained=False), "consent_incomplete"),
        (dict(signed_name="  "), "consent_incomplete"),
        (dict(signature_confirmed=False), "consent_signature_invalid"),
        (dict(signed_name="Somebody Else"), "consent_signature_invalid"),
        (dict(recipient_provider=None, recipient_name=""), "consent_incomplete"),
        (dict(expires_on=dt.date(2020, 1, 1)), "consent_date_invalid"),
        (
            dict(signature_method="wet", signed_at=timezone.now() + dt.timedelta(days=2)),
            "consent_date_invalid",
        ),
    ],
)
def test_an_incomplete_consent_is_refused_and_nothing_recorded(make_consent, overrides, code):
    with pytest.raises(ApplicationError) as refused:
        make_consent(**overrides)
    assert refused.value.code == code
    assert not Consent.objects.exists()


def test_the_client_is_not_their_own_recipient(make_consent, harbor_client):
    with pytest.raises(ApplicationError) as refused:
        make_consent(recipient_provider=None, recipient_client=harbor_client)
    assert refused.value.code == "consent_recipient_invalid"
    assert not Consent.objects.exists()
