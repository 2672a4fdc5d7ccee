"""The Today page: where every member lands, their role's panels, live refresh that never keeps an
idle session alive, and the query budget whatever the data size."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import SecurityEvent
from iop.today.hooks import TodayRows

pytestmark = pytest.mark.django_db


def _today(client, org_slug="harbor"):
    return client.get(reverse("today:today", kwargs={"org_slug": org_slug}))


def _keys(response) -> list[str]:
    return [loaded.key for loaded in response.context["board"].panels]


def test_the_va_lands_on_today_after_sign_in(client, harbor_va):
    from tests.conftest import login

    login(client, harbor_va)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("today:today", kwargs={"org_slug": "harbor"})


def test_the_va_sees_the_day_of_a_va(as_va):
    response = _today(as_va)
    assert response.status_code == 200
    keys = _keys(response)
    assert {"sessions_today", "uncovered", "missing_attendance", "hours_at_risk", "scheduling_gaps"} <= set(keys)
    assert "my_sessions_today" not in keys


def test_a_clinician_sees_their_own_day(as_clinician):
    keys = _keys(_today(as_clinician))
    assert {"my_sessions_today", "my_hours_at_risk", "my_absence_alerts"} <= set(keys)
    assert "sessions_today" not in keys


def test_an_admin_sees_every_panel_as_a_count(as_admin):
    board = _today(as_admin).context["board"]
    shown = {loaded.key: loaded.lines_shown for loaded in board.panels}
    assert shown["sessions_today"] is False and shown["hours_at_risk"] is False
    assert shown["absences"] is True
    # A member's own work ("my sessions today") would count only the admin's own: not shown.
    assert not {"my_sessions_today", "my_hours_at_risk", "my_absence_alerts", "my_review_calls"} & set(shown)


def test_another_organization_is_a_404(as_va, summit):
    assert _today(as_va, "summit").status_code == 404


POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_IOP_POLL": "1"}


def test_the_board_refreshes_as_a_fragment(as_va):
    response = as_va.get(reverse("today:board", kwargs={"org_slug": "harbor"}), **POLL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="today-board"' in html and "{#" not in html
    assert "<html" not in html  # the fragment only, no layout around it


def test_an_open_today_tab_does_not_keep_an_idle_session_alive(client, harbor_va):
    board = reverse("today:board", kwargs={"org_slug": "harbor"})
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        assert _today(client).status_code == 200
        # The board polls every minute for 15 minutes while nobody touches the page...
        for _ in range(15):
            clock.shift(dt.timedelta(minutes=1))
            assert client.get(board, **POLL).status_code == 200
        clock.shift(dt.timedelta(seconds=5))
        response = client.get(board, **POLL)
    # ...and the session still ends at the idle timeout: the poll is told to load the sign-in page.
    assert response["HX-Redirect"] == f"{reverse('account_login')}?timeout=1"
    assert SecurityEvent.objects.filter(kind="session_timeout", user=harbor_va, detail__reason="idle").exists()


def test_a_click_does_keep_the_session_alive(client, harbor_va):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client.force_login(harbor_va)
        assert _today(client).status_code == 200
        clock.shift(dt.timedelta(minutes=14))
        assert _today(client).status_code == 200
        clock.shift(dt.timedelta(minutes=14))
        assert _today(client).status_code == 200


def test_the_board_is_in_the_access_log_when_it_names_clients(as_va, harbor, harbor_program):
    from attendance.models import PaceState, ThresholdFlag
    from iop.audit.models import AccessEvent
    from iop.tenancy.context import tenant_context
    from tests.factories import ClientFactory, EpisodeFactory

    with tenant_context(harbor.id):
        client = ClientFactory(organization=harbor, first_name="Ana", last_name="Rivera")
        episode = EpisodeFactory(organization=harbor, client=client, program=harbor_program, status="active")
        today = harbor.local_today()
        week_start = today - dt.timedelta(days=(today.weekday() - harbor.week_start) % 7)
        ThresholdFlag.objects.create(
            organization=harbor,
            episode=episode,
            week_start=week_start,
            state=PaceState.CANNOT_REACH,
            required_minutes=540,
            required_days=3,
            attended_minutes=120,
            remaining_minutes=180,
            days_attended=1,
            requirement_source="plan",
            raised_at=timezone.now(),
        )
    response = _today(as_va)
    panel = next(p for p in response.context["board"].panels if p.key == "hours_at_risk")
    [line] = panel.items.lines
    assert line.text == "Rivera, Ana" and line.status == "Cannot reach" and line.tone == "alert"
    assert "2.0 h attended, 3.0 h still booked, 9.0 h required" == line.detail
    assert "Rivera, Ana" in response.content.decode()
    with tenant_context(harbor.id):
        event = AccessEvent.objects.filter(object_type="today").latest("pk")
    assert event.object_ids == [str(client.pk)] and event.action == "list"

    # Resolved (or no longer at risk): the line leaves the board.
    with tenant_context(harbor.id):
        ThresholdFlag.objects.filter(episode=episode).update(resolved_at=timezone.now())
    panel = next(p for p in _today(as_va).context["board"].panels if p.key == "hours_at_risk")
    assert panel.items.count == 0 and "Every client can still reach" in panel.panel.empty


def test_a_row_panel_ordered_by_an_expression_must_say_where_its_nulls_go():
    """Left to the database, NULLs go last ascending and first descending: a panel says which."""
    with pytest.raises(TypeError, match="nulls_first or nulls_last"):
        TodayRows(query=lambda context: None, line=lambda row, context: None, order_by=(F("due").asc(),))
    assert TodayRows(
        query=lambda context: None, line=lambda row, context: None, order_by=(F("due").desc(nulls_first=True), "-at")
    )
