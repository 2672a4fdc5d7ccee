"""Sessions materialised from weekly slots: local times across DST, idempotent re-runs."""

import datetime as dt
import zoneinfo

import pytest

from scheduling.models import Session, SessionFacilitator
from scheduling.services import groups as group_services
from scheduling.services import materialisation as materialisation_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_sessions_keep_local_time_across_the_dst_change(in_harbor, make_group):
    # US DST ends on Sunday 2026-11-01: Mondays before are EDT (UTC-4), after are EST (UTC-5).
    today = dt.date(2026, 10, 19)
    group = make_group("Process A", [])
    group_services.slot_create(
        group=group, weekday=0, start_time=dt.time(9, 0), duration_minutes=90, effective_from=today, today=today
    )
    sessions = {s.local_date: s for s in Session.objects.filter(group=group)}
    before, after = sessions[dt.date(2026, 10, 26)], sessions[dt.date(2026, 11, 2)]
    assert before.starts_at == dt.datetime(2026, 10, 26, 13, 0, tzinfo=dt.UTC)
    assert after.starts_at == dt.datetime(2026, 11, 2, 14, 0, tzinfo=dt.UTC)
    for session in (before, after):
        assert session.starts_at.astimezone(NEW_YORK).time() == dt.time(9, 0)
        assert session.duration_minutes == 90


def test_horizon_and_rerun_creates_nothing_new(in_harbor, make_group, today):
    group = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    count = Session.objects.filter(group=group).count()
    assert 16 <= count <= 18  # two a week for the default 8-week horizon
    assert materialisation_services.sessions_materialise(organization=in_harbor, today=today) == []
    assert Session.objects.filter(group=group).count() == count


def test_new_sessions_book_the_groups_facilitators(in_harbor, make_group, facilitators):
    group = make_group("Process A", [(1, "10:00", 60)], lead=0, co=1)
    session = Session.objects.filter(group=group).first()
    roles = dict(SessionFacilitator.objects.filter(session=session).values_list("role", "staff_profile"))
    assert roles == {"lead": facilitators[0].pk, "co": facilitators[1].pk}


def test_a_modified_session_is_not_overwritten_by_materialisation(in_harbor, make_group, today):
    group = make_group("Process A", [(3, "09:00", 60)])
    session = Session.objects.filter(group=group).order_by("starts_at").last()
    session_services.session_update_topic(session=session, topic="Grief and loss")
    materialisation_services.sessions_materialise(organization=in_harbor, today=today)
    session.refresh_from_db()
    assert session.topic == "Grief and loss"


def test_ending_a_slot_cancels_its_later_sessions(in_harbor, make_group, week):
    group = make_group("Process A", [(0, "09:00", 60)])
    slot = group.slots.get()
    cancelled = group_services.slot_end(slot=slot, effective_to=week)
    assert cancelled >= 1
    assert not Session.objects.filter(group=group, local_date__gt=week, status="scheduled").exists()
    assert Session.objects.filter(group=group, local_date=week, status="scheduled").exists()


def test_a_session_moved_to_another_day_is_not_recreated(in_harbor, make_group, today, week):
    group = make_group("Process A", [(0, "09:00", 60)])
    session = Session.objects.get(group=group, local_date=week)
    tuesday = week + dt.timedelta(days=1)
    session_services.session_move(session=session, local_date=tuesday, start_time=dt.time(13, 0), duration_minutes=60)
    session.refresh_from_db()
    assert (session.local_date, session.occurrence_date) == (tuesday, week)
    materialisation_services.sessions_materialise(organization=in_harbor, today=today)
    assert not Session.objects.filter(group=group, local_date=week).exists()
