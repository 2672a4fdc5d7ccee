"""The placement assistant: which groups should a newly admitted client join?

It reads the treatment plan (required hours and days per week, therapy tracks) and the client's
weekly availability, and proposes the smallest set of groups that reaches the requirement with no
two meetings at the same time, no clash with sessions the client already has, and no full session
in the coming weeks. It only reads; the VA accepts (or edits) the proposal and
`services.placements.placements_accept` books it. When no set works, it proposes the set that
comes closest and says in numbers how far short it leaves the client, and why no set does better:
booking what is there now beats booking nothing while the VA looks for more.

A group the client is placed in but only waits for (every coming session waitlisted) gives no
hours yet: it is not counted toward the requirement, but its times still rule out clashing groups,
since the client is seated there as soon as a seat frees.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from iop.clients.models import Episode, TherapyTrack
from iop.common.dates import date_short
from iop.common.units import hours

from .models import Group, Placement, RosterStatus, Session, SessionStatus, WeeklySlot
from .selectors import episode_waitlists

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
    # What the client's current groups already give (waitlist-only groups left out).
    existing_minutes: int = 0
    existing_days: set[int] = field(default_factory=set)

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

    # With the current groups: what accepting the proposal leaves the client with each week.
    @property
    def total_minutes(self) -> int:
        return self.existing_minutes + self.weekly_minutes

    @property
    def total_days(self) -> int:
        return len(self.existing_days | self.days)

    @property
    def short_minutes(self) -> int:
        return max(0, self.required_minutes - self.total_minutes)

    @property
    def short_days(self) -> int:
        return max(0, self.required_days - self.total_days)

    @property
    def shortfall(self) -> str:
        """How far short the proposal leaves the client, in numbers ("" when it does not)."""
        if not self.short_minutes and not self.short_days:
            return ""
        gives = "With the current groups, this proposal gives" if self.existing_minutes else "This proposal gives"
        total, required = hours(self.total_minutes), hours(self.required_minutes)
        days = f"{self.total_days} of {self.required_days} day{'s' if self.required_days != 1 else ''}"
        if not self.short_days:
            return f"{gives} {total} of {required} h a week — {hours(self.short_minutes)} h short."
        missing = f"{self.short_days} day{'s' if self.short_days != 1 else ''}"
        if not self.short_minutes:
            return f"{gives} {total} h a week ({required} h required) on {days} — {missing} short."
        return f"{gives} {total} of {required} h a week on {days} — {hours(self.short_minutes)} h and {missing} short."


def _overlap(a: WeeklySlot, b: WeeklySlot) -> bool:
    return a.weekday == b.weekday and a.start_time < b.end_time and b.start_time < a.end_time


def slot_fits(slot: WeeklySlot, windows) -> bool:
    """Whether a weekly meeting lies inside one of the client's availability windows."""
    return any(
        w.weekday == slot.weekday and w.start_time <= slot.start_time and slot.end_time <= w.end_time for w in windows
    )


def _hours(minutes: int) -> str:
    return f"{hours(minutes)} h"


