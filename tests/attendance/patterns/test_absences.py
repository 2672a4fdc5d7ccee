"""Absence patterns raise one alert to the clinical team; an alert is acknowledged with the action
taken; every absence is on the client's timeline with its reason. Missing attendance is listed and
notified the next morning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from attendance.models import AbsenceAlert, AbsenceRule, AbsenceRuleKind, AlertAction
from attendance.patterns import selectors
from attendance.patterns.services import alert_acknowledge
from attendance.roll_call.services import missing_attendance_notify
from attendance.sweeps import attendance_sweep
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from iop.tenancy.models import Membership

from ...pages import post_refused
from ..conftest import book, record, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily(make_past_group):
    """A one-hour group every weekday since `past_week`."""
    return make_past_group("Daily process", [(d, "10:00", 60) for d in range(5)])


@pytest.fixture
def episode(make_active_episode, harbor_clinician, in_harbor):
    episode = make_active_episode()
    episode.primary_clinician = Membership.objects.get(user=harbor_clinician)
    episode.save()
    return episode


def _sessions(daily, past_week, count):
    return sessions_of(daily, past_week, days=21)[:count]


def test_two_unexcused_in_a_row_alert_the_clinician_once(daily, episode, past_week, harbor_clinician):
    first, second, third = _sessions(daily, past_week, 3)
    entries = book(episode, [first, second, third])
    record(first, entries[0], "no_show", absence_reason="no_contact")
    assert AbsenceAlert.objects.count() == 0
    result = record(second, entries[1], "absent_unexcused", absence_reason="no_contact")
    (alert,) = result.alerts
    assert alert.kind == AbsenceRuleKind.CONSECUTIVE_UNEXCUSED
    assert alert.summary.startswith("2 program days in a row missed without an excuse (")
    # Another unexcused absence while the alert is open: no second alert of the kind.
    record(third, entries[2], "no_show", absence_reason="no_contact")
    attendance_sweep(organization=episode.organization)
    assert AbsenceAlert.objects.filter(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED).count() == 1
    assert Notification.objects.filter(kind="absence_alert", recipient__user=harbor_clinician).count() == 1


def test_excused_absences_break_the_streak_but_count_in_the_window(daily, episode, past_week):
    sessions = _sessions(daily, past_week, 3)
    entries = book(episode, sessions)
    record(sessions[0], entries[0], "no_show", absence_reason="no_contact")
    record(sessions[1], entries[1], "absent_excused", absence_reason="illness")
    result = record(sessions[2], entries[2], "absent_excused", absence_reason="medical", now=sessions[2].ends_at)
    assert [a.kind for a in result.alerts] == [AbsenceRuleKind.ABSENCES_IN_WINDOW]
    assert "Absences on 3 days within 14 days" in result.alerts[0].summary


def test_an_absence_without_a_reason_alerts_after_24_hours_and_closes_when_documented(
    daily, episode, past_week, harbor_va
):
    (session,) = _sessions(daily, past_week, 1)
    (entry,) = book(episode, [session])
    record(session, entry, "absent_excused", now=session.ends_at + dt.timedelta(hours=1))
    assert attendance_sweep(organization=episode.organization, now=session.ends_at + dt.timedelta(hours=23)).alerts == 0
    assert attendance_sweep(organization=episode.organization, now=session.ends_at + dt.timedelta(hours=25)).alerts == 1
    alert = AbsenceAlert.objects.get(kind=AbsenceRuleKind.NO_REASON)

    record(session, entry, "absent_excused", absence_reason="transportation", actor=harbor_va)
    alert.refresh_from_db()
    assert (alert.is_open, alert.action_taken, alert.acknowledged_by) == (
        False,
        AlertAction.REASON_DOCUMENTED,
        harbor_va,
    )


def test_a_saved_rule_replaces_the_default_of_its_kind_only(daily, episode, past_week, in_harbor):
    AbsenceRule.objects.create(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, count=3)
    AbsenceRule.objects.create(kind=AbsenceRuleKind.ABSENCES_IN_WINDOW, is_active=False)
    first, second = _sessions(daily, past_week, 2)
    entries = book(episode, [first, second])
    record(first, entries[0], "no_show", absence_reason="no_contact")
    assert record(second, entries[1], "no_show", absence_reason="no_contact").alerts == []  # 3 in a row needed now
    rules = {r.kind: r for r in selectors.absence_rules(organization=in_harbor)}
    assert set(rules) == {AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, AbsenceRuleKind.NO_REASON}  # window rule switched off
    assert (
        rules[AbsenceRuleKind.CONSECUTIVE_UNEXCUSED].count == 3 and rules[AbsenceRuleKind.NO_REASON].after_hours == 24
    )


def test_acknowledging_needs_the_action_and_happens_once(daily, episode, past_week, harbor_clinician):
    first, second = _sessions(daily, past_week, 2)
    entries = book(episode, [first, second])
    record(first, entries[0], "no_show", absence_reason="no_contact")
    (alert,) = record(second, entries[1], "no_show", absence_reason="no_contact").alerts

    with pytest.raises(ApplicationError):
        alert_acknowledge(alert=alert, actor=harbor_clinician, action_taken="other", note="")
    alert_acknowledge(alert=alert, actor=harbor_clinician, action_taken="outreach_call", note="Left a voicemail")
    with pytest.raises(ApplicationError, match="already acknowledged"):
        alert_acknowledge(alert=alert, actor=harbor_clinician, action_taken="outreach_call")


def test_the_alerts_page_acknowledges_with_the_action(client, daily, episode, past_week, harbor_clinician):
    from tests.conftest import login

    first, second = _sessions(daily, past_week, 2)
    entries = book(episode, [first, second])
    record(first, entries[0], "no_show", absence_reason="no_contact")
    (alert,) = record(second, entries[1], "no_show", absence_reason="no_contact").alerts
    login(client, harbor_clinician)
    url = reverse("attendance:alert_acknowledge", kwargs={"org_slug": "harbor", "alert_id": alert.pk})

    page = reverse("attendance:alerts", kwargs={"org_slug": "harbor"})
    data = {f"{alert.pk}-action_taken": "", f"{alert.pk}-note": "Left a voicemail"}
    refused = post_refused(client, url, data, page=page).content.decode()
    assert "There is a problem" in refused and "Left a voicemail</textarea>" in refused
    assert AbsenceAlert.objects.get(pk=alert.pk).is_open
    done = client.post(url, {f"{alert.pk}-action_taken": "team_review", f"{alert.pk}-note": "Discussed Tuesday"})
    assert done.status_code == 302
    page = client.get(reverse("attendance:alerts", kwargs={"org_slug": "harbor"})).content.decode()
    assert "Treatment-team review: Discussed Tuesday" in page and "No open absence alerts." in page


def test_each_absence_is_on_the_client_timeline_with_its_reason(as_va, daily, episode, past_week, harbor_clinician):
    first, second = _sessions(daily, past_week, 2)
    entries = book(episode, [first, second])
    record(first, entries[0], "absent_excused", absence_reason="transportation", note="Bus strike")
    record(second, entries[1], "present")
    page = as_va.get(reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id}))
    body = page.content.decode()
    assert "Absent (excused): Daily process" in body and "Transportation; Bus strike" in body
    assert 'id="hours"' in body


# --- Missing attendance ---------------------------------------------------------------------------


def test_missing_attendance_lists_ended_sessions_and_notifies_the_next_morning(
    harbor, as_va, daily, episode, past_week, facilitators, harbor_va
):
    first, second = _sessions(daily, past_week, 2)
    entries = book(episode, [first, second])
    record(first, entries[0], "present")

    body = as_va.get(reverse("attendance:missing", kwargs={"org_slug": "harbor"})).content.decode()
    assert f"sessions/{second.pk}/" in body and f"sessions/{first.pk}/" not in body

    day_after = second.local_date + dt.timedelta(days=1)
    assert missing_attendance_notify(organization=harbor, now=harbor.local_datetime(day_after, dt.time(7))) == 0
    morning = harbor.local_datetime(day_after, dt.time(8, 5))
    assert missing_attendance_notify(organization=harbor, now=morning) == 1
    missing_attendance_notify(organization=harbor, now=morning)  # a re-run tells nobody twice
    to_lead = Notification.objects.filter(recipient=facilitators[0].membership, kind="attendance_missing")
    assert to_lead.count() == 1 and str(second.pk) in to_lead.get().link
    assert Notification.objects.filter(recipient__user=harbor_va, kind="attendance_missing").count() == 1
