"""The bulletin's charts: what each one shows, taken from the bulletin's stored figures only, so that the web
page (ECharts) and the Word file (a PNG drawn by ``bulletin_chart_png``) show the same numbers, and a bulletin
always draws the same charts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

Result = Any


@dataclass(frozen=True)
class Chart:
    key: str
    section: str  # the bulletin section it prints in (bulletins.Section)
    title: str
    kind: str  # "bar" or "line"
    categories: list[str]
    series: list[tuple[str, list[int]]]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "section": self.section,
            "title": self.title,
            "kind": self.kind,
            "categories": self.categories,
            "series": [{"name": n, "data": d} for n, d in self.series],
        }


def _month_label(month: str) -> str:
    # The locale's own year-month format: 2026年3月 in Chinese, "March 2026" in English.
    year, m = month.split("-")
    return date_format(datetime.date(int(year), int(m), 1), "YEAR_MONTH_FORMAT")


def bulletin_charts(figs: dict[str, Result]) -> list[Chart]:
    """The charts a bulletin's figures give, in the order they print (图1, 图2): the monthly trend (under the
    overall figures) and the counties compared (under the county dynamics; a bulletin of two counties or more)."""
    charts: list[Chart] = []
    trend = figs.get("monthly_trend") or []
    if trend:
        charts.append(
            Chart(
                key="trend",
                section="overview",
                title=_("近%(n)d个月检查与整改趋势") % {"n": len(trend)},
                kind="line",
                categories=[_month_label(r["month"]) for r in trend],
                series=[
                    (_("完成检查"), [int(r["inspections"]) for r in trend]),
                    (_("下达整改"), [int(r["notices_issued"]) for r in trend]),
                    (_("整改办结"), [int(r["notices_closed"]) for r in trend]),
                    (_("发现违规广告"), [int(r["ads_found"]) for r in trend]),
                ],
            )
        )
    counties = figs.get("counties") or []
    if len(counties) >= 2:
        charts.append(
            Chart(
                key="counties",
                section="counties",
                title=_("各县区检查与整改情况"),
                kind="bar",
                categories=[str(r["name"]) for r in counties],
                series=[
                    (_("完成检查"), [int(r["inspections"]) for r in counties]),
                    (_("下达整改"), [int(r["notices_issued"]) for r in counties]),
                    (_("整改办结"), [int(r["notices_closed"]) for r in counties]),
                ],
            )
        )
    return charts
