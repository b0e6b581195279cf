from __future__ import annotations

import datetime

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from ..rules import FeeCaps, add_months, check_payment_order, max_class_hours_per_charge

CAPS = FeeCaps()
START = datetime.date(2026, 3, 1)


def codes(**kw):
    base = {
        "class_hours": 20,
        "price_per_lesson_fen": 10_000,
        "period_start": START,
        "period_end": datetime.date(2026, 5, 31),
        "course_start": START,
        "today": datetime.date(2026, 2, 15),
        "remaining_hours": None,
        "caps": CAPS,
    }
    return {v.code for v in check_payment_order(**{**base, **kw})}


def test_a_normal_charge_passes():
    assert codes() == set()


def test_each_cap_names_its_rule_and_basis():
    violations = check_payment_order(
        class_hours=61,
        price_per_lesson_fen=10_000,
        period_start=START,
        period_end=datetime.date(2026, 6, 2),
        course_start=START,
        today=datetime.date(2026, 1, 31),
        remaining_hours=21,
        caps=CAPS,
    )
    by_code = {v.code: v for v in violations}
    assert set(by_code) == {
        "charge_max_class_hours",
        "charge_max_months",
        "charge_max_amount",
        "charge_too_early",
        "charge_renewal_too_early",
    }
    assert "60 课时" in by_code["charge_max_class_hours"].message
    assert "教监管函〔2021〕2号" in by_code["charge_max_class_hours"].basis
    assert "5,000.00 元" in by_code["charge_max_amount"].message
    # The strictest limit decides: at 100 yuan a lesson, 5,000 yuan buys 50 hours, fewer than 60.
    assert "最多收 50 课时" in by_code["charge_max_amount"].message


def test_boundaries_are_inclusive():
    assert codes(class_hours=50) == set()  # exactly 5,000 yuan
    assert codes(class_hours=51) == {"charge_max_amount"}
    assert codes(period_end=datetime.date(2026, 6, 1)) == set()  # exactly 3 months
    assert codes(today=datetime.date(2026, 2, 1)) == set()  # exactly 1 month before
    assert codes(today=datetime.date(2026, 1, 31)) == {"charge_too_early"}
    assert codes(remaining_hours=20) == set()
    assert codes(remaining_hours=21) == {"charge_renewal_too_early"}


@override_settings(FUNDS_MAX_CHARGE_FEN=300_000, FUNDS_MAX_CHARGE_CLASS_HOURS=40)
def test_local_settings_override_the_defaults():
    caps = FeeCaps.from_settings()
    assert (caps.max_fen, caps.max_class_hours, caps.max_months) == (300_000, 40, 3)
    assert max_class_hours_per_charge(10_000, caps) == 30


@given(
    hours=st.integers(1, 200),
    price=st.integers(1, 100_000),
    days=st.integers(0, 200),
    early=st.integers(-100, 100),
    remaining=st.none() | st.integers(0, 100),
)
def test_a_charge_passes_exactly_when_every_limit_holds(hours, price, days, early, remaining):
    end = START + datetime.timedelta(days=days)
    today = START - datetime.timedelta(days=early)
    found = codes(
        class_hours=hours,
        price_per_lesson_fen=price,
        period_end=end,
        today=today,
        remaining_hours=remaining,
    )
    expected = set()
    if hours > 60:
        expected.add("charge_max_class_hours")
    if end > add_months(START, 3):
        expected.add("charge_max_months")
    if hours * price > 500_000:
        expected.add("charge_max_amount")
    if today < add_months(START, -1):
        expected.add("charge_too_early")
    if remaining is not None and remaining > 20:
        expected.add("charge_renewal_too_early")
    assert found == expected
    if not found:
        assert hours <= max_class_hours_per_charge(price, CAPS)


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)), st.integers(-24, 24))
def test_add_months_stays_in_the_target_month(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day <= d.day
