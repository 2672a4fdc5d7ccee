"""The VA's reminders page, through the browser UI."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from iop.audit.models import AccessEvent
from iop.clients.models import Episode
from iop.notifications.models import OutboundMessage
from iop.tenancy.context import tenant_context
from scheduling.models import ReminderDispatch, ReminderDispatchEvent, ReminderStatus
from scheduling.services import placements as placement_services
from tests.conftest import login, make_member
from tests.pages import get_goes_to_page

from .conftest import MONDAY, TUESDAY, WEDNESDAY, at, run_evening, unknown_reminder

pytestmark = pytest.mark.django_db


def _url(name: str, org, **kwargs) -> str:
    return reverse(f"reminders:{name}", kwargs={"org_slug": org.slug, **kwargs})


# --- Reminders preview -----------------------------------------------------------------------------


def test_the_va_previews_tomorrows_reminders_and_the_view_is_audited(client, harbor, harbor_va, world):
    login(client, harbor_va)
    response = client.get(_url("preview", harbor))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reminders for 14 Apr 2026" in page
    assert world["ana"].sort_name in page
    assert "Process group" in page
    assert "Skills training" in page
    assert "09:00" in page
    assert "Not sent: No consent to reminders on file." in page  # cara
    assert "Not sent: The client chose no reminders." in page  # dan
    assert "Not sent: No email address on file." in page  # eve
    assert "Nothing has been sent for this day yet." in page
    assert "no-store" in response["Cache-Control"]

    with tenant_context(harbor.id):
        (event,) = AccessEvent.objects.filter(route="reminders:preview")
    shown = {str(world[n].pk) for n in ("ana", "ben", "cara", "dan", "eve")}
    assert event.action == "list"
    assert set(event.object_ids) == shown


def test_the_page_shows_what_was_sent_for_a_chosen_day(client, harbor, harbor_va, world, clock):
    clock.move_to(at(MONDAY, "18:00"))
    run_evening(harbor)
    login(client, harbor_va)
    response = client.get(_url("preview", harbor), {"date": TUESDAY.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(">Sent</span>") == 2  # ana by email, ben by SMS
    assert ">Skipped</span>" in page
    assert "13 Apr, 18:00" in page  # sent time in the organization's zone
    assert "Join online: https://video.example.test/room" in page  # the message itself


@pytest.fixture
def monday_friday(world, make_group, today):
    """Ana also in a group meeting on Mondays and Fridays (the world's others meet Tue/Wed)."""
    group = make_group("Weekend bridge", [(0, "14:00", 60), (4, "14:00", 60)], lead=2)
    placement_services.placement_create(episode=Episode.objects.get(client=world["ana"]), group=group, start_date=today)
    return group


FRIDAY = MONDAY + dt.timedelta(days=4)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)


@pytest.mark.parametrize("hhmm", ["18:30", "20:30"])  # 20:30 in New York is already Saturday in UTC
def test_on_a_friday_evening_the_page_opens_on_monday_and_says_why(
    client, harbor, harbor_va, monday_friday, clock, hhmm
):
    clock.move_to(at(FRIDAY, hhmm), tick=False)
    login(client, harbor_va)

    page = client.get(_url("preview", harbor)).content.decode()

    assert re.search(r"<h1>Reminders for (Mon\w* )?20 Apr\w* 2026</h1>", page)
    assert re.search(r"The next day with sessions \(none tomorrow, Sat\w* 18 Apr\w*\)", page)
    assert re.search(r"its reminders go out on Sun\w* 19 Apr\w* at 18:00", page)
    assert "Weekend bridge" in page and "14:00" in page
    assert f'value="{NEXT_MONDAY.isoformat()}"' in page  # the date field says the same day


def test_tomorrow_is_shown_when_it_has_sessions_even_when_utc_is_a_day_ahead(
    client, harbor, harbor_va, monday_friday, clock
):
    clock.move_to(at(FRIDAY + dt.timedelta(days=2), "20:30"), tick=False)  # Sunday evening: Monday in UTC
    login(client, harbor_va)

    page = client.get(_url("preview", harbor)).content.decode()

    assert re.search(r"<h1>Reminders for (Mon\w* )?20 Apr\w* 2026</h1>", page)
    assert "Tomorrow's sessions." in page
    assert "The next day with sessions" not in page


