"""Two web processes that share only PostgreSQL and Redis serve one signed-in user: signed in
through one, the next page comes from the other; signed out through the other, the first no longer
knows the session. So the web tier keeps nothing of its own, and `docker compose up --scale web=N`
behind the lb serves one user from any container (docker-compose.yml).

The processes are `make run`'s web process (tests/ops/webserver.py), one gunicorn worker each, on
two ports. The session is in Redis (and written through to PostgreSQL: iop/accounts/sessions.py).
"""

from __future__ import annotations

import http.client

import pytest
from django.conf import settings
from django.core.cache import cache

from iop.accounts.sessions import SessionStore

from ..conftest import make_member
from .webserver import sign_in_cookies, web_process, with_password

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGE = "/o/harbor/clients/"


def _request(port: int, method: str, path: str, cookies: dict[str, str]) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if method == "POST":
        headers |= {"X-CSRFToken": cookies["csrftoken"], "Content-Type": "application/x-www-form-urlencoded"}
    conn.request(method, path, body="" if method == "POST" else None, headers=headers)
    response = conn.getresponse()
    response.read()
    return response


def test_a_user_signed_in_through_one_web_process_goes_on_through_another(harbor, tmp_path):
    user = make_member(harbor, "va", "va@harbor.test", mfa=False)
    with_password([user])
    with (
        web_process(tmp_path / "first.log", "--workers=1") as first,
        web_process(tmp_path / "second.log", "--workers=1") as second,
    ):
        signed_in = sign_in_cookies(first, user.email)
        assert set(signed_in) >= {"sessionid", "csrftoken"}
        # The session is in the shared Redis (this run's key prefix, as the processes use it).
        assert settings.SESSION_ENGINE == "iop.accounts.sessions"
        assert cache.get(SessionStore(signed_in["sessionid"]).cache_key)

        assert _request(second, "GET", PAGE, signed_in).status == 200
        assert _request(first, "GET", PAGE, signed_in).status == 200

        signed_out = _request(second, "POST", "/accounts/logout/", signed_in)
        assert signed_out.status == 302
        page = _request(first, "GET", PAGE, signed_in)
        assert page.status == 302 and page.getheader("Location").startswith("/accounts/login/")
        assert not SessionStore().exists(signed_in["sessionid"])
