"""MFA enforcement, idle and absolute session timeouts, login rate limiting, no open signup."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from iop.accounts.models import User
from iop.audit.models import SecurityEvent

from ..conftest import make_member
from ..factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_user_without_mfa_is_sent_to_mfa_setup(client, harbor, harbor_client):
    make_member(harbor, "va", "nomfa@harbor.test", mfa=False)
    response = client.post("/accounts/login/", {"login": "nomfa@harbor.test", "password": TEST_PASSWORD})
    assert response.status_code == 302
    for url in ("/o/harbor/clients/", f"/o/harbor/clients/{harbor_client.pk}/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up a factor is account-sensitive: allauth asks for the password again first.
    page = client.get(reverse("mfa_activate_totp"))
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "authenticator" in page.content.decode().lower()


def test_mfa_not_enforced_when_setting_is_off(client, harbor, settings):
    settings.IOP_REQUIRE_MFA = False
    user = make_member(harbor, "va", "nomfa@harbor.test", mfa=False)
    client.force_login(user)
    response = client.get("/healthz")
    assert response.status_code == 200
    response = client.get("/o/harbor/clients/")
    assert response.status_code == 200


def test_api_with_session_but_no_mfa_is_refused(client, harbor):
    user = make_member(harbor, "va", "nomfa@harbor.test", mfa=False)
    client.force_login(user)
    response = client.get("/api/v1/o/harbor/clients/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["message"]


def test_idle_session_is_logged_out_after_15_minutes(client, harbor_va):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        assert client.get("/o/harbor/clients/").status_code == 200
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/o/harbor/clients/").status_code == 200  # activity slides the window
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        response = client.get("/o/harbor/clients/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "timeout=1" in response["Location"]
    assert SecurityEvent.objects.filter(kind="session_timeout", user=harbor_va, detail__reason="idle").exists()
    assert client.get("/o/harbor/clients/").status_code == 302  # really signed out


def test_signing_in_again_on_a_session_left_idle_starts_its_clocks_again(client, harbor_va):
    """Signing the same user in again keeps the session's contents (Django cycles its key); the
    sign-in restarts the idle and absolute clocks, so the next page is served, not a timeout."""
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        assert client.get("/o/harbor/clients/").status_code == 200
        clock.shift(dt.timedelta(hours=13))  # past both the idle limit and the absolute cap
        client.force_login(harbor_va)
        assert client.get("/o/harbor/clients/").status_code == 200
    assert not SecurityEvent.objects.filter(kind="session_timeout", user=harbor_va).exists()


def test_absolute_cap_ends_even_an_active_session(client, harbor_va, settings):
    with time_machine.travel(dt.datetime(2026, 11, 2, 7, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        for _ in range(12 * 6):  # a request every 10 minutes for 12 hours
            assert client.get("/o/harbor/clients/").status_code == 200
            clock.shift(dt.timedelta(minutes=10))
        response = client.get("/o/harbor/clients/")
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind="session_timeout", detail__reason="absolute").exists()


def test_login_rate_limit_trips_after_repeated_failures(client, harbor_va):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "va@harbor.test", "password": "nope-nope-nope"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": "va@harbor.test", "password": TEST_PASSWORD})
    # Even the right password is refused while the limit holds.
    assert response.status_code == 429 or "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_open_signup_is_refused(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "walk-in@example.test", "password1": "a-very-long-pass-123", "password2": "a-very-long-pass-123"},
    )
    assert response.status_code in (200, 403)
    assert not User.objects.filter(email="walk-in@example.test").exists()


def test_full_login_with_totp(client, harbor, harbor_client):
    from ..factories import enable_totp, totp_code

    user = make_member(harbor, "va", "mfa@harbor.test", mfa=False)
    secret = enable_totp(user)
    response = client.post("/accounts/login/", {"login": "mfa@harbor.test", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(("steps_ago", "signed_in"), [(1, True), (2, False)])
def test_a_code_typed_as_the_step_rolls_over_still_signs_in_but_an_older_one_does_not(
    client, harbor, steps_ago, signed_in
):
    """The code shown when the user started typing is accepted in the next 30-second step (it
    reached the server late); one from two steps ago is refused."""
    from ..factories import enable_totp, totp_code

    user = make_member(harbor, "va", "late@harbor.test", mfa=False)
    secret = enable_totp(user)
    # Clock held mid-step, so the code's age is exactly `steps_ago` steps when it is checked.
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, 15, tzinfo=dt.UTC), tick=False):
        client.post("/accounts/login/", {"login": "late@harbor.test", "password": TEST_PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_ago=steps_ago)})
        assert ("_auth_user_id" in client.session) is signed_in


def test_idle_timeout_during_an_htmx_request_loads_the_login_page_whole(client, harbor_va):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        client.get("/o/harbor/clients/")
        clock.shift(dt.timedelta(minutes=15, seconds=30))
        response = client.post("/o/harbor/clients/", {"search": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('account_login')}?timeout=1"
