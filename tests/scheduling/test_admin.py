"""Scheduling configuration in Django admin: saving a group or its weekly times materialises the
sessions; day-to-day records are read-only there; PHI rows are audited when opened."""

import datetime as dt

import pytest
from django.urls import reverse

from iop.audit.models import AccessEvent
from scheduling import selectors as scheduling_selectors
from scheduling.feeds.services import calendar_feed_create
from scheduling.models import (
    CalendarFeed,
    FacilitatorAbsence,
    Group,
    GroupType,
    Placement,
    ReminderDispatch,
    RosterEntry,
    SchedulingSettings,
    Session,
    WeeklySlot,
)
from scheduling.services import absences as absence_services
from scheduling.services import placements as placement_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    return client


def _group_form(group_type, program, lead, name="DBT Skills", **extra):
    return {
        "program": program.pk,
        "group_type": group_type.pk,
        "name": name,
        "capacity": "8",
        "lead_facilitator": lead.pk if lead else "",
        "co_facilitator": "",
        "delivery": "telehealth",
        "telehealth_url": "https://video.example.test/dbt",
        "room": "",
        "is_active": "on",
        **extra,
    }


def _slots(*rows, initial=0):
    """Inline formset data: rows of (id or None, weekday, start, minutes, effective_from, effective_to)."""
    data = {
        "slots-TOTAL_FORMS": str(len(rows)),
        "slots-INITIAL_FORMS": str(initial),
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, weekday, start, minutes, first, last) in enumerate(rows):
        data.update(
            {
                f"slots-{i}-id": pk or "",
                f"slots-{i}-weekday": weekday,
                f"slots-{i}-start_time": start,
                f"slots-{i}-duration_minutes": minutes,
                f"slots-{i}-effective_from": first,
                f"slots-{i}-effective_to": last or "",
            }
        )
    return data


def _errors(response) -> str:
    return response.content.decode()


