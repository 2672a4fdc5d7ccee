"""The placement assistant proposes groups that reach the plan, or says why it cannot."""

import pytest

from scheduling.assistant import placement_proposal
from scheduling.services import placements as placement_services

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI = range(5)


@pytest.fixture
def program_week(make_group):
    return {
        "mwf_process": make_group("Process MWF", [(MON, "09:00", 90), (WED, "09:00", 90), (FRI, "09:00", 90)]),
        "tt_skills": make_group("Skills TT", [(TUE, "09:00", 120), (THU, "09:00", 120)], kind="skills", lead=1),
        "mwf_late": make_group("Process late", [(MON, "10:45", 90), (WED, "10:45", 90), (FRI, "10:45", 90)], lead=2),
        "afternoon": make_group("Afternoon group", [(MON, "14:00", 120), (TUE, "14:00", 120)], lead=1),
        "checkin": make_group("Check-in", [(MON, "12:30", 30)], kind="checkin", lead=1),
    }


def test_nine_hours_three_days_within_availability(in_harbor, program_week, make_active_episode, today):
    episode = make_active_episode(hours=9, days=3)  # available Mon–Fri 9:00–12:30
    proposal = placement_proposal(episode=episode, start_date=today, today=today)
    assert proposal.feasible, proposal.reasons
    names = {o.group.name for o in proposal.options}
    assert proposal.weekly_minutes >= 9 * 60
    assert len(proposal.days) >= 3
    assert "Afternoon group" not in names  # outside availability
    assert "Check-in" not in names  # does not count toward hours
    assert ("Afternoon group", "meets outside the client's availability") in [
        (g.name, r) for g, r in proposal.unsuitable
    ]
    # Accepting books the client into every proposed group.
    results = placement_services.placements_accept(
        episode=episode, groups=[o.group for o in proposal.options], start_date=today
    )
    assert all(r.booked for r in results)


def test_impossible_plan_proposes_the_closest_set_and_says_how_short_it_leaves_the_client(
    in_harbor, program_week, make_active_episode, today
):
    episode = make_active_episode(hours=9, days=3, windows=[(TUE, "09:00", "12:30"), (THU, "09:00", "12:30")])
    proposal = placement_proposal(episode=episode, start_date=today, today=today)
    assert not proposal.feasible
    assert [o.group.name for o in proposal.options] == ["Skills TT"]
    assert (proposal.short_minutes, proposal.short_days) == (5 * 60, 1)
    assert proposal.shortfall == "This proposal gives 4.0 of 9.0 h a week on 2 of 3 days — 5.0 h and 1 day short."
    assert "at most 4.0 h over 2 day(s) a week; the plan requires 9.0 h over 3 day(s)" in proposal.reasons[0]


def test_the_closest_set_prefers_fewest_hours_short_then_fewest_groups(
    in_harbor, make_group, make_active_episode, today
):
    make_group("Process MWF", [(MON, "09:00", 90), (WED, "09:00", 90), (FRI, "09:00", 90)])  # 4.5 h
    make_group("Process clash", [(MON, "09:30", 90), (WED, "09:30", 90), (FRI, "09:30", 90)], lead=1)  # clashes
    make_group("Skills TT", [(TUE, "09:00", 90), (THU, "09:00", 90)], kind="skills")  # 3.0 h
    episode = make_active_episode(hours=9, days=5)
    proposal = placement_proposal(episode=episode, start_date=today, today=today)
    assert [o.group.name for o in proposal.options] == ["Process MWF", "Skills TT"]
    assert proposal.shortfall == "This proposal gives 7.5 of 9.0 h a week — 1.5 h short."


def test_days_short_but_hours_met_says_only_the_days(in_harbor, make_group, make_active_episode, today):
    make_group("Process MWF", [(MON, "09:00", 180), (WED, "09:00", 180), (FRI, "09:00", 180)])
    episode = make_active_episode(hours=9, days=4)
    proposal = placement_proposal(episode=episode, start_date=today, today=today)
    assert [o.group.name for o in proposal.options] == ["Process MWF"]
    assert proposal.shortfall == "This proposal gives 9.0 h a week (9.0 h required) on 3 of 4 days — 1 day short."


def test_a_waitlist_only_group_is_not_counted_but_still_rules_out_clashes(
    in_harbor, make_group, make_active_episode, today
):
    full = make_group("Full Process", [(MON, "09:00", 180), (WED, "09:00", 180), (FRI, "09:00", 180)], capacity=1)
    make_group("Process clash", [(MON, "10:00", 120)], lead=1)
    make_group("Skills TT", [(TUE, "09:00", 120), (THU, "09:00", 120)], kind="skills")
    placement_services.placement_create(episode=make_active_episode(), group=full, start_date=today)
    episode = make_active_episode(hours=9, days=3)
    placement_services.placement_create(episode=episode, group=full, start_date=today, waitlist_if_full=True)

    proposal = placement_proposal(episode=episode, start_date=today, today=today)

    # Waiting for Full Process gives no hours: Skills TT alone leaves the client 5.0 h short, and
    # the group clashing with Full Process is still not proposed.
    assert [o.group.name for o in proposal.options] == ["Skills TT"]
    assert proposal.existing_minutes == 0
    assert proposal.shortfall == "This proposal gives 4.0 of 9.0 h a week on 2 of 3 days — 5.0 h and 1 day short."
    assert any("Full Process (9.0 h a week) is not counted" in note for note in proposal.notes)
    assert ("Process clash", "overlaps a group the client already attends") in [
        (g.name, r) for g, r in proposal.unsuitable
    ]


def test_full_groups_are_not_proposed(in_harbor, make_group, make_active_episode, today):
    small = make_group("Process MWF", [(MON, "09:00", 90), (WED, "09:00", 90), (FRI, "09:00", 90)], capacity=1)
    make_group("Process late", [(MON, "10:45", 90), (WED, "10:45", 90), (FRI, "10:45", 90)], lead=2)
    placement_services.placement_create(episode=make_active_episode(), group=small, start_date=today)
    episode = make_active_episode(hours=4, days=3)
    proposal = placement_proposal(episode=episode, start_date=today, today=today)
    assert [o.group.name for o in proposal.options] == ["Process late"]
    assert any(g.name == "Process MWF" and r.startswith("full on") for g, r in proposal.unsuitable)
