"""The placement assistant: which groups should a newly admitted client join?

It reads the treatment plan (required hours and days per week, therapy tracks) and the client's
weekly availability, and proposes the smallest set of groups that reaches the requirement with no
two meetings at the same time, no clash with sessions the client already has, and no full session
in the coming weeks. It only reads; the VA accepts (or edits) the proposal and
`services.placements.placements_accept` books it. When no set works, it says why, in numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from iop.clients.models import Episode, TherapyTrack
from iop.common.units import hours

from .models import Group, Placement, RosterStatus, Session, SessionStatus, WeeklySlot

# How far ahead a full session makes a group unsuitable.
FULL_LOOKAHEAD = dt.timedelta(weeks=4)
# Above this many candidate groups, search greedily instead of trying every combination.
EXHAUSTIVE_LIMIT = 14


@dataclass
class ProposedGroup:
    group: Group
    slots: list[WeeklySlot]
    full_dates: list[dt.date] = field(default_factory=list)

    @property
    def weekly_minutes(self) -> int:
        return sum(s.duration_minutes for s in self.slots)

    @property
    def days(self) -> set[int]:
        return {s.weekday for s in self.slots}

    @property
    def weekly_hours(self) -> Decimal:
        return hours(self.weekly_minutes)


@dataclass
class Proposal:
    required_minutes: int
    required_days: int
    options: list[ProposedGroup]
    alternatives: list[ProposedGroup]
    unsuitable: list[tuple[Group, str]]
    reasons: list[str]
    notes: list[str]

    @property
    def feasible(self) -> bool:
        return not self.reasons

    @property
    def weekly_minutes(self) -> int:
        return sum(o.weekly_minutes for o in self.options)

    @property
    def weekly_hours(self) -> Decimal:
        return hours(self.weekly_minutes)

    @property
    def days(self) -> set[int]:
        return set().union(*(o.days for o in self.options)) if self.options else set()

    @property
    def required_hours(self) -> Decimal:
        return hours(self.required_minutes)


def _overlap(a: WeeklySlot, b: WeeklySlot) -> bool:
    return a.weekday == b.weekday and a.start_time < b.end_time and b.start_time < a.end_time


def slot_fits(slot: WeeklySlot, windows) -> bool:
    """Whether a weekly meeting lies inside one of the client's availability windows."""
    return any(
        w.weekday == slot.weekday and w.start_time <= slot.start_time and slot.end_time <= w.end_time for w in windows
    )


def _hours(minutes: int) -> str:
    return f"{hours(minutes)} h"