def placement_proposal(
    *,
    episode: Episode,
    start_date: dt.date,
    today: dt.date | None = None,
    waiting_group_ids: set | None = None,
) -> Proposal:
    """`waiting_group_ids`: the placed groups the client only waits for (see
    `selectors.episode_waitlists`); read here when not given."""
    organization = episode.organization
    today = today or organization.local_today()
    if waiting_group_ids is None:
        waits = episode_waitlists(organization=organization, episode_id=episode.pk)
        waiting_group_ids = {w.group.pk for w in waits if w.only_waiting}
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
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start_date))
        .select_related("group")
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
            unsuitable.append((group, "full on " + ", ".join(date_short(d) for d in dates)))
        else:
            candidates.append(ProposedGroup(group=group, slots=slots))

    counted = [s for s in existing_slots if s.group_id not in waiting_group_ids]
    for group in sorted({s.group for s in existing_slots if s.group_id in waiting_group_ids}, key=lambda g: g.name):
        minutes = sum(s.duration_minutes for s in existing_slots if s.group_id == group.pk)
        notes.append(
            f"{group.name} ({_hours(minutes)} a week) is not counted: the client is on its waitlist, "
            "without a seat in its coming sessions."
        )
    existing_minutes = sum(s.duration_minutes for s in counted)
    existing_days = {s.weekday for s in counted}
    minutes_needed = required_minutes - existing_minutes
    chosen = _choose(candidates, minutes_needed, required_days, existing_days)

    reasons: list[str] = []
    if chosen is None:
        chosen = _closest(candidates, minutes_needed, required_days, existing_days)
        greedy = sum(c.weekly_minutes for c in _compatible_all(candidates))
        best_minutes = existing_minutes + max(greedy, sum(c.weekly_minutes for c in chosen))
        best_days = len(existing_days.union(*(c.days for c in candidates))) if candidates else len(existing_days)
        reasons.append(
            f"The groups that fit give at most {_hours(best_minutes)} over {best_days} day(s) a week; "
            f"the plan requires {_hours(required_minutes)} over {required_days} day(s)."
        )
        if unsuitable:
            reasons.append(f"{len(unsuitable)} group(s) could not be used (see below).")
    alternatives = [c for c in candidates if c not in chosen]
    return Proposal(
        required_minutes=required_minutes,
        required_days=required_days,
        options=chosen,
        alternatives=alternatives,
        unsuitable=unsuitable,
        reasons=reasons,
        notes=notes,
        existing_minutes=existing_minutes,
        existing_days=existing_days,
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


def _closest(
    candidates: list[ProposedGroup], minutes_needed: int, days_needed: int, existing_days: set[int]
) -> list[ProposedGroup]:
    """When no set meets the plan: the conflict-free set that comes closest — fewest hours short,
    then fewest days short — with the fewest groups and the least time beyond that."""

    def distance(combo) -> tuple:
        minutes = sum(c.weekly_minutes for c in combo)
        days = len(existing_days.union(*(c.days for c in combo)))
        return (
            max(0, minutes_needed - minutes),
            max(0, days_needed - days),
            len(combo),
            minutes,
            [c.group.name for c in combo],
        )

    if len(candidates) > EXHAUSTIVE_LIMIT:
        return _greedy(candidates, minutes_needed, days_needed, existing_days)
    # Every clash-free set, grown one group at a time from a table of which pairs clash: checking
    # each of the 2^n sets slot by slot would take seconds at 14 groups.
    n = len(candidates)
    clash = [
        [not _conflict_free([candidates[i]] if i == j else [candidates[i], candidates[j]]) for j in range(n)]
        for i in range(n)
    ]
    best: list[ProposedGroup] = []
    best_distance: tuple | None = None

    def grow(start: int, picked: list[int]) -> None:
        nonlocal best, best_distance
        for i in range(start, n):
            if clash[i][i] or any(clash[i][j] for j in picked):
                continue
            combo = [candidates[k] for k in (*picked, i)]
            key = distance(combo)
            if best_distance is None or key < best_distance:
                best, best_distance = combo, key
            grow(i + 1, [*picked, i])

    grow(0, [])
    return best


def _greedy(candidates, minutes_needed: int, days_needed: int, existing_days: set[int]) -> list[ProposedGroup]:
    """Groups adding the most new days (then time) first, skipping clashes, until the plan is met."""
    picked: list[ProposedGroup] = []
    for c in sorted(candidates, key=lambda c: (-len(c.days - existing_days), -c.weekly_minutes)):
        if _conflict_free([*picked, c]):
            picked.append(c)
            if _meets(picked, minutes_needed, days_needed, existing_days):
                break
    return picked


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
    picked = _greedy(candidates, minutes_needed, days_needed, existing_days)
    return picked if _meets(picked, minutes_needed, days_needed, existing_days) else None
