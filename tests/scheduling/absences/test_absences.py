"""Facilitator absences: the sessions they uncover, coverage, and the VAs told once."""

import datetime as dt

import pytest

from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from scheduling import selectors
from scheduling.models import Session, SessionFacilitator
from scheduling.services import absences as absence_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db


def test_absence_uncovers_sessions_and_coverage_is_assigned(in_harbor, make_group, facilitators, week, today):
    group = make_group("Process A", [(0, "09:00", 90)], lead=0)
    busy = make_group("Process B", [(0, "09:00", 90)], lead=1)  # lead2 is busy at the same hour
    result = absence_services.facilitator_absence_record(
        staff_profile=facilitators[0], start_date=week, end_date=week, reason="Sick"
    )
    session = Session.objects.get(group=group, local_date=week)
    assert [s.pk for s in result.uncovered] == [session.pk]
    assert not SessionFacilitator.objects.filter(session=session).exists()
    suggestions = selectors.coverage_suggestions(session=session)
    assert [p.pk for p in suggestions] == [facilitators[2].pk]  # qualified, free, not absent
    with pytest.raises(ApplicationError, match="already facilitating"):
        session_services.session_facilitator_assign(session=session, staff_profile=facilitators[1])
    with pytest.raises(ApplicationError, match="absent"):
        session_services.session_facilitator_assign(session=session, staff_profile=facilitators[0])
    session_services.session_facilitator_assign(session=session, staff_profile=facilitators[2])
    session.refresh_from_db()
    assert session.facilitator_changed_at is not None
    assert SessionFacilitator.objects.get(session=session, role="lead").staff_profile == facilitators[2]
    assert busy.sessions.exists()


def test_uncovered_sessions_notify_vas_once(in_harbor, make_group, facilitators, harbor_va):
    tomorrow = in_harbor.local_today() + dt.timedelta(days=1)
    make_group("Process A", [(tomorrow.weekday(), "10:00", 60)], lead=None)
    assert absence_services.uncovered_sessions_notify(organization=in_harbor) == 1
    assert absence_services.uncovered_sessions_notify(organization=in_harbor) == 0
    assert Notification.objects.filter(kind="session_uncovered", recipient__user=harbor_va).count() == 1
