"""The clinician is reminded of a review call the evening before and an hour before: once each per
call time however often the job runs; again after a move; never once cancelled; at local time
across a DST change."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.reviews.calls.services import (
    REMINDER_KIND,
    review_call_cancel,
    review_call_reminders_send,
    review_call_reschedule,
    review_call_schedule,
)
from authorizations.tasks import review_call_reminders_org
from iop.notifications.models import Notification
from scheduling.models import SchedulingSettings

from .conftest import local

pytestmark = pytest.mark.django_db

PHONE = "+1 800 555 0100,,482913#"


def _reminders(membership) -> list[str]:
    return [
        n.dedupe_key.rsplit(":", 1)[-1]
        for n in Notification.objects.filter(recipient=membership, kind=REMINDER_KIND).order_by("created_at", "title")
    ]


def _call(review, starts_at, actor, *, now=None):
    return review_call_schedule(
        review=review, starts_at=starts_at, dial_in=PHONE, reviewer_name="Dana Whitfield, RN", actor=actor, now=now
    )


def test_each_reminder_goes_once_however_often_the_job_runs(review, clinician_membership, harbor_va):
    org = review.organization
    day = review.review_date
    call = _call(review, local(org, day, "10:00"), harbor_va)

    def run(when: dt.datetime) -> list[str]:
        return review_call_reminders_send(organization=org, now=when)

    eve = day - dt.timedelta(days=1)
    assert run(local(org, eve, "17:59")) == []
    for hhmm in ("18:00", "18:05", "21:30", "23:59"):
        run(local(org, eve, hhmm))
    assert _reminders(clinician_membership) == ["evening"]
    assert run(local(org, day, "08:59")) == []  # no evening reminder in the morning
    for hhmm in ("09:00", "09:05", "09:55"):
        run(local(org, day, hhmm))
    assert run(local(org, day, "10:00")) == []  # the call has started
    assert _reminders(clinician_membership) == ["evening", "hour"]

    notice = Notification.objects.filter(recipient=clinician_membership, kind=REMINDER_KIND).first()
    client = review.episode.client
    # The in-app inbox names the client (invites and emails keep to initials: test_invites).
    assert notice.title.startswith(f"Join the review call for {client.display_name} ")
    assert PHONE in notice.body and "Dana Whitfield" in notice.body
    assert str(call.pk) in notice.dedupe_key


def test_a_moved_call_is_reminded_again_for_its_new_time(review, clinician_membership, harbor_va):
    org = review.organization
    day = review.review_date
    eve = day - dt.timedelta(days=1)
    call = _call(review, local(org, day, "10:00"), harbor_va)
    review_call_reminders_send(organization=org, now=local(org, eve, "18:10"))
    review_call_reschedule(call=call, starts_at=local(org, day, "15:00"), actor=harbor_va, now=local(org, eve, "18:30"))
    review_call_reminders_send(organization=org, now=local(org, eve, "18:35"))
    review_call_reminders_send(organization=org, now=local(org, eve, "19:00"))
    assert _reminders(clinician_membership) == ["evening", "evening"]
    review_call_reminders_send(organization=org, now=local(org, day, "09:30"))  # the old time's hour: nothing
    review_call_reminders_send(organization=org, now=local(org, day, "14:10"))
    assert _reminders(clinician_membership) == ["evening", "evening", "hour"]


def test_a_cancelled_call_is_never_reminded(review, clinician_membership, harbor_va):
    org = review.organization
    day = review.review_date
    call = _call(review, local(org, day, "10:00"), harbor_va)
    review_call_cancel(call=call, reason="Written review instead.", actor=harbor_va)
    for when in (local(org, day - dt.timedelta(days=1), "18:30"), local(org, day, "09:30")):
        assert review_call_reminders_send(organization=org, now=when) == []
    assert _reminders(clinician_membership) == []


def test_the_organizations_evening_reminder_time_is_used(review, clinician_membership, harbor_va):
    org = review.organization
    SchedulingSettings.objects.create(organization=org, reminder_time=dt.time(19, 30))
    day = review.review_date
    _call(review, local(org, day, "10:00"), harbor_va)
    eve = day - dt.timedelta(days=1)
    assert review_call_reminders_send(organization=org, now=local(org, eve, "19:29")) == []
    assert len(review_call_reminders_send(organization=org, now=local(org, eve, "19:30"))) == 1


@pytest.mark.parametrize(
    ("sunday", "evening_utc"),
    [
        # Clocks go forward on Sunday 14 March 2027: 18:00 that evening is 22:00 UTC (EDT).
        (dt.date(2027, 3, 14), dt.datetime(2027, 3, 14, 22, 0, tzinfo=dt.UTC)),
        # Clocks go back on Sunday 7 November 2027: 18:00 that evening is 23:00 UTC (EST).
        (dt.date(2027, 11, 7), dt.datetime(2027, 11, 7, 23, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_monday_call_after_a_dst_change_is_reminded_sunday_evening_local_time(
    review, clinician_membership, harbor_va, sunday, evening_utc
):
    org = review.organization
    monday = sunday + dt.timedelta(days=1)
    _call(review, local(org, monday, "10:00"), harbor_va, now=local(org, sunday - dt.timedelta(days=3), "12:00"))
    assert review_call_reminders_send(organization=org, now=evening_utc - dt.timedelta(minutes=1)) == []
    assert len(review_call_reminders_send(organization=org, now=evening_utc)) == 1
    assert _reminders(clinician_membership) == ["evening"]


def test_the_primary_clinician_is_reminded_when_the_review_names_none(review, harbor_va, harbor_admin):
    from iop.tenancy.models import Membership

    primary = Membership.objects.get(user=harbor_admin)
    review.clinician = None
    review.save(update_fields=["clinician"])
    review.episode.primary_clinician = primary
    review.episode.save(update_fields=["primary_clinician"])
    org = review.organization
    day = review.review_date
    _call(review, local(org, day, "10:00"), harbor_va)
    review_call_reminders_send(organization=org, now=local(org, day, "09:15"))
    assert _reminders(primary) == ["hour"]


def test_the_task_runs_inside_the_tenant(review, clinician_membership, harbor_va, time_machine):
    org = review.organization
    day = review.review_date
    _call(review, local(org, day, "10:00"), harbor_va)
    time_machine.move_to(local(org, day, "09:10"))
    assert review_call_reminders_org(org.pk) == 1
    assert review_call_reminders_org(org.pk) == 1  # due still, told once
    assert _reminders(clinician_membership) == ["hour"]
