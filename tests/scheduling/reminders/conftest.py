"""Reminder fixtures: a clock frozen on a Monday noon in New York (ticking), groups that meet on
Tuesday and Wednesday, and clients placed into them through the real services.

Reminders depend on the wall clock in the organization's zone, so every test here runs under
time_machine; move the clock with `clock.move_to(at(...))`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from iop.clients.models import Client
from iop.tenancy.context import tenant_context
from scheduling.models import ReminderDispatch
from scheduling.reminders import services as reminder_services
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services
from tests.notifications.journal import journal  # noqa: F401 - fixture
from tests.workers import broker  # noqa: F401 - fixture

from ..conftest import make_facilitator

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
MONDAY = dt.date(2026, 4, 13)  # well clear of any DST change
TUESDAY, WEDNESDAY = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)


def at(day: dt.date, hhmm: str, tz: ZoneInfo = NEW_YORK) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=tz)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(at(MONDAY, "12:00"), tick=True)
    return time_machine


@pytest.fixture
def eager(settings):
    """Celery tasks run in-process and their errors propagate (restored afterwards)."""
    from iop.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def set_reminders(client: Client, channel: str = "email", consent: bool = True, **fields) -> Client:
    with tenant_context(client.organization_id):
        for name, value in {"reminder_channel": channel, "reminder_consent": consent, **fields}.items():
            setattr(client, name, value)
        client.save()
    return client


class WorkerKilled(BaseException):
    """The worker process dies: nothing after this line runs, no except clause catches it. (The
    slow tests in test_worker_crash.py kill a real worker process.)"""


def die_after_the_send(monkeypatch):
    """The next delivery reaches the provider, then its worker dies; later workers live."""
    real_deliver = reminder_services.outbound_deliver

    def deliver_then_die(**kwargs):
        monkeypatch.setattr(reminder_services, "outbound_deliver", real_deliver)
        real_deliver(**kwargs)
        raise WorkerKilled

    monkeypatch.setattr(reminder_services, "outbound_deliver", deliver_then_die)


def unknown_reminder(world, monkeypatch, clock):
    """Ana's email reminder went out, then its worker died before recording it: half an hour later
    the sweep says its status is unknown (email cannot drop a repeat, so it is not retried)."""
    organization = world["process"].organization
    clock.move_to(at(MONDAY, "18:00"))
    reminder_services.reminders_prepare(organization=organization)
    ana = ReminderDispatch.objects.get(client=world["ana"])
    die_after_the_send(monkeypatch)
    with pytest.raises(WorkerKilled):
        reminder_services.reminder_deliver(dispatch_id=ana.pk)
    clock.move_to(at(MONDAY, "18:31"))
    reminder_services.reminders_sweep_stuck(organization=organization)
    ana.refresh_from_db()
    assert ana.status == "unknown"
    return ana


def run_evening(organization, now: dt.datetime | None = None) -> list:
    """What the evening job does for one organization, without Celery: prepare, then deliver each."""
    with tenant_context(organization.id):
        ids = reminder_services.reminders_prepare(organization=organization, now=now)
        return [reminder_services.reminder_deliver(dispatch_id=pk) for pk in ids]


@pytest.fixture
def world(in_harbor, make_group, make_active_episode, today):
    """Two groups meeting Tuesday and Wednesday, and five clients (one per reminder situation):
    ana (email, in both groups), ben (SMS), cara (no consent), dan (no reminders), eve (email but
    no address)."""
    process = make_group("Process group", [(1, "09:00", 90), (2, "09:00", 90)], lead=0)
    skills = make_group("Skills training", [(1, "11:00", 60), (2, "11:00", 60)], kind="skills", lead=1)
    people = {}
    for name, channel, consent, groups in (
        ("ana", "email", True, [process, skills]),
        ("ben", "sms", True, [process]),
        ("cara", "email", False, [process]),
        ("dan", "none", True, [process]),
        ("eve", "email", True, [process]),
    ):
        episode = make_active_episode()
        client = set_reminders(
            episode.client, channel, consent, first_name=name.title(), last_name=f"{name.title()}son"
        )
        for group in groups:
            placement_services.placement_create(episode=episode, group=group, start_date=today)
        people[name] = client
    set_reminders(people["eve"], email="")
    return {"process": process, "skills": skills, **people}


def make_org_world(organization, program, email: str):
    """A facilitator, a Tuesday group and one consenting client in `organization`."""
    with tenant_context(organization.id):
        from tests.factories import ClientFactory, EpisodeFactory

        group_type = group_services.group_type_create(organization=organization, name="Process group")
        lead = make_facilitator(organization, email, [group_type])
        group = group_services.group_create(
            organization=organization,
            program=program,
            group_type=group_type,
            name="Evening process",
            capacity=10,
            lead_facilitator=lead,
            telehealth_url="https://video.example.test/x",
        )
        today = organization.local_today()
        group_services.slot_create(
            group=group,
            weekday=1,
            start_time=dt.time(10),
            duration_minutes=60,
            effective_from=today,
            today=today,
        )
        client = ClientFactory(organization=organization, reminder_channel="email", reminder_consent=True)
        episode = EpisodeFactory(organization=organization, client=client, program=program)
        placement_services.placement_create(episode=episode, group=group, start_date=today)
    return client