def test_a_chosen_day_without_sessions_is_shown_as_chosen(client, harbor, harbor_va, monday_friday, clock):
    clock.move_to(at(FRIDAY, "18:30"), tick=False)
    login(client, harbor_va)

    page = client.get(_url("preview", harbor), {"date": (FRIDAY + dt.timedelta(days=1)).isoformat()}).content.decode()

    assert re.search(r"<h1>Reminders for (Sat\w* )?18 Apr\w* 2026</h1>", page)
    assert "No client in care has sessions on this day." in page
    assert "The next day with sessions" not in page


def test_a_bad_date_is_refused_with_a_message(client, harbor, harbor_va, world):
    login(client, harbor_va)
    response = client.get(_url("preview", harbor), {"date": "14/04/2026"})
    assert response.status_code == 422
    assert "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("role", ["clinician", "intake"])
def test_roles_without_reminders_view_are_refused(client, harbor, role):
    login(client, make_member(harbor, role))
    assert client.get(_url("preview", harbor)).status_code == 403


# --- Unknown status and resend ---------------------------------------------------------------------


def test_an_unknown_reminder_is_listed_and_resent_once_with_the_audit_trail(
    client, harbor, harbor_va, world, clock, monkeypatch, eager, django_capture_on_commit_callbacks
):
    ana = unknown_reminder(world, monkeypatch, clock)
    assert len(mail.outbox) == 1  # it did leave; nobody can know that

    clock.move_to(at(TUESDAY, "08:00"))  # the next morning, on the default day (Wednesday)
    login(client, harbor_va)
    page = client.get(_url("preview", harbor)).content.decode()
    assert "Reminders for 15 Apr 2026" in page
    assert "Status unknown — check and resend" in page
    assert world["ana"].sort_name in page
    resend = _url("resend", harbor, dispatch_id=ana.pk)
    assert f'action="{resend}"' in page
    with tenant_context(harbor.id):
        event = AccessEvent.objects.filter(route="reminders:preview").latest("occurred_at")
    assert str(world["ana"].pk) in event.object_ids
    # A GET of the button's endpoint (a reload, a bookmark) is the page again, and resends nothing.
    get_goes_to_page(client, resend, page=_url("preview", harbor))
    with tenant_context(harbor.id):
        assert ReminderDispatch.objects.get(pk=ana.pk).resends == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 302
    assert response["Location"] == _url("preview", harbor) + "?date=2026-04-14"
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(resend, follow=True)  # a double click
    page = again.content.decode()
    assert "it was resent already" in page
    assert "Status unknown — check and resend" not in page
    assert f"Resent by {harbor_va}, Tue 14 Apr, 08:00" in page

    with tenant_context(harbor.id):
        ana.refresh_from_db()
        assert (ana.status, ana.resends, ana.resent_by_id) == (ReminderStatus.SENT, 1, harbor_va.pk)
        outbox = sorted(OutboundMessage.objects.filter(client=world["ana"]).values_list("idempotency_key", "status"))
        assert outbox == [(str(ana.pk), "unknown"), (f"{ana.pk}.1", "sent")]
        # The change history has the resend, made by the VA in a web request.
        (event,) = ReminderDispatchEvent.objects.filter(pgh_obj=ana, resent_by=harbor_va)[:1]
        assert (event.status, event.resends) == (ReminderStatus.QUEUED, 1)
        assert event.pgh_context.metadata["user"] == harbor_va.pk
    assert len(mail.outbox) == 2  # the resend is one new message


@pytest.mark.parametrize("role", ["clinician", "intake"])
def test_roles_without_resend_cannot_resend(client, harbor, world, clock, monkeypatch, role):
    ana = unknown_reminder(world, monkeypatch, clock)
    login(client, make_member(harbor, role))
    assert client.post(_url("resend", harbor, dispatch_id=ana.pk)).status_code == 403
    with tenant_context(harbor.id):
        assert ReminderDispatch.objects.get(pk=ana.pk).status == ReminderStatus.UNKNOWN


def test_a_reminder_for_a_day_that_has_passed_is_not_resent(client, harbor, harbor_va, world, clock, monkeypatch):
    ana = unknown_reminder(world, monkeypatch, clock)
    clock.move_to(at(WEDNESDAY, "08:00"))
    login(client, harbor_va)
    assert "Status unknown — check and resend" not in client.get(_url("preview", harbor)).content.decode()
    page = client.post(_url("resend", harbor, dispatch_id=ana.pk), follow=True).content.decode()
    assert "That day has passed" in page
    assert "Status unknown" in page  # still on that day's list, as it was
    with tenant_context(harbor.id):
        assert ReminderDispatch.objects.get(pk=ana.pk).resends == 0
