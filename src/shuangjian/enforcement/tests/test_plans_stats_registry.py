"""Another area adds its figures to the county statistics page with one registration."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.test import Client

from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory
from shuangjian.enforcement import stats


@pytest.fixture
def extra_area() -> Iterator[None]:
    @stats.register_figures("test_ads", "广告招牌", columns=(stats.Column("removed", "拆除广告"),), order=90)
    def ads(counties: Sequence[str], year: int) -> stats.Figures:
        return {"removed": {c: 575 for c in counties}}

    yield
    stats._SETS.pop("test_ads")


def test_a_registered_area_appears_on_the_page_and_in_the_totals(db: Any, extra_area: None, settings: Any) -> None:
    settings.ENFORCEMENT_STATS_CACHE_SECONDS = 0
    DivisionFactory.create(code="410202", name="龙亭区")
    DivisionFactory.create(code="410212", name="祥符区")
    c = Client()
    c.force_login(RegulatorFactory.create(username="s_city", scope_code="4102"))
    page = c.get("/enforcement/statistics/").content.decode()
    assert "广告招牌" in page and "拆除广告" in page and "1150" in page
    data = stats.county_statistics(["410202", "410212"], 2026)
    assert data.value("test_ads", "removed", "410212") == 575
    assert [s.area for s in data.sets][:2] == ["inspections", "coverage"]
