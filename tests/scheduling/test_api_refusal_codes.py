"""Every refusal of scheduling that an integration can reach over the API comes back with its own
`code` (from `scheduling.errors`), never the generic "invalid".

Not reachable over the API, and so not here: a move's duration outside 15–480 minutes and a new
weekly time ending before it starts are refused by the serializers first; the API has no group
update (a capacity below the booked seats); calendar feeds and reminder resends are pages only;
choosing no groups is the placement assistant's form; group types are made in the admin; invalid
group or slot fields are caught by the serializers before the model's own checks. The services'
codes for the first five of these are checked below, without the API.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from iop.clients.models import Episode, EpisodeStatus
from iop.common.exceptions import ApplicationError
from scheduling.errors import SchedulingErrorCode as Code
from scheduling.feeds import services as feed_services
from scheduling.models import Group, Session, SessionStatus
from scheduling.services import absences as absence_services
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services
from scheduling.services import sessions as session_services

from .conftest import BASE, make_facilitator

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(in_harbor, harbor_program, group_types, facilitators, make_group, make_active_episode, week, today):
    """Harbor's schedule as an integration sees it, in the week of `week` (a Monday ahead):

    - "Process A" Mondays 9:00–10:30, one seat, led by facilitators[0], the seat taken by `placed`;
    - "Skills B" Mondays 10:00 (overlapping Process A), led by facilitators[1];
    - "Skills T" Tuesdays 9:00, led by facilitators[1]; "Check-in C" Tuesdays 9:00, no lead, its
      session that week cancelled; "Process T" Tuesdays 11:00, no lead; facilitators[2] (process
      groups only) is away that Tuesday;
    - an inactive group, a discharged episode, a facilitator who no longer facilitates, and a
      session that is over.
    """
    process = make_group("Process A", [(0, "09:00", 90)], capacity=1, lead=0)
    skills = make_group("Skills B", [(0, "10:00", 60)], kind="skills", lead=1)
    make_group("Skills T", [(1, "09:00", 60)], kind="skills", lead=1)
    checkin = make_group("Check-in C", [(1, "09:00", 60)], kind="checkin", lead=None)
    process_tuesday = make_group("Process T", [(1, "11:00", 60)], lead=None)
    inactive = make_group("Old D", [])
    Group.objects.filter(pk=inactive.pk).update(is_active=False)
    placed, other, discharged = make_active_episode(), make_active_episode(), make_active_episode()
    placement_services.placement_create(episode=placed, group=process, start_date=today)
    Episode.objects.filter(pk=discharged.pk).update(status=EpisodeStatus.DISCHARGED)
    tuesday = week + dt.timedelta(days=1)
    cancelled = session_services.session_cancel(session=Session.objects.get(group=checkin, local_date=tuesday))
    absence_services.facilitator_absence_record(staff_profile=facilitators[2], start_date=tuesday, end_date=tuesday)
    gone = make_facilitator(in_harbor, "gone@harbor.test", [group_types["process"]])
    gone.can_facilitate = False
    gone.save(update_fields=["can_facilitate"])
    held_at = in_harbor.local_datetime(today - dt.timedelta(days=7), dt.time(9))
    over = Session.objects.create(
        organization=in_harbor,
        group=process,
        local_date=today - dt.timedelta(days=7),
        occurrence_date=today - dt.timedelta(days=7),
        starts_at=held_at,
        ends_at=held_at + dt.timedelta(minutes=60),
        capacity=1,
        status=SessionStatus.SCHEDULED,
    )
    return SimpleNamespace(
        today=today,
        week=week,
        program=harbor_program,
        types=group_types,
        fac=facilitators,
        gone=gone,
        process=process,
        monday=Session.objects.get(group=process, local_date=week),
        skills_monday=Session.objects.get(group=skills, local_date=week),
        process_tuesday=Session.objects.get(group=process_tuesday, local_date=week + dt.timedelta(days=1)),
        cancelled=cancelled,
        over=over,
        inactive=inactive,
        placed=placed,
        other=other,
        discharged=discharged,
    )


def _group(w, **fields) -> dict:
    return {"program": str(w.program.pk), "group_type": str(w.types["process"].pk), "capacity": 8, **fields}


def _assign(w, session, staff, role="lead"):
    return f"sessions/{session.pk}/assign-facilitator/", {"staff_profile": str(staff.pk), "role": role}


def _place(w, episode, group, **fields):
    return "placements/", {
        "episode": str(episode.pk),
        "group": str(group.pk),
        "start_date": w.today.isoformat(),
        **fields,
    }


def _book(session, episode):
    return "roster-entries/", {"session": str(session.pk), "episode": str(episode.pk)}


def _move(session, day: dt.date, start: str = "09:00"):
    return f"sessions/{session.pk}/move/", {"local_date": day.isoformat(), "start_time": start}


# (code, request built from the world: (path under BASE, JSON payload))
REFUSALS = [
    # Groups
    (Code.FACILITATOR_NOT_ACTIVE, lambda w: ("groups/", _group(w, name="New", lead_facilitator=str(w.gone.pk)))),
    (
        Code.FACILITATOR_NOT_QUALIFIED,
        lambda w: (
            "groups/",
            _group(w, name="New", group_type=str(w.types["skills"].pk), lead_facilitator=str(w.fac[2].pk)),
        ),
    ),
    (
        Code.CO_FACILITATOR_SAME_AS_LEAD,
        lambda w: (
            "groups/",
            _group(w, name="New", lead_facilitator=str(w.fac[0].pk), co_facilitator=str(w.fac[0].pk)),
        ),
    ),
    (Code.GROUP_NAME_TAKEN, lambda w: ("groups/", _group(w, name="Process A"))),
    # Weekly slots
    (
        Code.END_BEFORE_START,
        lambda w: (
            f"slots/{w.process.slots.get().pk}/end/",
            {"effective_to": (w.today - dt.timedelta(days=3)).isoformat()},
        ),
    ),
    # Sessions
    (Code.SESSION_OVER, lambda w: (f"sessions/{w.over.pk}/cancel/", {})),
    (Code.SESSION_CANCELLED, lambda w: _move(w.cancelled, w.week + dt.timedelta(days=2))),
    (Code.MOVE_TO_PAST, lambda w: _move(w.monday, w.today - dt.timedelta(days=2))),
    # Skills B's lead (facilitators[1]) already leads Skills T on Tuesday at 9:00.
    (Code.MOVE_CONFLICT, lambda w: _move(w.skills_monday, w.week + dt.timedelta(days=1))),
    (Code.FACILITATOR_NOT_ACTIVE, lambda w: _assign(w, w.monday, w.gone)),
    (Code.FACILITATOR_NOT_QUALIFIED, lambda w: _assign(w, w.skills_monday, w.fac[2])),
    (Code.FACILITATOR_ABSENT, lambda w: _assign(w, w.process_tuesday, w.fac[2])),
    (Code.FACILITATOR_ALREADY_ON_SESSION, lambda w: _assign(w, w.monday, w.fac[0], role="co")),
    (Code.FACILITATOR_OVERLAP, lambda w: _assign(w, w.skills_monday, w.fac[0])),
    # Placements
    (Code.EPISODE_CLOSED, lambda w: _place(w, w.discharged, w.process)),
    (
        Code.END_BEFORE_START,
        lambda w: _place(w, w.other, w.process, end_date=(w.today - dt.timedelta(days=1)).isoformat()),
    ),
    (Code.GROUP_NOT_ACTIVE, lambda w: _place(w, w.other, w.inactive)),
    (Code.ALREADY_PLACED, lambda w: _place(w, w.placed, w.process)),
    (Code.SESSION_FULL, lambda w: _place(w, w.other, w.process)),
    # Rosters
    (Code.EPISODE_CLOSED, lambda w: _book(w.skills_monday, w.discharged)),
    (Code.SESSION_CANCELLED, lambda w: _book(w.cancelled, w.other)),
    (Code.SESSION_FULL, lambda w: _book(w.monday, w.other)),
    (Code.CLIENT_OVERLAP, lambda w: _book(w.skills_monday, w.placed)),
    # Facilitator absences
    (
        Code.END_BEFORE_START,
        lambda w: (
            "absences/",
            {
                "staff_profile": str(w.fac[0].pk),
                "start_date": (w.week + dt.timedelta(days=2)).isoformat(),
                "end_date": w.week.isoformat(),
            },
        ),
    ),
]


@pytest.mark.parametrize(
    ("code", "build"), REFUSALS, ids=[f"{i:02d}-{code.value}" for i, (code, _) in enumerate(REFUSALS)]
)
def test_each_refusal_returns_its_own_code(va_api, world, code, build):
    path, payload = build(world)
    response = va_api.post(f"{BASE}/{path}", payload, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code.value, response.json()


# (code, service call on the world) for refusals that only pages and the admin reach.
SERVICE_REFUSALS = [
    (
        Code.DURATION_OUT_OF_RANGE,
        lambda w: session_services.session_move(
            session=w.monday, local_date=w.week, start_time=dt.time(9), duration_minutes=5
        ),
    ),
    (Code.CAPACITY_BELOW_BOOKED, lambda w: group_services.group_update(group=w.process, data={"capacity": 0})),
    (
        Code.GROUP_TYPE_NAME_TAKEN,
        lambda w: group_services.group_type_create(organization=w.process.organization, name="Process group"),
    ),
    (
        Code.NO_GROUPS_CHOSEN,
        lambda w: placement_services.placements_accept(episode=w.other, groups=[], start_date=w.today),
    ),
    (Code.NOT_A_FACILITATOR, lambda w: feed_services.calendar_feed_create(staff_profile=w.gone)),
]


@pytest.mark.parametrize(("code", "call"), SERVICE_REFUSALS, ids=[code.value for code, _ in SERVICE_REFUSALS])
def test_refusals_off_the_api_have_their_own_code_too(world, code, call):
    with pytest.raises(ApplicationError) as refused:
        call(world)
    assert refused.value.code == code.value


def test_every_code_is_a_named_rule():
    values = [code.value for code in Code]
    assert len(values) == len(set(values))
    assert "invalid" not in values
