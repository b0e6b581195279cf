"""Premises, institution and zombie rules, with Hypothesis at the edges of each number."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.registry import rules

TODAY = datetime.date(2026, 6, 1)


def facts(**kw: object) -> rules.SiteFacts:
    base: dict[str, object] = {
        "usable_area_m2": Decimal("150"),
        "floor": 2,
        "is_basement": False,
        "in_residential_building": False,
        "lease_end": TODAY + datetime.timedelta(days=400),
        "serves_children_12_or_under": True,
    }
    base.update(kw)
    return rules.SiteFacts(**base)  # type: ignore[arg-type]


def codes(site: rules.SiteFacts, **kw: object) -> set[str]:
    return {v.code for v in rules.check_site(site, today=TODAY, **kw)}  # type: ignore[arg-type]


def test_compliant_site_has_no_violations() -> None:
    assert rules.check_site(facts(), today=TODAY) == []


def test_area_edge() -> None:
    assert "site_area" in codes(facts(usable_area_m2=Decimal("99.99")))
    assert "site_area" not in codes(facts(usable_area_m2=Decimal("100")))


def test_floor_edge_for_children() -> None:
    assert "site_floor" not in codes(facts(floor=3))
    assert "site_floor" in codes(facts(floor=4))
    assert "site_floor" not in codes(facts(floor=4, serves_children_12_or_under=False))


def test_basement_and_residential() -> None:
    assert "site_basement" in codes(facts(is_basement=True))
    assert "site_basement" in codes(facts(floor=-1))
    assert "site_residential" in codes(facts(in_residential_building=True))


def test_lease_edge() -> None:
    # Source (北京市校外培训机构设置标准, RULES.md): a lease of "≥ 1 year" — the lease's term, start to end.
    start = datetime.date(2025, 9, 1)
    assert "site_lease" in codes(facts(lease_start=start, lease_end=datetime.date(2026, 8, 31)))
    assert "site_lease" not in codes(facts(lease_start=start, lease_end=datetime.date(2026, 9, 1)))
    assert "site_lease" in codes(facts(lease_end=None))
    assert "site_lease" in codes(facts(lease_end=TODAY - datetime.timedelta(days=1)))  # an ended lease is none


def test_site_in_its_leases_last_year_is_not_flagged() -> None:
    # A three-year lease with two months left meets "a lease of ≥ 1 year"; "365 days remaining" was not the rule.
    two_months = TODAY + datetime.timedelta(days=60)
    assert "site_lease" not in codes(facts(lease_start=datetime.date(2023, 8, 1), lease_end=two_months))
    assert "site_lease" not in codes(facts(lease_end=two_months))  # start not on record: judged by its end


def test_every_violation_cites_its_basis() -> None:
    bad = facts(
        usable_area_m2=Decimal("50"),
        floor=5,
        is_basement=True,
        in_residential_building=True,
        lease_end=TODAY - datetime.timedelta(days=1),
    )
    found = rules.check_site(bad, today=TODAY, students_at_once=40)
    assert {v.code for v in found} == {
        "site_area",
        "site_density",
        "site_floor",
        "site_basement",
        "site_residential",
        "site_lease",
    }
    assert all(v.basis and v.message for v in found)


@settings(max_examples=200)
@given(area=st.decimals(min_value=0, max_value=10000, places=2))
def test_capacity_is_three_square_metres_per_student(area: Decimal) -> None:
    cap = rules.site_capacity(area)
    assert cap * 3 <= area < (cap + 1) * 3
    # The density rule agrees with the capacity at its edge.
    assert "site_density" not in codes(facts(usable_area_m2=area), students_at_once=cap)
    assert "site_density" in codes(facts(usable_area_m2=area), students_at_once=cap + 1)


@settings(max_examples=100)
@given(area=st.decimals(min_value=0, max_value=1000, places=2))
def test_area_rule_is_exactly_at_100(area: Decimal) -> None:
    assert ("site_area" in codes(facts(usable_area_m2=area))) == (area < 100)


@settings(max_examples=100)
@given(floor=st.integers(min_value=-3, max_value=40), children=st.booleans())
def test_floor_rule(floor: int, children: bool) -> None:
    found = codes(facts(floor=floor, serves_children_12_or_under=children))
    assert ("site_floor" in found) == (children and floor >= 4)
    assert ("site_basement" in found) == (floor < 0)


@settings(max_examples=200)
@given(
    start=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2026, 12, 31)),
    days=st.integers(min_value=0, max_value=1200),
)
def test_lease_rule(start: datetime.date, days: int) -> None:
    end = start + datetime.timedelta(days=days)
    one_year_later = (start.year + 1, start.month, start.day)
    term_ok = (end.year, end.month, end.day) >= one_year_later
    flagged = "site_lease" in codes(facts(lease_start=start, lease_end=end))
    assert flagged == (end < TODAY or not term_ok)


def test_premises_basis_is_the_provinces_own_or_beijings_named_as_reference() -> None:
    found = rules.check_site(facts(is_basement=True), today=TODAY)
    assert found[0].basis.startswith("（参照）北京市")
    with override_settings(REGISTRY_PREMISES_BASIS="某省校外培训机构设置标准"):
        assert rules.check_site(facts(is_basement=True), today=TODAY)[0].basis == "某省校外培训机构设置标准"


def test_settings_override_is_read_at_call_time() -> None:
    with override_settings(REGISTRY_PREMISES={"min_area_m2": 200, "m2_per_student": 4}):
        assert "site_area" in codes(facts(usable_area_m2=Decimal("150")))
        assert rules.site_capacity(Decimal("100")) == 25
    assert rules.site_capacity(Decimal("100")) == 33


def test_subject_institution_must_be_non_profit() -> None:
    found = rules.check_institution(
        category="subject",
        uscc="91410202MA0000000X",
        licence_no=None,
        licence_expires_on=None,
        status="applying",
        today=TODAY,
    )
    assert [v.code for v in found] == ["subject_not_nonprofit"]
    assert "52" in found[0].message
    assert not rules.check_institution(
        category="non_subject",
        uscc="91410202MA0000000X",
        licence_no=None,
        licence_expires_on=None,
        status="applying",
        today=TODAY,
    )


def test_licence_expired() -> None:
    def run(expires: datetime.date) -> list[str]:
        return [
            v.code
            for v in rules.check_institution(
                category="non_subject",
                uscc="91",
                licence_no="X",
                licence_expires_on=expires,
                status="active",
                today=TODAY,
            )
        ]

    assert run(TODAY) == []
    assert run(TODAY - datetime.timedelta(days=1)) == ["licence_expired"]


@settings(max_examples=100)
@given(
    years=st.lists(st.integers(min_value=2015, max_value=2026), max_size=5),
    issued_year=st.integers(min_value=2015, max_value=2026),
)
def test_zombie_rule(years: list[int], issued_year: int) -> None:
    issued = datetime.date(issued_year, 3, 1)
    zombie = rules.is_zombie(status="active", inspection_years=years, licence_issued_on=issued, today=TODAY)
    assert zombie == (issued_year < 2024 and not any(y >= 2024 for y in years))
    assert not rules.is_zombie(status="stopped", inspection_years=[], licence_issued_on=issued, today=TODAY)
