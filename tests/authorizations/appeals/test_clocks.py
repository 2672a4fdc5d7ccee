"""The clocks of a denial case, on constructed dates: hour clocks in absolute time, day clocks to
the end of the organization's local day (calendar or business days), across time zones and both
DST changes (2026: 8 March and 1 November in New York), expedited on the hour clocks, per regime."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from authorizations.appeals import clocks
from authorizations.models import AppealLevel, DayCount, DenialCase, PayerRule, ReviewRegime
from iop.tenancy.models import Organization

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def org(tz: str = "America/New_York") -> Organization:
    return Organization(name="Harbor", slug="harbor", timezone=tz)


def regime(organization=None, **numbers) -> ReviewRegime:
    return ReviewRegime(organization=organization or org(), name="Test", **numbers)


def denial(letter: dt.datetime, organization=None, **regime_numbers) -> DenialCase:
    organization = organization or org()
    return DenialCase(
        organization=organization, regime=regime(organization, **regime_numbers), letter_received_at=letter
    )


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)


def test_the_p2p_window_runs_around_the_clock_across_the_spring_dst_change():
    letter = local(2026, 3, 6, 16, 0)  # Friday 16:00 EST
    due = clocks.p2p_due_at(letter, PayerRule(p2p_window_hours=48))
    assert due - letter == dt.timedelta(hours=48)  # absolute time
    assert due.astimezone(NY) == local(2026, 3, 8, 17, 0)  # the local clock jumped an hour meanwhile
    assert clocks.p2p_due_at(letter, PayerRule(p2p_window_hours=24)) == letter + dt.timedelta(hours=24)


def test_without_a_payer_rule_the_model_default_window_applies():
    letter = dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert clocks.p2p_due_at(letter, None) == letter + dt.timedelta(hours=48)


def test_the_first_appeal_is_due_at_the_end_of_the_local_day_of_the_window():
    letter = local(2026, 3, 6, 16, 0)
    due = clocks.appeal_filing_due_at(denial(letter), PayerRule(appeal_window_days=180))
    assert due == dt.datetime(2026, 9, 2, 23, 59, 59, tzinfo=NY)
    assert due.utcoffset() == dt.timedelta(hours=-4)  # EDT by September


def test_a_day_clock_counts_from_the_local_date_not_the_utc_one():
    # 23:30 in New York is already tomorrow in UTC: the clock counts from the New York date.
    letter = local(2026, 3, 6, 23, 30)
    due = clocks.appeal_filing_due_at(denial(letter), PayerRule(appeal_window_days=1))
    assert due == dt.datetime(2026, 3, 7, 23, 59, 59, tzinfo=NY)
    # The same instant for an organization in Tokyo is 7 March there: due the end of 8 March, Tokyo time.
    tokyo = org("Asia/Tokyo")
    due_tokyo = clocks.appeal_filing_due_at(denial(letter, tokyo), PayerRule(appeal_window_days=1))
    assert due_tokyo == dt.datetime(2026, 3, 8, 23, 59, 59, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_a_day_clock_ending_on_a_dst_day_ends_at_local_midnight():
    # Spring: 30 days from 2 March EST ends 1 April 23:59:59 EDT (03:59:59 UTC on 2 April).
    due = clocks.appeal_decision_due_at(local(2026, 3, 2, 10, 0), regime(), AppealLevel.INTERNAL_1, False)
    assert due.astimezone(UTC) == dt.datetime(2026, 4, 2, 3, 59, 59, tzinfo=UTC)
    # Fall: 2 days from Friday 30 October EDT ends Sunday 1 November 23:59:59 EST (04:59:59 UTC).
    due = clocks.appeal_decision_due_at(
        local(2026, 10, 30, 12, 0), regime(internal_appeal_standard_days=2), AppealLevel.INTERNAL_1, False
    )
    assert due.astimezone(UTC) == dt.datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC)
    # The very day of the change: 1 day from 7 March ends 8 March 23:59:59 EDT, 23 hours later in UTC terms.
    due = clocks.appeal_decision_due_at(
        local(2026, 3, 7, 9, 0), regime(internal_appeal_standard_days=1), AppealLevel.INTERNAL_1, False
    )
    assert due == dt.datetime(2026, 3, 8, 23, 59, 59, tzinfo=NY)
    assert due.utcoffset() == dt.timedelta(hours=-4)


@pytest.mark.parametrize(
    ("filed", "days", "due_day"),
    [
        (local(2026, 3, 6, 10, 0), 5, dt.date(2026, 3, 13)),  # Friday + 5 business days = next Friday
        (local(2026, 3, 7, 10, 0), 5, dt.date(2026, 3, 13)),  # Saturday: Monday is the first business day
        (local(2026, 3, 8, 10, 0), 1, dt.date(2026, 3, 9)),  # Sunday + 1 = Monday
        (local(2026, 3, 5, 10, 0), 2, dt.date(2026, 3, 9)),  # Thursday + 2 skips the weekend
        (local(2026, 3, 9, 10, 0), 10, dt.date(2026, 3, 23)),  # two whole weeks
    ],
)
def test_business_day_clocks_skip_weekends(filed, days, due_day):
    business = regime(day_count=DayCount.BUSINESS, internal_appeal_standard_days=days)
    due = clocks.appeal_decision_due_at(filed, business, AppealLevel.INTERNAL_1, False)
    assert due == dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=NY)


def test_calendar_days_do_not_skip_weekends():
    due = clocks.appeal_decision_due_at(
        local(2026, 3, 6, 10, 0), regime(internal_appeal_standard_days=5), AppealLevel.INTERNAL_1, False
    )
    assert due.date() == dt.date(2026, 3, 11)


def test_expedited_appeals_use_the_hour_clocks_even_under_business_days():
    filed = local(2026, 3, 7, 12, 0)  # Saturday 12:00 EST, the day before the DST change
    business = regime(
        day_count=DayCount.BUSINESS, internal_appeal_expedited_hours=72, external_review_expedited_hours=24
    )
    internal = clocks.appeal_decision_due_at(filed, business, AppealLevel.INTERNAL_1, True)
    assert internal - filed == dt.timedelta(hours=72)
    assert internal.astimezone(NY) == local(2026, 3, 10, 13, 0)  # weekend not skipped, hour lost to DST
    external = clocks.appeal_decision_due_at(filed, business, AppealLevel.EXTERNAL, True)
    assert external - filed == dt.timedelta(hours=24)


def test_external_review_uses_the_regimes_external_numbers():
    filed = local(2026, 5, 4, 9, 0)
    commercial = regime(external_review_standard_days=45)
    medicaid = regime(external_review_standard_days=90)
    assert clocks.appeal_decision_due_at(filed, commercial, AppealLevel.EXTERNAL, False).date() == dt.date(2026, 6, 18)
    assert clocks.appeal_decision_due_at(filed, medicaid, AppealLevel.EXTERNAL, False).date() == dt.date(2026, 8, 2)


def test_later_levels_are_due_from_the_previous_decision():
    case = denial(local(2026, 1, 5, 9, 0), external_review_filing_days=120)
    rule = PayerRule(appeal_window_days=60)
    decided = local(2026, 2, 20, 15, 0)
    level_2 = clocks.appeal_filing_due_at(case, rule, level=AppealLevel.INTERNAL_2, previous_decided_at=decided)
    external = clocks.appeal_filing_due_at(case, rule, level=AppealLevel.EXTERNAL, previous_decided_at=decided)
    assert level_2.date() == dt.date(2026, 4, 21)  # the payer rule's window again
    assert external.date() == dt.date(2026, 6, 20)  # the regime's 120 days (about 4 months)
    with pytest.raises(ValueError, match="previous level"):
        clocks.appeal_filing_due_at(case, rule, level=AppealLevel.EXTERNAL)


def test_the_ladder_has_a_second_internal_level_only_where_the_regime_does():
    one, two = regime(internal_appeal_levels=1), regime(internal_appeal_levels=2)
    assert clocks.next_level(one, None) == AppealLevel.INTERNAL_1
    assert clocks.next_level(one, AppealLevel.INTERNAL_1) == AppealLevel.EXTERNAL
    assert clocks.next_level(two, AppealLevel.INTERNAL_1) == AppealLevel.INTERNAL_2
    assert clocks.next_level(two, AppealLevel.INTERNAL_2) == AppealLevel.EXTERNAL
    assert clocks.next_level(two, AppealLevel.EXTERNAL) is None


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        clocks.hours_after(dt.datetime(2026, 3, 6, 10, 0), 4)  # noqa: DTZ001 - the point of the test
