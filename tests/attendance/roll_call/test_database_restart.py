"""PostgreSQL restarted in the middle of a roll call's save: nothing is half-saved, the facilitator
is told that nothing was saved and to try again (503, no stack trace), and saving again works.

A real restart: the app's connection goes to a PostgreSQL cluster of the test's own (tests/servers.py:
the shared server on 5432 is never restarted) holding a copy of the test database, signed-in
session included. The save is held at a pause point (iop/common/crash.py) after the attendance
records are written and before the commit, while `pg_ctl restart -m fast` ends every session;
then the save goes on, on a connection the server has closed.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from attendance.models import AttendanceRecord
from iop.tenancy.context import tenant_context
from tests.ops.databases import connected_to
from tests.servers import private_postgres

from .test_roll_call_page import _payload, roll_call_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _recorded(session) -> int:
    with tenant_context(session.organization_id):
        return AttendanceRecord.objects.filter(session=session).count()


def test_a_roll_call_saved_while_postgres_restarts_saves_nothing_and_says_try_again(
    roll_call, lead_user, settings, tmp_path
):
    browser = Client(raise_request_exception=False)
    browser.force_login(lead_user)  # the session is in the database that is copied next
    marker = tmp_path / "paused"
    settings.IOP_TEST_PAUSE_AT, settings.IOP_TEST_PAUSE_MARKER = "roll_call_save", str(marker)
    payload, page = _payload(roll_call.session, roll_call.entries), roll_call_url(roll_call.session)

    with private_postgres(copy_of=connection.settings_dict["NAME"]) as server:
        responses = []

        def save():  # the request's thread, with its own connection to the private server
            with connected_to(HOST="127.0.0.1", PORT=str(server.port)):
                responses.append(browser.post(page, payload))

        request = threading.Thread(target=save)
        request.start()
        try:
            for _ in range(1200):  # the save reaches its pause point (up to 120 s on a loaded machine)
                if marker.exists():
                    break
                request.join(0.1)
            assert marker.exists(), f"the roll call never reached its save: {responses}"
            server.restart()
        finally:
            marker.unlink(missing_ok=True)  # let the save go on
            request.join(120)
        assert not request.is_alive()

        (response,) = responses
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        shown = response.content.decode()
        assert "Try again in a moment" in shown and "nothing was saved" in shown
        assert "Traceback" not in shown and "OperationalError" not in shown and "server closed" not in shown

        with connected_to(HOST="127.0.0.1", PORT=str(server.port)):
            assert _recorded(roll_call.session) == 0  # all or nothing: nothing
            settings.IOP_TEST_PAUSE_AT = ""
            retried = browser.post(page, payload)
            assert retried.status_code == 302
            assert _recorded(roll_call.session) == len(roll_call.entries)
