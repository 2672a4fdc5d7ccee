"""Attendance measures weeks against the client's payer rule first (effective-dated, per plan),
then the treatment plan, then the program default."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.hours import selectors
from attendance.hours.requirements import RequirementSource

from .conftest import make_coverage, make_rule

pytestmark = pytest.mark.django_db


def _requirement(organization, episode, week):
    loaded = selectors.episode_for_attendance(organization=organization, episode_id=episode.pk)
    weeks = selectors.week_summaries(organization=organization, episodes=[loaded], first_week=week, last_week=week)
    return weeks[(episode.pk, week)].requirement


def test_the_payer_rule_in_effect_wins_over_the_treatment_plan(in_harbor, payer, make_active_episode, this_week):
    episode = make_active_episode(hours=12, days=4)
    make_coverage(episode.client, payer)
    make_rule(payer, hours="6", days=2, end=this_week - dt.timedelta(days=1))
    make_rule(payer, hours="9", days=3, start=this_week)

    now = _requirement(in_harbor, episode, this_week)
    before = _requirement(in_harbor, episode, this_week - dt.timedelta(weeks=1))
    assert (now.minutes_per_week, now.days_per_week, now.source) == (540, 3, RequirementSource.PAYER)
    assert (before.minutes_per_week, before.days_per_week) == (360, 2)


def test_a_plan_rule_wins_over_the_payers_general_rule(in_harbor, payer, make_active_episode, this_week):
    plan = payer.plans.get()
    episode = make_active_episode()
    make_coverage(episode.client, payer, plan=plan)
    make_rule(payer, hours="9", days=3)
    make_rule(payer, hours="6", days=2, plan=plan)
    assert _requirement(in_harbor, episode, this_week).minutes_per_week == 360


def test_without_coverage_or_after_it_ends_the_treatment_plan_applies(in_harbor, payer, make_active_episode, this_week):
    episode = make_active_episode(hours=12, days=4)
    make_rule(payer, hours="6", days=2)
    assert _requirement(in_harbor, episode, this_week).source == RequirementSource.TREATMENT_PLAN
    make_coverage(episode.client, payer, end=this_week - dt.timedelta(days=1))
    assert _requirement(in_harbor, episode, this_week).source == RequirementSource.TREATMENT_PLAN
    earlier = _requirement(in_harbor, episode, this_week - dt.timedelta(weeks=1))
    assert (earlier.source, earlier.minutes_per_week) == (RequirementSource.PAYER, 360)
