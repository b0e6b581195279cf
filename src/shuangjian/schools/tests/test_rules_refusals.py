"""After-school service rules whole: each refusal's code, message with its numbers, basis and field; the fee cap
to the fen (80 yuan primary, 120 yuan junior), "5+2" to the day and the minute, grades 1/6/7/9 and 0/10, terms
at August and February, coverage counts and percentages."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from shuangjian.core.rules import Violation
from shuangjian.schools.rules import (
    JUNIOR,
    PRIMARY,
    Coverage,
    SchoolService,
    check_class,
    check_fee,
    check_plan,
    check_provider,
    coverage,
    fee_cap_fen,
    pledge_check_digits,
    stage_of_grade,
    term_label,
    term_of,
    yuan,
)

FEE_BASIS = "许昌市课后服务收费标准（本地）：小学每生每月不超过 80 元，初中不超过 120 元"
PLAN_BASIS = "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》（2021年7月）第九条：课后服务“5+2”"
PROVIDER_BASIS = "课后服务引进的校外机构须在白名单内（本地规定，见白名单公示）"
GRADE = Violation("schools.grade_not_compulsory", "年级应为 1–9（义务教育阶段）。", "", "grade")
ASKED = Violation("schools.asked_over_pupils", "申请人数不能多于学生人数。", "", "asked")
SERVED = Violation("schools.served_over_pupils", "参加人数不能多于学生人数。", "", "served")


def over_cap(stage: str, fee: str, cap: str) -> Violation:
    return Violation(
        "schools.fee_over_cap", f"{stage}课后服务收费每生每月 {fee} 元，超过 {cap} 元的上限。", FEE_BASIS, "fee"
    )


@pytest.mark.parametrize(
    ("grade", "stage"), [(0, None), (1, PRIMARY), (6, PRIMARY), (7, JUNIOR), (9, JUNIOR), (10, None), (-1, None)]
)
def test_stage_of_grade_edges(grade, stage):
    assert stage_of_grade(grade) == stage


@pytest.mark.parametrize(
    ("grade", "fee", "found"),
    [
        (1, 8_000, []),  # primary: exactly 80 yuan
        (6, 8_001, [over_cap("小学", "80.01", "80")]),
        (6, 9_050, [over_cap("小学", "90.50", "80")]),
        (7, 12_000, []),  # junior: exactly 120 yuan
        (7, 12_001, [over_cap("初中", "120.01", "120")]),
        (9, 13_000, [over_cap("初中", "130", "120")]),
        (0, 0, [GRADE]),
        (10, 0, [GRADE]),
    ],
)
def test_fee_cap_to_the_fen(grade, fee, found):
    assert check_fee(grade=grade, fee_fen=fee) == found


@override_settings(AFTERSCHOOL_FEE_CAP_PRIMARY_FEN=6_050, AFTERSCHOOL_FEE_CAP_JUNIOR_FEN=9_999)
def test_fee_caps_are_settings():
    assert fee_cap_fen(PRIMARY) == 6_050 and fee_cap_fen(JUNIOR) == 9_999
    assert check_fee(grade=3, fee_fen=6_051) == [over_cap("小学", "60.51", "60.50")]
    assert check_fee(grade=8, fee_fen=10_000) == [over_cap("初中", "100", "99.99")]


def test_yuan_shows_whole_yuan_without_decimals():
    assert [yuan(f) for f in (0, 100, 8_000, 8_001, 8_010, 12_345)] == ["0", "1", "80", "80.01", "80.10", "123.45"]


@pytest.mark.parametrize(
    ("grade", "pupils", "asked", "served", "found"),
    [
        (3, 40, 40, 40, []),  # every pupil asked and served
        (3, 40, 41, 40, [ASKED]),
        (3, 40, 40, 41, [SERVED]),
        (3, 40, 0, 0, []),
        (0, 40, 41, 41, [GRADE, ASKED, SERVED]),
        (10, 0, 0, 0, [GRADE]),
    ],
)
def test_class_figures(grade, pupils, asked, served, found):
    assert check_class(grade=grade, pupils=pupils, asked=asked, served=served) == found


def days_short(n: int) -> Violation:
    return Violation("schools.days_short", f"每周服务 {n} 天，少于 5 天。", PLAN_BASIS, "days_per_week")


def hours_short(n: int) -> Violation:
    return Violation(
        "schools.hours_short", f"每天服务 {n} 分钟，少于 120 分钟（2 小时）。", PLAN_BASIS, "minutes_per_day"
    )


@pytest.mark.parametrize(
    ("days", "minutes", "found"),
    [
        (5, 120, []),
        (6, 180, []),
        (4, 120, [days_short(4)]),
        (5, 119, [hours_short(119)]),
        (4, 119, [days_short(4), hours_short(119)]),
        (0, 0, [days_short(0), hours_short(0)]),
    ],
)
def test_five_plus_two_to_the_day_and_minute(days, minutes, found):
    assert check_plan(days_per_week=days, minutes_per_day=minutes) == found


def test_provider_off_the_whitelist_is_named():
    assert check_provider(name="星火教育", whitelisted=True) == []
    assert check_provider(name="星火教育", whitelisted=False) == [
        Violation(
            "schools.provider_not_whitelisted",
            "“星火教育”不在白名单内，不能提供课后服务。",
            PROVIDER_BASIS,
            "providers",
        )
    ]


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (datetime.date(2026, 1, 31), "2025-autumn"),
        (datetime.date(2026, 2, 1), "2026-spring"),
        (datetime.date(2026, 7, 31), "2026-spring"),
        (datetime.date(2026, 8, 1), "2026-autumn"),
        (datetime.date(2026, 12, 31), "2026-autumn"),
    ],
)
def test_term_edges(day, term):
    assert term_of(day) == term


def test_term_labels():
    assert term_label("2026-autumn") == "2026年秋季学期"
    assert term_label("2026-spring") == "2026年春季学期"


def service(school_id: int, *, plan=True, days=5, minutes=120, asked=100, served=100) -> SchoolService:
    return SchoolService(school_id, plan, days, minutes, asked, served)


def test_five_plus_two_needs_a_plan_and_both_numbers():
    assert service(1).five_plus_two
    assert not service(1, plan=False).five_plus_two
    assert not service(1, days=4).five_plus_two
    assert not service(1, minutes=119).five_plus_two
    assert not service(1).pupils_short
    assert service(1, served=99).pupils_short
    assert not service(1, served=101).pupils_short


def test_coverage_counts_and_percentages():
    c = coverage(
        [
            service(1),
            service(2, served=99),  # short of pupils
            service(3, days=4, asked=50, served=80),  # short of 5+2; more served than asked counts as asked
            service(4, asked=0, served=0),
        ]
    )
    assert c == Coverage(schools=4, schools_5_2=3, asked=250, served=249, short=(2, 3))
    assert c.school_percent == 75.0
    assert c.pupil_percent == 99.6


def test_coverage_percent_rounds_to_one_decimal_and_is_none_without_schools():
    assert Coverage(3, 2, 3, 2, ()).school_percent == 66.7
    assert Coverage(3, 1, 3, 1, ()).pupil_percent == 33.3
    assert Coverage(0, 0, 0, 0, ()).school_percent is None
    assert Coverage(0, 0, 0, 0, ()).pupil_percent is None
    assert coverage([]) == Coverage(0, 0, 0, 0, ())


def test_pledge_digits_are_the_last_four_upper_case():
    assert pledge_check_digits("11010519491231002x") == "002X"
    assert pledge_check_digits("110105194912310021") == "0021"
