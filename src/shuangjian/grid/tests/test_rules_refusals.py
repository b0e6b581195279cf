"""Grid reporting rules at their edges, with a plain Monday-to-Friday calendar (no database)."""

from __future__ import annotations

import datetime
from fractions import Fraction

from shuangjian.grid import rules

D = datetime.date
CELL = "410202001001"


def weekdays(d: datetime.date) -> bool:
    return d.weekday() < 5


def test_an_assignment_that_ends_mid_week_expects_nothing_after_its_last_day() -> None:
    duty = rules.Duty(7, CELL, "410202001", "410202", D(2026, 3, 2), D(2026, 3, 4))  # Monday to Wednesday
    slots = rules.expected_slots([duty], D(2026, 3, 2), D(2026, 3, 6), is_working_day=weekdays)
    assert [s.day for s in slots] == [D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4)]


def test_the_cut_off_hour_itself_is_late_and_a_minute_before_is_on_time() -> None:
    day = D(2026, 3, 2)
    assert rules.is_on_time(day, datetime.datetime(2026, 3, 2, 19, 59), cutoff_hour=20)
    assert not rules.is_on_time(day, datetime.datetime(2026, 3, 2, 20, 0), cutoff_hour=20)
    assert not rules.is_on_time(day, datetime.datetime(2026, 3, 3, 8, 0), cutoff_hour=20)  # the next morning


def test_a_report_dated_before_its_day_counts_as_on_time() -> None:
    assert rules.is_on_time(D(2026, 3, 2), datetime.datetime(2026, 3, 1, 23, 0), cutoff_hour=20)


def test_rates_are_rounded_to_one_decimal_place() -> None:
    assert rules.rate_percent(Fraction(2, 3)) == 66.7
    assert rules.rate_percent(Fraction(1, 8)) == 12.5
    assert rules.rate_percent(None) is None
