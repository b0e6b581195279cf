"""Each premises, institution, founder and zombie refusal in full: code, field, basis and its numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from shuangjian.core.rules import Violation
from shuangjian.registry import rules
from shuangjian.registry.rules import (
    FOUNDER_BLACKLIST_BASIS,
    LICENCE_BASIS,
    NEW_SUBJECT_BASIS,
    NON_PROFIT_BASIS,
    PREMISES_BASIS_FALLBACK,
    SiteFacts,
    check_founder,
    check_institution,
    check_new_institution,
    check_premises_for_licence,
    check_site,
    is_zombie,
    lease_term,
    lease_violation,
    site_capacity,
)

TODAY = datetime.date(2026, 6, 1)
BASIS = PREMISES_BASIS_FALLBACK


def site(**kw: object) -> SiteFacts:
    base: dict[str, object] = {
        "usable_area_m2": Decimal("100"),
        "floor": 3,
        "is_basement": False,
        "in_residential_building": False,
        "lease_start": TODAY - datetime.timedelta(days=365),
        "lease_end": TODAY,
        "serves_children_12_or_under": True,
    }
    base.update(kw)
    return SiteFacts(**base)  # type: ignore[arg-type]


def test_a_site_at_every_edge_at_once_passes() -> None:
    # 100 m², third floor, 33 pupils at once, a lease of exactly one year that ends today.
    assert check_site(site(), today=TODAY, students_at_once=33) == []
    assert check_site(site(floor=0), today=TODAY) == []


def test_99_99_square_metres_are_refused_naming_both_areas() -> None:
    assert check_site(site(usable_area_m2=Decimal("99.99")), today=TODAY) == [
        Violation("site_area", "使用面积 99.99 平方米，低于 100 平方米。", BASIS, "usable_area_m2")
    ]


def test_one_pupil_over_the_density_names_pupils_ratio_and_capacity() -> None:
    assert check_site(site(), today=TODAY, students_at_once=34) == [
        Violation("site_density", "同时在场学员 34 人，超过按每生 3 平方米计算的容量 33 人。", BASIS, "capacity")
    ]


def test_residential_basement_and_a_negative_floor_are_refused() -> None:
    assert check_site(site(in_residential_building=True), today=TODAY) == [
        Violation("site_residential", "教学点不得设在住宅内。", BASIS, "in_residential_building")
    ]
    basement = Violation("site_basement", "教学点不得设在地下室。", BASIS, "is_basement")
    assert check_site(site(is_basement=True), today=TODAY) == [basement]
    assert check_site(site(floor=-1), today=TODAY) == [basement]


def test_the_fourth_floor_is_refused_for_young_children_only() -> None:
    assert check_site(site(floor=4), today=TODAY) == [
        Violation("site_floor", "招收 12 岁及以下儿童的教学点不得设在 4 层及以上（当前第 4 层）。", BASIS, "floor")
    ]
    assert check_site(site(floor=4, serves_children_12_or_under=False), today=TODAY) == []


def test_lease_refusals_name_their_dates() -> None:
    assert check_site(site(lease_end=None), today=TODAY) == [
        Violation("site_lease", "未登记租赁期限。", BASIS, "lease_end")
    ]
    assert check_site(site(lease_end=TODAY - datetime.timedelta(days=1)), today=TODAY) == [
        Violation("site_lease", "租赁已于 2026-05-31 到期。", BASIS, "lease_end")
    ]
    assert check_site(site(lease_start=datetime.date(2025, 6, 2)), today=TODAY) == [
        Violation("site_lease", "租赁期限不足 1 年（2025-06-02 至 2026-06-01）。", BASIS, "lease_end")
    ]
    # A lease recorded without its start is judged by its end alone.
    assert check_site(site(lease_start=None), today=TODAY) == []


def test_lease_terms_count_whole_calendar_years() -> None:
    assert lease_term(datetime.date(2025, 6, 1), datetime.date(2026, 6, 1)) == 10000
    assert lease_term(datetime.date(2025, 6, 2), datetime.date(2026, 6, 1)) == 9999
    assert lease_term(datetime.date(2025, 12, 31), datetime.date(2026, 1, 1)) == 10000 + 101 - 1231
    assert rules.lease_term_units(2) == 20000
    two_years = lease_violation(datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), today=TODAY, years=2)
    assert two_years == "租赁期限不足 2 年（2025-01-01 至 2026-12-31）。"
    assert lease_violation(datetime.date(2024, 12, 31), datetime.date(2026, 12, 31), today=TODAY, years=2) is None


def test_site_capacity_rounds_down_and_never_goes_negative() -> None:
    assert site_capacity(Decimal("99")) == 33
    assert site_capacity(Decimal("98.99")) == 32
    assert site_capacity(3) == 1
    assert site_capacity(2.99) == 0
    assert site_capacity(0) == 0
    assert site_capacity(-30) == 0


@override_settings(REGISTRY_PREMISES={"m2_per_student": 0})
def test_a_ratio_of_zero_gives_no_capacity() -> None:
    assert site_capacity(300) == 0


@override_settings(
    REGISTRY_PREMISES={"min_area_m2": "80", "m2_per_student": "2.5", "max_floor_children_12": 4, "min_lease_years": 2},
    REGISTRY_PREMISES_BASIS="河南省校外培训机构设置标准",
)
def test_a_province_sets_every_number_and_names_its_own_standard() -> None:
    own = "河南省校外培训机构设置标准"
    found = check_site(
        site(usable_area_m2=Decimal("79"), floor=5, lease_start=datetime.date(2025, 6, 1)),
        today=TODAY,
        students_at_once=32,
    )
    assert found == [
        Violation("site_area", "使用面积 79 平方米，低于 80 平方米。", own, "usable_area_m2"),
        Violation("site_density", "同时在场学员 32 人，超过按每生 2.5 平方米计算的容量 31 人。", own, "capacity"),
        Violation("site_floor", "招收 12 岁及以下儿童的教学点不得设在 5 层及以上（当前第 5 层）。", own, "floor"),
        Violation("site_lease", "租赁期限不足 2 年（2025-06-01 至 2026-06-01）。", own, "lease_end"),
    ]
    assert (
        check_site(site(usable_area_m2=Decimal("80"), floor=4, lease_start=datetime.date(2024, 6, 1)), today=TODAY)
        == []
    )


def test_institution_refusals_in_full() -> None:
    kw: dict[str, Any] = {"uscc": "52410000MJ0000000X", "licence_no": "L1", "licence_expires_on": TODAY, "today": TODAY}
    assert check_institution(category="subject", status="active", **kw) == []
    assert check_institution(category="subject", status="active", **{**kw, "uscc": "91410000MA0000000X"}) == [
        Violation(
            "subject_not_nonprofit",
            "学科类培训机构应登记为非营利性（统一社会信用代码以 52 开头）。",
            NON_PROFIT_BASIS,
            "uscc",
        )
    ]
    assert check_institution(category="non_subject", status="active", **{**kw, "uscc": "91410000MA0000000X"}) == []
    assert [v.code for v in check_institution(category="subject", status="active", **{**kw, "uscc": ""})] == [
        "subject_not_nonprofit"
    ]
    assert check_institution(category="non_subject", status="unlicensed", **{**kw, "licence_no": None}) == [
        Violation(
            "unlicensed_operation",
            "无证办学：未取得办学许可证开展培训，应依法取缔或办理许可。",
            LICENCE_BASIS,
            "status",
        )
    ]
    assert check_institution(category="non_subject", status="active", **{**kw, "licence_no": ""}) == [
        Violation("licence_missing", "正常办学但未取得办学许可证。", LICENCE_BASIS, "licence_no")
    ]
    expired = {**kw, "licence_expires_on": TODAY - datetime.timedelta(days=1)}
    assert check_institution(category="non_subject", status="active", **expired) == [
        Violation("licence_expired", "办学许可证已于 2026-05-31 过期。", LICENCE_BASIS, "licence_expires_on")
    ]
    assert check_institution(category="non_subject", status="suspended", **expired) == []
    assert check_institution(category="non_subject", status="active", **{**kw, "licence_expires_on": None}) == []


def test_no_new_subject_institution_and_no_barred_founder() -> None:
    assert check_new_institution(category="subject") == [
        Violation(
            "subject_new_refused",
            "各地不再审批新的面向义务教育阶段学生的学科类校外培训机构；已取得许可的学科类机构请办理营转非（登记为非营利性机构）。",
            NEW_SUBJECT_BASIS,
            "category",
        )
    ]
    assert check_new_institution(category="non_subject") == []
    assert check_founder(barred=True) == [
        Violation(
            "founder_blacklisted",
            "法定代表人（举办者）已被列入限制从业人员名单，不得举办校外培训机构。",
            FOUNDER_BLACKLIST_BASIS,
            "legal_rep_id",
        )
    ]
    assert check_founder(barred=False) == []


@pytest.mark.parametrize(
    ("inspections", "issued", "zombie"),
    [
        ((), None, True),
        ((2023,), None, True),
        ((2024,), None, False),  # 2024 is the first year that counts on 1 June 2026
        ((2026,), None, False),
        ((2023, 2025), None, False),
        ((), datetime.date(2023, 12, 31), True),
        ((), datetime.date(2024, 1, 1), False),  # licensed since the window opened: not two years owed yet
    ],
)
def test_the_zombie_window_is_two_calendar_years(
    inspections: tuple[int, ...], issued: datetime.date | None, zombie: bool
) -> None:
    assert rules.zombie_since_year(TODAY) == 2024
    assert is_zombie(status="active", inspection_years=inspections, licence_issued_on=issued, today=TODAY) is zombie
    assert is_zombie(status="suspended", inspection_years=inspections, licence_issued_on=issued, today=TODAY) is False


def test_a_licence_needs_a_site_offline_and_every_site_refusal_names_its_site() -> None:
    missing = Violation("site_missing", "线下培训机构须登记至少一个符合要求的教学点。", BASIS, "sites")
    assert check_premises_for_licence([], training_format="offline", today=TODAY) == [missing]
    assert check_premises_for_licence([], training_format="both", today=TODAY) == [missing]
    assert check_premises_for_licence([], training_format="online", today=TODAY) == []
    sites = [("东区教学点", site()), ("西区教学点", site(floor=4, in_residential_building=True))]
    assert check_premises_for_licence(sites, training_format="online", today=TODAY) == [
        Violation("site_residential", "西区教学点：教学点不得设在住宅内。", BASIS, "in_residential_building"),
        Violation(
            "site_floor", "西区教学点：招收 12 岁及以下儿童的教学点不得设在 4 层及以上（当前第 4 层）。", BASIS, "floor"
        ),
    ]


@override_settings(REGISTRY_PREMISES={"m2_per_student": "1"})
def test_one_square_metre_per_student_seats_one_on_one_square_metre() -> None:
    assert site_capacity(1) == 1
    assert site_capacity(Decimal("2.5")) == 2
