"""Each fee-cap and risk-deposit refusal in full: code, field, basis and the numbers (to the fen, to the day)."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from shuangjian.core.rules import Violation
from shuangjian.funds import rules
from shuangjian.funds.rules import (
    BASIS_2021_2,
    BASIS_2022_4,
    BASIS_JIANGSU,
    FeeCaps,
    add_months,
    as_payload,
    check_deposit_collection,
    check_payment_order,
    deposit_covered_fen,
    max_class_hours_per_charge,
)

START = datetime.date(2026, 3, 1)
CAPS = FeeCaps()
GOOD = {
    "class_hours": 50,
    "price_per_lesson_fen": 10_000,
    "period_start": START,
    "period_end": datetime.date(2026, 6, 1),
    "course_start": START,
    "today": datetime.date(2026, 2, 1),
    "remaining_hours": 20,
    "caps": CAPS,
}


def order(**changes: object) -> list[Violation]:
    return check_payment_order(**{**GOOD, **changes})  # type: ignore[arg-type]


def test_a_charge_at_every_limit_at_once_passes() -> None:
    assert order() == []
    assert order(class_hours=60, price_per_lesson_fen=1, remaining_hours=None) == []
    assert order(period_end=START) == []


def test_hours_must_be_positive() -> None:
    refusal = Violation("charge_hours_positive", "收费课时数必须大于 0。", BASIS_2021_2, "class_hours")
    assert order(class_hours=0) == [refusal]
    assert order(class_hours=-1) == [refusal]
    assert order(class_hours=1) == []


def test_sixty_one_hours_are_refused_naming_the_cap_and_the_hours() -> None:
    assert order(class_hours=61, price_per_lesson_fen=1) == [
        Violation("charge_max_class_hours", "单次收费不得超过 60 课时（本次 61 课时）。", BASIS_2021_2, "class_hours")
    ]


def test_a_period_one_day_over_three_months_is_refused_with_both_dates() -> None:
    assert order(period_end=datetime.date(2026, 6, 2)) == [
        Violation(
            "charge_max_months",
            "单次收费时间跨度不得超过 3 个月（2026-03-01 至 2026-06-02）。",
            BASIS_2021_2,
            "period_end",
        )
    ]


def test_a_period_ending_before_it_starts_is_refused_and_not_measured() -> None:
    assert order(period_end=START - datetime.timedelta(days=1)) == [
        Violation("charge_period_order", "服务结束日期不能早于开始日期。", BASIS_2021_2, "period_end")
    ]


def test_one_fen_over_five_thousand_yuan_is_refused_naming_the_strictest_cap() -> None:
    assert order(class_hours=50, price_per_lesson_fen=10_001) == [
        Violation(
            "charge_max_amount",
            "单次收费不得超过 5,000.00 元（本次 5,000.50 元）；多项限额取最严格者，本课程单次最多收 49 课时。",
            BASIS_2022_4,
            "class_hours",
        )
    ]
    # At a low price the hour cap is the stricter one.
    assert [v.message for v in order(class_hours=70, price_per_lesson_fen=8_000) if v.code == "charge_max_amount"] == [
        "单次收费不得超过 5,000.00 元（本次 5,600.00 元）；多项限额取最严格者，本课程单次最多收 60 课时。"
    ]


def test_collecting_one_day_too_early_names_the_first_allowed_day() -> None:
    assert order(today=datetime.date(2026, 1, 31)) == [
        Violation(
            "charge_too_early", "课程 2026-03-01 开课，2026-02-01 前不得提前收费。", BASIS_JIANGSU, "period_start"
        )
    ]


def test_renewing_with_21_hours_left_is_refused_with_both_numbers() -> None:
    assert order(remaining_hours=21) == [
        Violation(
            "charge_renewal_too_early",
            "剩余课时不超过 20 课时方可续费（当前剩余 21 课时）。",
            BASIS_JIANGSU,
            "class_hours",
        )
    ]
    assert order(remaining_hours=0) == []


def test_every_cap_reports_at_once_in_order() -> None:
    found = order(
        class_hours=61,
        period_end=datetime.date(2026, 6, 2),
        today=datetime.date(2026, 1, 31),
        remaining_hours=21,
    )
    assert [v.code for v in found] == [
        "charge_max_class_hours",
        "charge_max_months",
        "charge_max_amount",
        "charge_too_early",
        "charge_renewal_too_early",
    ]
    assert as_payload(found[:1]) == [
        {
            "code": "charge_max_class_hours",
            "message": "单次收费不得超过 60 课时（本次 61 课时）。",
            "basis": BASIS_2021_2,
            "field": "class_hours",
        }
    ]


def test_caps_given_by_the_caller_decide() -> None:
    caps = FeeCaps(max_class_hours=10, max_months=1, max_fen=100_000, earliest_months=2, renewal_max_remaining_hours=5)
    found = order(
        caps=caps,
        class_hours=11,
        price_per_lesson_fen=10_000,
        period_end=datetime.date(2026, 4, 2),
        today=datetime.date(2025, 12, 31),
        remaining_hours=6,
    )
    assert [v.message for v in found] == [
        "单次收费不得超过 10 课时（本次 11 课时）。",
        "单次收费时间跨度不得超过 1 个月（2026-03-01 至 2026-04-02）。",
        "单次收费不得超过 1,000.00 元（本次 1,100.00 元）；多项限额取最严格者，本课程单次最多收 10 课时。",
        "课程 2026-03-01 开课，2026-01-01 前不得提前收费。",
        "剩余课时不超过 5 课时方可续费（当前剩余 6 课时）。",
    ]
    assert (
        order(
            caps=caps,
            class_hours=10,
            period_end=datetime.date(2026, 4, 1),
            today=datetime.date(2026, 1, 1),
            remaining_hours=5,
        )
        == []
    )


def test_the_strictest_cap_in_class_hours() -> None:
    assert max_class_hours_per_charge(10_000, CAPS) == 50
    assert max_class_hours_per_charge(10_001, CAPS) == 49
    assert max_class_hours_per_charge(8_000, CAPS) == 60
    assert max_class_hours_per_charge(0, CAPS) == 60
    assert max_class_hours_per_charge(1, CAPS) == 60
    assert max_class_hours_per_charge(500_001, CAPS) == 0
    # At one fen a lesson the amount cap still counts when it is the stricter one.
    assert max_class_hours_per_charge(1, FeeCaps(max_fen=50)) == 50


def test_add_months_clamps_to_the_last_day_and_crosses_years() -> None:
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 15), -1) == datetime.date(2025, 12, 15)
    assert add_months(datetime.date(2026, 12, 31), 0) == datetime.date(2026, 12, 31)


def test_defaults_are_the_policy_numbers() -> None:
    assert FeeCaps.from_settings() == FeeCaps(60, 3, 500_000, 1, 20)
    assert rules.confirm_working_days() == 15
    assert rules.refund_silence_working_days() == 5
    assert rules.notification_max_age_seconds() == 300
    assert rules.risk_deposit_share_bp() == 2000


@override_settings(
    FUNDS_MAX_CHARGE_CLASS_HOURS=40,
    FUNDS_MAX_CHARGE_MONTHS=2,
    FUNDS_MAX_CHARGE_FEN=300_000,
    FUNDS_EARLIEST_MONTHS=3,
    FUNDS_RENEWAL_MAX_REMAINING_HOURS=10,
    FUNDS_CONFIRM_WORKING_DAYS=7,
    FUNDS_REFUND_SILENCE_WORKING_DAYS=3,
    FUNDS_NOTIFICATION_MAX_AGE_SECONDS=90,
    FUNDS_RISK_DEPOSIT_SHARE_BP=1500,
)
def test_every_number_has_its_setting() -> None:
    assert FeeCaps.from_settings() == FeeCaps(40, 2, 300_000, 3, 10)
    assert rules.confirm_working_days() == 7
    assert rules.refund_silence_working_days() == 3
    assert rules.notification_max_age_seconds() == 90
    assert rules.risk_deposit_share_bp() == 1500


@pytest.mark.parametrize(("seconds", "text"), [(300, "5 分钟"), (60, "1 分钟"), (90, "90 秒"), (61, "61 秒")])
def test_the_notification_window_in_words(seconds: int, text: str) -> None:
    with override_settings(FUNDS_NOTIFICATION_MAX_AGE_SECONDS=seconds):
        assert rules.notification_window_text() == text


def test_a_deposit_covers_its_share_and_a_zero_share_covers_everything() -> None:
    assert deposit_covered_fen(100_000, 2000) == 500_000
    assert deposit_covered_fen(100_001, 2000) == 500_005
    assert deposit_covered_fen(1, 3000) == 3
    assert deposit_covered_fen(100_000, 0) == 2**62
    assert deposit_covered_fen(100_000, -1) == 2**62
    assert deposit_covered_fen(100_000, 1) == 1_000_000_000


def test_a_charge_one_fen_beyond_the_deposit_cover_is_refused_with_every_amount() -> None:
    assert check_deposit_collection(deposit_fen=100_000, share_bp=2000, outstanding_fen=400_000, new_fen=100_000) == []
    assert check_deposit_collection(deposit_fen=100_000, share_bp=2050, outstanding_fen=400_000, new_fen=87_806) == [
        Violation(
            "deposit_insufficient",
            "风险保证金 ¥1,000.00 按 20.5% 的比例可覆盖预收费 ¥4,878.04；"
            "现有未消课预收费 ¥4,000.00，再收 ¥878.06 将超出覆盖额度，请补缴保证金或开设托管账户。",
            BASIS_2021_2,
            "amount_fen",
        )
    ]
    assert check_deposit_collection(deposit_fen=100_000, share_bp=2050, outstanding_fen=400_000, new_fen=87_804) == []
    assert [
        v.code
        for v in check_deposit_collection(deposit_fen=100_000, share_bp=2000, outstanding_fen=400_000, new_fen=100_001)
    ] == ["deposit_insufficient"]