def test_creating_a_group_with_a_weekly_time_in_admin_materialises_its_sessions(
    admin_client, harbor, harbor_program, group_types, facilitators, today
):
    response = admin_client.post(
        reverse("admin:scheduling_group_add"),
        {
            **_group_form(group_types["skills"], harbor_program, facilitators[1]),
            **_slots((None, 3, "11:00", 90, today.isoformat(), None)),
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    group = Group.objects.get(name="DBT Skills")
    assert group.organization == harbor
    sessions = Session.objects.filter(group=group)
    assert sessions.count() >= 8
    assert {s.local_date.weekday() for s in sessions} == {3}
    # The group's lead is booked into every new session.
    assert all(s.facilitators.get().staff_profile == facilitators[1] for s in sessions)


def test_adding_a_weekly_time_to_an_existing_group_materialises_it(
    admin_client, make_group, group_types, harbor_program, facilitators, today
):
    group = make_group("Process A", [(0, "09:00", 90)])
    monday = WeeklySlot.objects.get(group=group)
    before = Session.objects.filter(group=group).count()
    response = admin_client.post(
        reverse("admin:scheduling_group_change", args=[group.pk]),
        {
            **_group_form(group_types["process"], harbor_program, facilitators[0], name="Process A"),
            **_slots(
                (monday.pk, 0, "09:00", 90, monday.effective_from.isoformat(), None),
                (None, 2, "09:00", 90, today.isoformat(), None),
                initial=1,
            ),
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    wednesday = WeeklySlot.objects.get(group=group, weekday=2)
    assert Session.objects.filter(slot=wednesday).count() >= 8
    assert Session.objects.filter(slot=monday).count() == before


def test_ending_a_weekly_time_in_admin_cancels_its_later_sessions(
    admin_client, make_group, group_types, harbor_program, facilitators, week
):
    group = make_group("Process A", [(0, "09:00", 90)])
    slot = WeeklySlot.objects.get(group=group)
    response = admin_client.post(
        reverse("admin:scheduling_group_change", args=[group.pk]),
        {
            **_group_form(group_types["process"], harbor_program, facilitators[0], name="Process A"),
            **_slots((slot.pk, 0, "09:00", 90, slot.effective_from.isoformat(), week.isoformat()), initial=1),
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    later = Session.objects.filter(slot=slot, local_date__gt=week)
    assert later.exists()
    assert set(later.values_list("status", flat=True)) == {"cancelled"}
    assert Session.objects.get(slot=slot, local_date=week).status == "scheduled"


def test_re_timing_an_existing_weekly_time_is_refused(
    admin_client, make_group, group_types, harbor_program, facilitators
):
    group = make_group("Process A", [(0, "09:00", 90)])
    slot = WeeklySlot.objects.get(group=group)
    response = admin_client.post(
        reverse("admin:scheduling_group_change", args=[group.pk]),
        {
            **_group_form(group_types["process"], harbor_program, facilitators[0], name="Process A"),
            **_slots((slot.pk, 0, "10:00", 90, slot.effective_from.isoformat(), None), initial=1),
        },
    )
    assert response.status_code == 200
    assert "set “effective to” on this weekly time and add a new one" in _errors(response)
    slot.refresh_from_db()
    assert slot.start_time == dt.time(9)


def test_an_unqualified_lead_or_a_duplicate_name_is_refused(
    admin_client, make_group, group_types, harbor_program, facilitators, today
):
    make_group("Process A", [(0, "09:00", 90)])
    response = admin_client.post(
        reverse("admin:scheduling_group_add"),
        {**_group_form(group_types["skills"], harbor_program, facilitators[2]), **_slots()},
    )
    assert response.status_code == 200
    assert "is not qualified for Skills training groups" in _errors(response)
    response = admin_client.post(
        reverse("admin:scheduling_group_add"),
        {
            **_group_form(group_types["process"], harbor_program, facilitators[0], name="Process A"),
            **_slots(),
        },
    )
    assert response.status_code == 200
    assert "is already used in this organization" in _errors(response)
    assert list(Group.objects.values_list("name", flat=True)) == ["Process A"]


def test_group_type_with_qualified_facilitators(admin_client, harbor, facilitators):
    response = admin_client.post(
        reverse("admin:scheduling_grouptype_add"),
        {
            "name": "Psychoeducation",
            "counts_toward_hours": "on",
            "track": "group",
            "description": "",
            "is_active": "on",
            "qualifications-TOTAL_FORMS": "1",
            "qualifications-INITIAL_FORMS": "0",
            "qualifications-MIN_NUM_FORMS": "0",
            "qualifications-MAX_NUM_FORMS": "1000",
            "qualifications-0-staff_profile": facilitators[2].pk,
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    group_type = GroupType.objects.get(name="Psychoeducation")
    assert list(group_type.qualified_facilitators.all()) == [facilitators[2]]


def test_every_scheduling_page_opens(admin_client, harbor, make_group, make_active_episode, facilitators, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    placement_services.placement_create(episode=make_active_episode(), group=group, start_date=week)
    absence_services.facilitator_absence_record(staff_profile=facilitators[0], start_date=week, end_date=week)
    calendar_feed_create(staff_profile=facilitators[1])
    for model in (
        SchedulingSettings,
        GroupType,
        Group,
        Session,
        FacilitatorAbsence,
        Placement,
        RosterEntry,
        ReminderDispatch,
        CalendarFeed,
    ):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:scheduling_{name}_changelist")).status_code == 200, name
    for obj in (
        group,
        Session.objects.filter(group=group).first(),
        FacilitatorAbsence.objects.get(),
        Placement.objects.get(),
        RosterEntry.objects.first(),
        CalendarFeed.objects.get(),
    ):
        url = reverse(f"admin:scheduling_{obj._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, url


def test_day_to_day_records_cannot_be_added_or_changed_in_admin(admin_client, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    placement_services.placement_create(episode=make_active_episode(), group=group, start_date=week)
    for name in (
        "session",
        "facilitatorabsence",
        "placement",
        "rosterentry",
        "reminderdispatch",
        "calendarfeed",
    ):
        assert admin_client.get(reverse(f"admin:scheduling_{name}_add")).status_code == 403, name
    entry = RosterEntry.objects.first()
    response = admin_client.post(reverse("admin:scheduling_rosterentry_change", args=[entry.pk]), {"status": "removed"})
    assert response.status_code == 403
    assert RosterEntry.objects.get(pk=entry.pk).status == "booked"


def test_only_the_topic_of_a_session_is_edited_in_admin(admin_client, make_group, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    session = Session.objects.get(group=group, local_date=week)
    response = admin_client.post(
        reverse("admin:scheduling_session_change", args=[session.pk]),
        {
            "topic": "Coping with holidays",
            "status": "cancelled",
            "capacity": "99",
            "facilitators-TOTAL_FORMS": "1",
            "facilitators-INITIAL_FORMS": "1",
            "facilitators-MIN_NUM_FORMS": "0",
            "facilitators-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    session.refresh_from_db()
    assert (session.topic, session.is_modified, session.status, session.capacity) == (
        "Coping with holidays",
        True,
        "scheduled",
        10,
    )


def test_opening_a_roster_entry_in_admin_is_audited(admin_client, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=group, start_date=week)
    entry = RosterEntry.objects.first()
    assert admin_client.get(reverse("admin:scheduling_rosterentry_change", args=[entry.pk])).status_code == 200
    event = AccessEvent.objects.get()
    assert (event.channel, event.action, event.client_id, event.object_id) == (
        "admin",
        "view",
        episode.client_id,
        str(entry.pk),
    )


def test_calendar_feeds_can_only_be_revoked(admin_client, facilitators):
    live, _ = calendar_feed_create(staff_profile=facilitators[0])
    other, _ = calendar_feed_create(staff_profile=facilitators[1])
    response = admin_client.post(
        reverse("admin:scheduling_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [live.pk]},
    )
    assert response.status_code == 302
    live.refresh_from_db()
    other.refresh_from_db()
    assert live.revoked_at is not None
    assert other.revoked_at is None


def test_scheduling_settings_are_one_row(admin_client, in_harbor):
    url = reverse("admin:scheduling_schedulingsettings_add")
    response = admin_client.post(url, {"reminder_time": "19:00", "horizon_weeks": "6", "uncovered_alert_hours": "24"})
    assert response.status_code == 302, _errors(response)[:3000]
    assert scheduling_selectors.scheduling_settings(in_harbor).horizon_weeks == 6
    assert admin_client.get(url).status_code == 403


def test_a_va_cannot_open_scheduling_admin(client, harbor, harbor_va):
    client.force_login(harbor_va)
    assert client.get(reverse("admin:scheduling_group_changelist")).status_code in (302, 403)


def test_changing_a_groups_capacity_and_lead_in_admin_reaches_its_coming_sessions(
    admin_client, make_group, group_types, harbor_program, facilitators
):
    from scheduling.models import Group, Session, SessionFacilitator

    group = make_group("DBT Skills", [(0, "09:00", 60)], kind="skills", capacity=8, lead=0)
    slot = group.slots.get()
    data = _group_form(group_types["skills"], harbor_program, facilitators[1], capacity="6")
    data.update(_slots((slot.pk, 0, "09:00", 60, slot.effective_from.isoformat(), None), initial=1))
    data["slots-0-group"] = group.pk
    response = admin_client.post(reverse("admin:scheduling_group_change", args=[group.pk]), data)
    assert response.status_code == 302, _errors(response)[:3000]
    assert Group.objects.get(pk=group.pk).capacity == 6
    # Coming sessions follow; one already under way today keeps what it had.
    sessions = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC))
    assert set(sessions.values_list("capacity", flat=True)) == {6}
    assert set(
        SessionFacilitator.objects.filter(session__in=sessions, role="lead").values_list("staff_profile", flat=True)
    ) == {facilitators[1].pk}