def placement_proposal(*, episode: Episode, start_date: dt.date, today: dt.date | None = None) -> Proposal:
    organization = episode.organization
    today = today or organization.local_today()
    plan = getattr(episode, "treatment_plan", None)
    required_minutes = int((plan.required_hours_per_week if plan else episode.program.default_min_weekly_hours) * 60)
    required_days = plan.required_days_per_week if plan else episode.program.default_min_days_per_week
    tracks = set(plan.tracks) if plan and plan.tracks else {TherapyTrack.GROUP}
    windows = list(plan.availability.all()) if plan else []
    notes = [] if windows else ["No weekly availability is recorded; any time of day is assumed."]

    groups = list(
        Group.objects.filter(
            organization=organization,
            program=episode.program,
            is_active=True,
            group_type__counts_toward_hours=True,
            group_type__track__in=tracks,
        )
        .exclude(pk__in=Placement.objects.filter(episode=episode, is_active=True).values("group_id"))
        .select_related("group_type")
        .prefetch_related("slots")
        .order_by("name")
    )
    existing_slots = list(
        WeeklySlot.objects.filter(
            group__placements__episode=episode, group__placements__is_active=True, effective_from__lte=start_date
        ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start_date))
    )
    horizon = start_date + FULL_LOOKAHEAD
    full_sessions = (
        Session.objects.filter(
            group__in=groups,
            status=SessionStatus.SCHEDULED,
            local_date__gte=max(start_date, today),
            local_date__lte=horizon,
        )
        .annotate(booked=Count("roster_entries", filter=Q(roster_entries__status=RosterStatus.BOOKED)))
        .values_list("group_id", "local_date", "booked", "capacity")
    )
    full_by_group: dict = {}
    for group_id, day, booked, capacity in full_sessions:
        if booked >= capacity:
            full_by_group.setdefault(group_id, []).append(day)

    candidates: list[ProposedGroup] = []
    unsuitable: list[tuple[Group, str]] = []
    for group in groups:
        slots = [s for s in group.slots.all() if s.is_effective_on(start_date)]
        if not slots:
            unsuitable.append((group, "no weekly meeting times from that date"))
        elif windows and not all(slot_fits(s, windows) for s in slots):
            unsuitable.append((group, "meets outside the client's availability"))
        elif any(_overlap(s, e) for s in slots for e in existing_slots):
            unsuitable.append((group, "overlaps a group the client already attends"))
        elif group.pk in full_by_group:
            dates = sorted(full_by_group[group.pk])
            unsuitable.append((group, "full on " + ", ".join(f"{d:%a %b} {d.day}" for d in dates)))
        else:
            candidates.append(ProposedGroup(group=group, slots=slots))

    existing_minutes = sum(s.duration_minutes for s in existing_slots)
    existing_days = {s.weekday for s in existing_slots}
    chosen = _choose(candidates, required_minutes - existing_minutes, required_days, existing_days)

    reasons: list[str] = []
    if chosen is None:
        best_minutes = existing_minutes + sum(c.weekly_minutes for c in _compatible_all(candidates))
        best_days = len(existing_days.union(*(c.days for c in candidates))) if candidates else len(existing_days)
        reasons.append(
            f"The groups that fit give at most {_hours(best_minutes)} over {best_days} day(s) a week; "
            f"the plan requires {_hours(required_minutes)} over {required_days} day(s)."
        )
        if unsuitable:
            reasons.append(f"{len(unsuitable)} group(s) could not be used (see below).")
        chosen = []
    alternatives = [c for c in candidates if c not in chosen]
    return Proposal(
        required_minutes=required_minutes,
        required_days=required_days,
        options=chosen,
        alternatives=alternatives,
        unsuitable=unsuitable,
        reasons=reasons,
        notes=notes,
    )


def _conflict_free(combo) -> bool:
    slots = [s for c in combo for s in c.slots]
    return not any(_overlap(a, b) for a, b in itertools.combinations(slots, 2))


def _compatible_all(candidates: list[ProposedGroup]) -> list[ProposedGroup]:
    """A large conflict-free subset (greedy by minutes), for the "at most" figure."""
    picked: list[ProposedGroup] = []
    for c in sorted(candidates, key=lambda c: -c.weekly_minutes):
        if _conflict_free([*picked, c]):
            picked.append(c)
    return picked


def _meets(combo, minutes_needed: int, days_needed: int, existing_days: set[int]) -> bool:
    minutes = sum(c.weekly_minutes for c in combo)
    days = existing_days.union(*(c.days for c in combo)) if combo else existing_days
    return minutes >= minutes_needed and len(days) >= days_needed


def _choose(candidates, minutes_needed: int, days_needed: int, existing_days: set[int]):
    """The fewest groups meeting the requirement, then the least excess time; None if none does."""
    if _meets([], minutes_needed, days_needed, existing_days):
        return []
    if len(candidates) <= EXHAUSTIVE_LIMIT:
        for size in range(1, len(candidates) + 1):
            fitting = [
                list(combo)
                for combo in itertools.combinations(candidates, size)
                if _meets(combo, minutes_needed, days_needed, existing_days) and _conflict_free(combo)
            ]
            if fitting:
                return min(
                    fitting, key=lambda combo: (sum(c.weekly_minutes for c in combo), [c.group.name for c in combo])
                )
        return None
    picked: list[ProposedGroup] = []
    remaining = sorted(candidates, key=lambda c: (-len(c.days - existing_days), -c.weekly_minutes))
    for c in remaining:
        if _conflict_free([*picked, c]):
            picked.append(c)
            if _meets(picked, minutes_needed, days_needed, existing_days):
                return picked
    return None
