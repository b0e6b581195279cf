"""Penalty-case deadlines: working days for 3, 5 and 7 days, calendar days for 15 and 90 (RULES.md)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangjian.enforcement import rules

D = datetime.date
pytestmark = pytest.mark.django_db


def test_hearing_request_window_skips_national_day_and_counts_the_make_up_sunday():
    # Informed on Friday 26 Sep 2025: Sun 28 Sep is a make-up workday, 1–8 Oct are holidays.
    assert rules.hearing_request_deadline(D(2025, 9, 26)) == D(2025, 10, 10)


def test_defence_period_of_three_working_days_ends_before_the_holiday():
    assert rules.defence_deadline(D(2025, 9, 26), 3) == D(2025, 9, 30)


def test_hearing_notice_seven_working_days_counts_the_make_up_saturday():
    # Sat 11 Oct 2025 is a make-up workday; Sun 12 Oct is not.
    assert rules.earliest_hearing_day(D(2025, 9, 26)) == D(2025, 10, 13)


def test_ordinary_week_boundary():
    assert rules.hearing_request_deadline(D(2026, 3, 2)) == D(2026, 3, 9)  # Monday + 5 working days


def test_decision_deadline_is_90_calendar_days_plus_extension():
    assert rules.decision_deadline(D(2026, 1, 1)) == D(2026, 4, 1)
    assert rules.decision_deadline(D(2026, 1, 1), 30) == D(2026, 5, 1)


def test_payment_deadline_is_15_calendar_days_even_over_a_holiday():
    assert rules.payment_deadline(D(2025, 9, 26)) == D(2025, 10, 11)


def test_serve_deadline_is_seven_working_days():
    assert rules.serve_deadline(D(2025, 9, 26)) == D(2025, 10, 13)


@pytest.mark.parametrize(
    ("paid", "surcharge"),
    [
        (D(2026, 3, 17), 0),  # the last day in time
        (D(2026, 3, 18), 300),  # one day late: 3 % of 10,000 fen
        (D(2026, 3, 27), 3000),
        (D(2026, 4, 19), 9_900),  # 33 days: 99 %
        (D(2026, 4, 20), 10_000),  # 34 days would be 102 %: capped at the fine
        (D(2027, 1, 1), 10_000),
    ],
)
def test_late_payment_surcharge_is_3_percent_a_day_capped_at_the_fine(paid, surcharge):
    assert rules.late_surcharge_fen(10_000, D(2026, 3, 2), paid) == surcharge


@given(
    fine=st.integers(min_value=0, max_value=10**10),
    late=st.integers(min_value=-30, max_value=2000),
)
def test_surcharge_never_exceeds_the_fine_and_is_zero_when_in_time(fine, late):
    served = D(2026, 3, 2)
    paid = rules.payment_deadline(served) + datetime.timedelta(days=late)
    s = rules.late_surcharge_fen(fine, served, paid)
    assert 0 <= s <= fine
    if late <= 0:
        assert s == 0


def test_limitation_two_years_and_five_when_serious():
    act = D(2023, 5, 10)
    assert not rules.limitation_expired(act, D(2025, 5, 10))
    assert rules.limitation_expired(act, D(2025, 5, 11))
    assert not rules.limitation_expired(act, D(2025, 5, 11), serious=True)
    assert not rules.limitation_expired(act, D(2028, 5, 10), serious=True)
    assert rules.limitation_expired(act, D(2028, 5, 11), serious=True)


def test_add_years_on_29_february():
    assert rules.add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)
