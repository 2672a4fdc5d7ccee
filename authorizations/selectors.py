"""Reads for authorizations. Each selector owns its joins so a page costs a constant number of
queries however many clients, requests and authorizations it shows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from attendance.hours.requirements import PayerRequirement
from authorizations.models import Coverage, CoveragePriority, PayerRule
from iop.clients.models import Client, Episode
from iop.clients.selectors import client_choice_list
from iop.tenancy.models import Organization


def in_effect_on(row, day: dt.date) -> bool:
    """Whether an effective-dated row (a payer rule, a fee, a coverage) applies on `day`."""
    return row.effective_from <= day and (row.effective_to is None or row.effective_to >= day)


def latest_in_effect(rows, day: dt.date):
    """Of effective-dated rows, the latest-starting one in effect on `day` (None when none is)."""
    return max((r for r in rows if in_effect_on(r, day)), key=lambda r: r.effective_from, default=None)


def _overlap(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None):
    start = max(a_start, b_start)
    ends = [d for d in (a_end, b_end) if d is not None]
    end = min(ends) if ends else None
    return (start, end) if end is None or end >= start else None


def rules_for_coverage(coverage: Coverage, rules: list[PayerRule], level_of_care: str) -> list[PayerRule]:
    """The payer's rules for the coverage's plan when it has any, else the payer's general ones."""
    mine = [r for r in rules if r.payer_id == coverage.payer_id and r.level_of_care == level_of_care]
    for_plan = [r for r in mine if coverage.plan_id and r.plan_id == coverage.plan_id]
    return for_plan or [r for r in mine if r.plan_id is None]


def payer_requirements_load(episodes: list[Episode]) -> dict:
    """`{episode_id: [PayerRequirement]}` from each client's primary coverages and their payer's
    effective-dated rules: two queries for any number of episodes (attendance's weekly hours)."""
    by_client = defaultdict(list)
    for coverage in Coverage.objects.filter(
        client_id__in={e.client_id for e in episodes}, priority=CoveragePriority.PRIMARY
    ):
        by_client[coverage.client_id].append(coverage)
    payer_ids = {c.payer_id for coverages in by_client.values() for c in coverages}
    rules = list(PayerRule.objects.filter(payer_id__in=payer_ids)) if payer_ids else []
    loaded = {}
    for episode in episodes:
        requirements = []
        for coverage in by_client.get(episode.client_id, []):
            for rule in rules_for_coverage(coverage, rules, episode.level_of_care):
                window = _overlap(
                    coverage.effective_from, coverage.effective_to, rule.effective_from, rule.effective_to
                )
                if window:
                    requirements.append(
                        PayerRequirement(
                            start=window[0],
                            end=window[1],
                            hours_per_week=rule.min_hours_per_week,
                            days_per_week=rule.min_days_per_week,
                        )
                    )
        # The latest-starting rule first: a newer rule replaces an older one from its date.
        loaded[episode.pk] = sorted(requirements, key=lambda r: r.start, reverse=True)
    return loaded


def client_of(*, organization: Organization, client_id) -> Client | None:
    """A client of the organization (names only), or None for an unknown or foreign id."""
    return client_choice_list(organization=organization).filter(pk=client_id).first()
