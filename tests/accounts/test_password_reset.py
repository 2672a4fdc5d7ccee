"""A password reset mails only an address that has an account, and never says which is which."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"


def test_a_reset_for_an_unknown_address_sends_nothing_and_answers_as_for_a_known_one(client, harbor_va):
    known = client.post(RESET_URL, {"email": "va@harbor.test"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["va@harbor.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    mail.outbox.clear()

    unknown = client.post(RESET_URL, {"email": "nobody@harbor.test"})

    assert mail.outbox == []
    assert (
        (unknown.status_code, unknown["Location"])
        == (known.status_code, known["Location"])
        == (
            302,
            "/accounts/password/reset/done/",
        )
    )
    done = client.get(unknown["Location"]).content.decode()
    assert "nobody@harbor.test" not in done
