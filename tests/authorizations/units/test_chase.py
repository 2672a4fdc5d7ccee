"""The morning chase: run twice it creates each task (and each notice) once; the thresholds are
counted in the organization's time zone, from 07:00 there; late decisions and information due
are chased too; the Celery scan and beat entry."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.conf import settings

from authorizations import tasks
from authorizations.models import ChaseKind, ChaseTask, Determination, RequestStatus
from authorizations.units.services import authorizations_chase, chase_task_done
from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from iop.tenancy.context import no_tenant_context, tenant_context

from ...attendance.conftest import book, sessions_of
from .conftest import make_authorization, make_request

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Saturday 9 March 2030 in New York (harbor's zone, UTC−5 until the 10th's 2 a.m. switch to UTC−4).
DAY = dt.date(2030, 3, 9)


def _kinds(authorization) -> list[str]:
    return sorted(ChaseTask.objects.filter(authorization=authorization).values_list("kind", flat=True))


@pytest.fixture
def staff(harbor, harbor_intake, harbor_va, harbor_clinician):
    """The intake specialist and VA (who hear about the chase) and a clinician (who does not)."""
    return harbor_intake, harbor_va, harbor_clinician


def test_run_twice_each_task_and_notice_is_created_once(in_harbor, staff, covered_episode):
    now = dt.datetime(2030, 3, 9, 13, 0, tzinfo=UTC)  # 08:00 in New York
    episode, coverage = covered_episode()
    other, other_coverage = covered_episode()
    soon = make_authorization(episode, coverage, start=DAY - dt.timedelta(days=20), end=DAY + dt.timedelta(days=5))
    later = make_authorization(other, other_coverage, start=DAY, end=DAY + dt.timedelta(days=12))
    far = make_authorization(other, other_coverage, start=DAY, end=DAY + dt.timedelta(days=30))
    submitted, pended = RequestStatus.SUBMITTED, RequestStatus.PENDED
    late = make_request(episode, coverage, status=submitted, decision_due_at=now - dt.timedelta(hours=2))
    not_yet = make_request(other, other_coverage, status=submitted, decision_due_at=now + dt.timedelta(hours=2))
    waiting = make_request(episode, coverage, status=pended, information_due=DAY)
    waiting_later = make_request(other, other_coverage, status=pended, information_due=DAY + dt.timedelta(days=1))

    first = authorizations_chase(organization=in_harbor, now=now)
    again = authorizations_chase(organization=in_harbor, now=now + dt.timedelta(minutes=15))

    assert len(first) == 4 and again == []
    assert _kinds(soon) == [ChaseKind.ENDS_IN_7]  # 5 days out: the tightest threshold reached, not also 14
    assert _kinds(later) == [ChaseKind.ENDS_IN_14]
    assert _kinds(far) == []
    assert list(ChaseTask.objects.filter(request=late).values_list("kind", "due_date")) == [
        (ChaseKind.DECISION_OVERDUE, DAY)
    ]
    assert list(ChaseTask.objects.filter(request=waiting).values_list("kind", flat=True)) == [ChaseKind.INFORMATION_DUE]
    assert not ChaseTask.objects.filter(request__in=[not_yet, waiting_later]).exists()

    intake, va, clinician = staff
    notices = Notification.objects.filter(kind__startswith="chase_")
    assert notices.count() == 8  # four tasks, to the intake specialist and the VA
    assert set(notices.values_list("recipient__user", flat=True)) == {intake.pk, va.pk}
    titles = set(notices.values_list("title", flat=True))
    # What to do, naming the client (the in-app inbox only); no authorization number.
    assert f"Renew {episode.client.display_name}'s authorization: it ends within 7 days" in titles
    assert not any(soon.number in t for t in titles)
    assert all(n.link.startswith("/o/harbor/authorizations/#task-") for n in notices)


def test_each_threshold_is_raised_once_as_the_end_comes_closer(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=20))
    created = []
    for offset in range(21):  # every morning from 20 days out to the last day, twice
        morning = dt.datetime.combine(DAY + dt.timedelta(days=offset), dt.time(12, 30), tzinfo=UTC)
        created += [t.kind for t in authorizations_chase(organization=in_harbor, now=morning)]
        created += [t.kind for t in authorizations_chase(organization=in_harbor, now=morning + dt.timedelta(hours=1))]
    assert created == [ChaseKind.ENDS_IN_14, ChaseKind.ENDS_IN_7, ChaseKind.ENDS_IN_3]
    first_14 = ChaseTask.objects.get(authorization=authorization, kind=ChaseKind.ENDS_IN_14)
    assert first_14.created_at.astimezone(in_harbor.tzinfo).date() == DAY + dt.timedelta(days=6)  # 14 days out


def test_thresholds_are_counted_in_the_organizations_time_zone(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    # 02:30 UTC on the 10th is still 21:30 on the 9th in New York.
    evening = dt.datetime(2030, 3, 10, 2, 30, tzinfo=UTC)
    fifteen = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=15))
    eight = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=8))

    authorizations_chase(organization=in_harbor, now=evening)

    # In UTC the first would be 14 days out and the second 7; in New York they are 15 and 8.
    assert _kinds(fifteen) == []
    assert _kinds(eight) == [ChaseKind.ENDS_IN_14]


def test_nothing_is_chased_before_seven_in_the_morning_there(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=3))
    # 10:30 UTC on Monday the 11th is 06:30 in New York (daylight time since Sunday).
    assert authorizations_chase(organization=in_harbor, now=dt.datetime(2030, 3, 11, 10, 30, tzinfo=UTC)) == []
    assert _kinds(authorization) == []
    authorizations_chase(organization=in_harbor, now=dt.datetime(2030, 3, 11, 11, 0, tzinfo=UTC))  # 07:00
    assert _kinds(authorization) == [ChaseKind.ENDS_IN_3]


def test_units_booked_beyond_the_authorization_before_its_review_are_chased(
    in_harbor, staff, covered_episode, mwf, this_week
):
    episode, coverage = covered_episode()
    ahead = sessions_of(mwf, this_week + dt.timedelta(weeks=1))  # Monday, Wednesday, Friday next week
    book(episode, ahead)
    start, end = this_week, this_week + dt.timedelta(days=41)
    short = make_authorization(episode, coverage, start=start, end=end, units=2, next_review=end - dt.timedelta(days=7))

    noon = in_harbor.local_datetime(in_harbor.local_today(), dt.time(12))  # after 07:00 whenever the test runs

    (task,) = authorizations_chase(organization=in_harbor, now=noon)

    assert (task.authorization_id, task.kind) == (short.pk, ChaseKind.UNITS_BEFORE_REVIEW)
    assert task.due_date == ahead[1].local_date  # the Wednesday uses the last unit
    assert authorizations_chase(organization=in_harbor, now=noon) == []


def test_a_task_is_done_once(in_harbor, harbor_intake, covered_episode):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=2))
    (task,) = authorizations_chase(organization=in_harbor, now=dt.datetime(2030, 3, 9, 15, tzinfo=UTC))

    done = chase_task_done(task=task, actor=harbor_intake, note="  Renewal submitted on the portal  ")

    assert (done.done_by, done.note) == (harbor_intake, "Renewal submitted on the portal")
    assert done.authorization == authorization
    with pytest.raises(ApplicationError, match="already done"):
        chase_task_done(task=task, actor=harbor_intake, note="")


def test_beat_runs_the_chase_scan_at_least_every_15_minutes():
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["authorizations.chase_scan"] <= 15 * 60


# 09:00 in New York: after the chase's 07:00, so the run's count is exact.
@time_machine.travel(dt.datetime(2030, 3, 12, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")), tick=False)
def test_the_scan_fans_out_ids_only_and_the_task_enters_the_tenant(harbor, summit, harbor_va, covered_episode):
    with mock.patch.object(tasks.chase_org, "delay") as delay, no_tenant_context():
        tasks.chase_scan.apply()
    assert sorted(c.args for c in delay.call_args_list) == sorted([(harbor.id,), (summit.id,)])

    today = harbor.local_today()
    assert today == dt.date(2030, 3, 12)
    with tenant_context(harbor.id):
        episode, coverage = covered_episode()
        make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=20))
        make_request(episode, coverage, status=RequestStatus.PENDED, information_due=today - dt.timedelta(days=1))
    with no_tenant_context():
        first = tasks.chase_org.apply(args=[harbor.id]).get()
        again = tasks.chase_org.apply(args=[harbor.id]).get()
    assert first == 1 and again == 0  # the information-due task, once

    summit.is_active = False
    summit.save()
    with no_tenant_context():
        assert tasks.chase_org.apply(args=[summit.id]).get() == 0


MORNING = dt.datetime(2030, 3, 9, 13, 0, tzinfo=UTC)  # 08:00 in New York


def test_a_request_pended_again_with_a_new_date_is_chased_again(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    request = make_request(
        episode, coverage, status=RequestStatus.PENDED, start_date=DAY, end_date=DAY, information_due=DAY
    )
    (first,) = authorizations_chase(organization=in_harbor, now=MORNING)
    first.done_at = MORNING
    first.save()
    request.information_due = DAY + dt.timedelta(days=2)
    request.save()
    later = MORNING + dt.timedelta(days=2)
    (second,) = authorizations_chase(organization=in_harbor, now=later)
    assert (second.kind, second.due_date) == (ChaseKind.INFORMATION_DUE, DAY + dt.timedelta(days=2))
    assert authorizations_chase(organization=in_harbor, now=later + dt.timedelta(hours=1)) == []


def test_an_authorization_of_an_episode_no_longer_active_is_not_chased(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=5))
    type(episode).objects.filter(pk=episode.pk).update(status="step_down")
    assert authorizations_chase(organization=in_harbor, now=MORNING) == []
    assert _kinds(authorization) == []


@pytest.mark.parametrize(
    ("status", "certification_type", "action", "chased"),
    [
        (RequestStatus.SUBMITTED, "R", None, False),
        (RequestStatus.READY, "I", None, False),
        (RequestStatus.PENDED, "4", None, False),
        (RequestStatus.DETERMINED, "R", "A1", False),
        (RequestStatus.DETERMINED, "R", "A3", True),  # denied: the end still needs chasing
        (RequestStatus.DRAFT, "R", None, True),  # only drafted
    ],
)
def test_an_authorization_followed_by_an_open_or_approved_request_is_not_chased(
    in_harbor, staff, covered_episode, status, certification_type, action, chased
):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=5))
    renewal = make_request(
        episode,
        coverage,
        status=status,
        certification_type=certification_type,
        start_date=DAY + dt.timedelta(days=6),
        end_date=DAY + dt.timedelta(days=20),
    )
    if action:
        Determination.objects.create(request=renewal, action=action, decided_at=MORNING)
    authorizations_chase(organization=in_harbor, now=MORNING)
    assert _kinds(authorization) == ([ChaseKind.ENDS_IN_7] if chased else [])


def test_a_request_starting_with_the_authorization_does_not_stop_its_chase(in_harbor, staff, covered_episode):
    episode, coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=5))
    make_request(episode, coverage, status=RequestStatus.SUBMITTED, start_date=DAY, end_date=DAY)
    authorizations_chase(organization=in_harbor, now=MORNING)
    assert _kinds(authorization) == [ChaseKind.ENDS_IN_7]


@pytest.mark.parametrize(("to_status", "note"), [("discharged", "Discharged"), ("step_down", "Stepped down")])
def test_leaving_care_ends_the_episodes_authorizations_and_closes_their_tasks(
    in_harbor, staff, covered_episode, harbor_intake, to_status, note
):
    episode, coverage = covered_episode()
    other, other_coverage = covered_episode()
    authorization = make_authorization(episode, coverage, start=DAY, end=DAY + dt.timedelta(days=5))
    kept = make_authorization(other, other_coverage, start=DAY, end=DAY + dt.timedelta(days=5))
    authorizations_chase(organization=in_harbor, now=MORNING)

    episode_transition(episode=episode, to_status=to_status, effective_date=DAY, actor=harbor_intake)

    authorization.refresh_from_db()
    kept.refresh_from_db()
    assert (authorization.status, kept.status) == ("ended", "active")
    task = ChaseTask.objects.get(authorization=authorization)
    assert (task.note, task.done_by, task.done_at is not None) == (note, harbor_intake, True)
    assert ChaseTask.objects.get(authorization=kept).done_at is None
