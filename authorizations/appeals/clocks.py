"""The clocks of a denial case: when the peer-to-peer window closes, when each appeal is due, and
when the payer (or the independent reviewer) must decide it.

Which numbers apply is data: the payer rule in effect (peer-to-peer window, first appeal window)
and the coverage's `ReviewRegime` (its plan's, else its payer's, else the organization's default,
else the model's defaults) for the appeal levels. Medicare Advantage and Medicaid under
CMS-0057-F, or a state's stricter rule, are regimes with other numbers, not code.

Arithmetic (pure, no query):
- hour clocks run around the clock in absolute time (72 h from 16:00 on the Friday before a DST
  change is 15:00 local on Monday);
- day clocks count calendar days, or business days (Monday to Friday) when the regime says so,
  from the organization's local date of the start, and end at 23:59:59 local on the last day —
  an end of day on a DST date is still that local wall-clock time;
- expedited appeals use the regime's hour clocks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from authorizations.models import (
    AppealLevel,
    Coverage,
    DayCount,
    PayerRule,
    ReviewRegime,
)
from authorizations.requests.selectors import rule_in_effect, rules_of
from iop.tenancy.models import Organization

if TYPE_CHECKING:
    from authorizations.models import DenialCase

END_OF_DAY = dt.time(23, 59, 59)


# --- Which numbers ------------------------------------------------------------------------------------


def _field_default(model, name: str) -> int:
    return int(model._meta.get_field(name).default)


def regime_default(organization: Organization) -> ReviewRegime:
    """The organization's default regime, else an unsaved one with the model's defaults (ERISA/ACA
    numbers), so a clock can always be computed."""
    regime = ReviewRegime.objects.filter(organization=organization, is_default=True).first()
    return regime or ReviewRegime(organization=organization, name="Default (not configured)")


def regime_is_configured(regime: ReviewRegime) -> bool:
    """False for the unsaved stand-in `regime_default` returns (its uuid exists before a save)."""
    return not regime._state.adding


def coverage_regime(coverage: Coverage) -> ReviewRegime:
    """The coverage's regime: its plan's, else its payer's, else the organization's default."""
    plan = coverage.plan
    if plan is not None and plan.regime_id is not None:
        return plan.regime  # type: ignore[return-value]  # regime_id set: not None
    if coverage.payer.regime_id is not None:
        return coverage.payer.regime  # type: ignore[return-value]
    return regime_default(coverage.organization)


def coverage_rule(coverage: Coverage, *, level_of_care: str, on: dt.date) -> PayerRule | None:
    """The payer rule in effect for the coverage on `on` (its plan's, else the payer's)."""
    return rule_in_effect(coverage=coverage, rules=rules_of(coverage), level_of_care=level_of_care, on=on)


def p2p_window_hours(rule: PayerRule | None) -> int:
    return rule.p2p_window_hours if rule is not None else _field_default(PayerRule, "p2p_window_hours")


def appeal_window_days(rule: PayerRule | None) -> int:
    return rule.appeal_window_days if rule is not None else _field_default(PayerRule, "appeal_window_days")


# --- Arithmetic ---------------------------------------------------------------------------------------


def hours_after(start: dt.datetime, hours: int) -> dt.datetime:
    """An hour clock: absolute time, whatever the local clock does meanwhile."""
    if start.tzinfo is None:
        raise ValueError("A clock starts at an aware datetime.")
    # In UTC: adding to a zoned datetime moves its wall clock, which is an hour off across a DST change.
    return start.astimezone(dt.UTC) + dt.timedelta(hours=hours)


def add_days(day: dt.date, days: int, day_count: str) -> dt.date:
    """`days` calendar days after `day`, or `days` business days (Monday to Friday) after it: from
    a Friday (or a weekend day) one business day is the Monday."""
    if day_count != DayCount.BUSINESS:
        return day + dt.timedelta(days=days)
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def days_after(start: dt.datetime, days: int, *, tz: zoneinfo.ZoneInfo | dt.tzinfo, day_count: str) -> dt.datetime:
    """A day clock: the last day counted from the local date of `start`, at 23:59:59 local."""
    if start.tzinfo is None:
        raise ValueError("A clock starts at an aware datetime.")
    last = add_days(start.astimezone(tz).date(), days, day_count)
    return dt.datetime.combine(last, END_OF_DAY, tzinfo=tz)


def _tz(regime: ReviewRegime) -> dt.tzinfo:
    return regime.organization.tzinfo


# --- The case's clocks -----------------------------------------------------------------------------------


def p2p_due_at(letter_received_at: dt.datetime, rule: PayerRule | None) -> dt.datetime:
    """The peer-to-peer must be requested within the payer rule's window from the denial letter
    (hours, around the clock)."""
    return hours_after(letter_received_at, p2p_window_hours(rule))


def appeal_filing_due_at(
    denial: DenialCase,
    rule: PayerRule | None,
    *,
    level: str = AppealLevel.INTERNAL_1,
    previous_decided_at: dt.datetime | None = None,
) -> dt.datetime:
    """When an appeal of `level` must be filed. The first from the denial letter (the payer rule's
    appeal window, in the regime's days); a second internal level from the first's decision (the
    same window); external review from the final internal decision (the regime's
    `external_review_filing_days`)."""
    regime = denial.regime or regime_default(denial.organization)
    tz = denial.organization.tzinfo
    if level == AppealLevel.INTERNAL_1:
        return days_after(denial.letter_received_at, appeal_window_days(rule), tz=tz, day_count=regime.day_count)
    if previous_decided_at is None:
        raise ValueError("A later appeal level is due from the previous level's decision.")
    days = regime.external_review_filing_days if level == AppealLevel.EXTERNAL else appeal_window_days(rule)
    return days_after(previous_decided_at, days, tz=tz, day_count=regime.day_count)


def appeal_decision_due_at(filed_at: dt.datetime, regime: ReviewRegime, level: str, expedited: bool) -> dt.datetime:
    """When the payer (internal levels) or the independent reviewer (external) must decide an
    appeal filed at `filed_at`: the regime's expedited hours, else its standard days."""
    external = level == AppealLevel.EXTERNAL
    if expedited:
        hours = regime.external_review_expedited_hours if external else regime.internal_appeal_expedited_hours
        return hours_after(filed_at, hours)
    days = regime.external_review_standard_days if external else regime.internal_appeal_standard_days
    return days_after(filed_at, days, tz=_tz(regime), day_count=regime.day_count)


def next_level(regime: ReviewRegime, level: str | None) -> str | None:
    """The ladder: level 1, then level 2 only where the regime has two internal levels, then
    external review; None after external review."""
    if level is None:
        return AppealLevel.INTERNAL_1
    if level == AppealLevel.INTERNAL_1:
        return AppealLevel.INTERNAL_2 if regime.internal_appeal_levels >= 2 else AppealLevel.EXTERNAL
    if level == AppealLevel.INTERNAL_2:
        return AppealLevel.EXTERNAL
    return None


# --- Federal regimes ---------------------------------------------------------------------------------------

# Seeded numbers, each with its source (shared/docs/domain.md §2.7–2.8); an admin edits them or
# adds a state's regime where it is stricter.
FEDERAL_REGIMES: tuple[dict, ...] = (
    {
        "name": "ERISA / ACA commercial",
        "is_default": True,
        "day_count": DayCount.CALENDAR,
        "internal_appeal_levels": 2,
        "internal_appeal_standard_days": 30,
        "internal_appeal_expedited_hours": 72,
        "external_review_filing_days": 120,
        "external_review_standard_days": 45,
        "external_review_expedited_hours": 72,
        "notes": "29 CFR 2560.503-1(i), 45 CFR 147.136: pre-service internal appeal 30 days, urgent 72 h; "
        "at most two internal levels; external review requested within 4 months, decided in 45 days "
        "(72 h expedited). Some states allow less time to ask for external review.",
    },
    {
        "name": "Medicare Advantage (CMS-0057-F)",
        "is_default": False,
        "day_count": DayCount.CALENDAR,
        "internal_appeal_levels": 1,
        "internal_appeal_standard_days": 30,
        "internal_appeal_expedited_hours": 72,
        "external_review_filing_days": 60,
        "external_review_standard_days": 30,
        "external_review_expedited_hours": 72,
        "notes": "Plan reconsideration (pre-service) 30 days, expedited 72 h; an upheld reconsideration "
        "goes to the Independent Review Entity. MA's later levels (IRE, ALJ) not verified: check with "
        "the plan's notice.",
    },
    {
        "name": "Medicaid / CHIP managed care (CMS-0057-F)",
        "is_default": False,
        "day_count": DayCount.CALENDAR,
        "internal_appeal_levels": 1,
        "internal_appeal_standard_days": 30,
        "internal_appeal_expedited_hours": 72,
        "external_review_filing_days": 120,
        "external_review_standard_days": 90,
        "external_review_expedited_hours": 72,
        "notes": "42 CFR 438.402/438.408: one level of plan appeal (filed within 60 days — set the payer "
        "rule's appeal window), resolved in 30 days, expedited 72 h; State fair hearing asked within "
        "120 days of the plan's decision (42 CFR 431.244: 90 days, expedited 3 working days).",
    },
)


def regimes_ensure(organization: Organization) -> list[ReviewRegime]:
    """The federal regimes, created where missing (by name); the commercial one becomes the
    default only when the organization has none. Existing rows are left as an admin set them."""
    has_default = ReviewRegime.objects.filter(organization=organization, is_default=True).exists()
    regimes = []
    for values in FEDERAL_REGIMES:
        values = dict(values)
        values["is_default"] = values["is_default"] and not has_default
        regime, created = ReviewRegime.objects.get_or_create(
            organization=organization, name=values.pop("name"), defaults=values
        )
        has_default = has_default or (created and regime.is_default)
        regimes.append(regime)
    return regimes
