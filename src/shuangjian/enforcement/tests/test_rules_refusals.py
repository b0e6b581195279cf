"""Penalty-case deadlines at their edges, without a database (the calendar's entered days are fakes): the
holiday and the make-up workday, the last day in time and the first day late, the surcharge to the fen."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.core.models import DayKind
from shuangjian.core.tests.pure_calendar import pure_calendar  # noqa: F401  (fixture)
from shuangjian.enforcement import rules

D = datetime.date
pytestmark = pytest.mark.usefixtures("pure_calendar")

SERVED = D(2026, 3, 2)  # paid in time up to and including 17 March 2026


def test_hearing_request_window_skips_national_day_and_counts_the_make_up_sunday():
    # Informed on Friday 26 Sep 2025: Sun 28 Sep is a make-up workday, 1–8 Oct are holidays.
    assert rules.hearing_request_deadline(D(2025, 9, 26)) == D(2025, 10, 10)
    assert rules.hearing_request_deadline(D(2026, 3, 2)) == D(2026, 3, 9)  # Monday + 5 working days


def test_hearing_notice_and_service_are_seven_working_days():
    # Sat 11 Oct 2025 is a make-up workday; Sun 12 Oct is not.
    assert rules.earliest_hearing_day(D(2025, 9, 26)) == D(2025, 10, 13)
    assert rules.serve_deadline(D(2025, 9, 26)) == D(2025, 10, 13)
    assert rules.earliest_hearing_day(D(2026, 3, 2)) == D(2026, 3, 11)
    assert rules.serve_deadline(D(2026, 3, 2)) == D(2026, 3, 11)


def test_an_entered_holiday_moves_the_deadline(pure_calendar):  # noqa: F811
    pure_calendar(days=[(D(2026, 3, 4), DayKind.HOLIDAY, "临时休假")])
    assert rules.hearing_request_deadline(D(2026, 3, 2)) == D(2026, 3, 10)
    assert rules.defence_deadline(D(2026, 3, 2), 3) == D(2026, 3, 6)


def test_defence_period_is_the_given_working_days():
    assert rules.defence_deadline(D(2025, 9, 26), 3) == D(2025, 9, 30)  # ends before the holiday
    # Monday 2 March 2026 + 3 working days = Thursday; + 10 = Monday 16 March (two weekends skipped).
    assert rules.defence_deadline(D(2026, 3, 2), 3) == D(2026, 3, 5)
    assert rules.defence_deadline(D(2026, 3, 2), 10) == D(2026, 3, 16)


def test_payment_is_15_calendar_days_even_over_a_holiday():
    assert rules.payment_deadline(D(2025, 9, 26)) == D(2025, 10, 11)


def test_decision_is_90_calendar_days_plus_an_approved_extension_never_minus():
    assert rules.decision_deadline(D(2026, 1, 1)) == D(2026, 4, 1)
    assert rules.decision_deadline(D(2026, 1, 1), 30) == D(2026, 5, 1)
    assert rules.decision_deadline(D(2026, 1, 1), 1) == D(2026, 4, 2)
    assert rules.decision_deadline(D(2026, 1, 1), -30) == D(2026, 4, 1)


@pytest.mark.parametrize(
    ("fine", "paid", "surcharge"),
    [
        (10_000, D(2026, 3, 1), 0),  # paid early
        (10_000, D(2026, 3, 17), 0),  # the last day in time
        (10_000, D(2026, 3, 18), 300),  # one day late: 3 % of 10,000 fen
        (10_000, D(2026, 4, 19), 9_900),  # 33 days: 99 %
        (10_000, D(2026, 4, 20), 10_000),  # 34 days would be 102 %: capped at the fine
        (1, D(2026, 4, 20), 1),  # one fen: capped at the fine itself
        (1, D(2026, 3, 18), 0),  # 3 % of one fen rounds down to nothing
        (10_001, D(2026, 3, 18), 300),  # 300.03 fen rounds down to 300
        (10_033, D(2026, 3, 19), 601),  # 2 days: 601.98 fen rounds down to 601
        (0, D(2027, 1, 1), 0),
        (-500, D(2027, 1, 1), 0),  # no fine, no surcharge
    ],
)
def test_surcharge_in_whole_fen(fine, paid, surcharge):
    got = rules.late_surcharge_fen(fine, SERVED, paid)
    assert got == surcharge and isinstance(got, int)


def test_limitation_two_years_and_five_when_serious():
    act = D(2023, 5, 10)
    assert not rules.limitation_expired(act, D(2025, 5, 10))
    assert rules.limitation_expired(act, D(2025, 5, 11))
    assert not rules.limitation_expired(act, D(2028, 5, 10), serious=True)
    assert rules.limitation_expired(act, D(2028, 5, 11), serious=True)


def test_limitation_from_a_29_february():
    act = D(2024, 2, 29)
    assert not rules.limitation_expired(act, D(2026, 2, 28))
    assert rules.limitation_expired(act, D(2026, 3, 1))
    assert not rules.limitation_expired(act, D(2029, 2, 28), serious=True)
    assert rules.limitation_expired(act, D(2029, 3, 1), serious=True)


def test_add_years_forwards_and_back():
    assert rules.add_years(D(2026, 6, 1), 2) == D(2028, 6, 1)
    assert rules.add_years(D(2026, 6, 1), -2) == D(2024, 6, 1)
    assert rules.add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)
    assert rules.add_years(D(2028, 2, 29), -2) == D(2026, 2, 28)
