"""Coverage (覆盖率) and the county enforcement statistics page, scoped to the counties in the user's reach."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.access import request_user
from shuangjian.core.export_views import start_and_redirect
from shuangjian.core.exports import params_from_query
from shuangjian.core.names import division_names
from shuangjian.core.permissions import permission_required

from .. import coverage, selectors, stats
from ..exports import STATISTICS as STATISTICS_EXPORT


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    this_year = timezone.localdate().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year + 1 else this_year


def _counties(request: HttpRequest) -> tuple[list[str], str]:
    """The counties in reach, narrowed to ``?division=`` when that one is in reach."""
    user = request_user(request)
    counties = list(selectors.counties_for_user(user).values_list("code", flat=True))
    chosen = request.GET.get("division", "")[:6]
    if chosen in counties:
        return [chosen], chosen
    return counties, ""


@login_required
@permission_required("enforcement.view_coverage")
def coverage_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    year = _year(request)
    all_counties = list(selectors.counties_for_user(user).values_list("code", flat=True))
    counties, chosen = _counties(request)
    by_county = coverage.coverage_by_county(all_counties, year)
    names = division_names(all_counties)
    rows = [(names.get(c, c), by_county[c]) for c in all_counties]
    uncovered = coverage.uncovered_rows(counties, year, by_county)
    chart = {
        "counties": [n for n, _c in rows],
        "percent": [c.percent or 0 for _n, c in rows],
        "covered": [c.covered for _n, c in rows],
        "uncovered": [c.active - c.covered for _n, c in rows],
    }
    return render(
        request,
        "enforcement/plans/coverage.html",
        {
            "year": year,
            "rows": rows,
            "chosen": chosen,
            "target": coverage.target(),
            "page": Paginator(uncovered, 50).get_page(request.GET.get("page")),  # type: ignore[arg-type]  # sliced only
            "uncovered_count": len(uncovered),
            "chart": chart,
            "names": names,
        },
    )


def _cell(value: Any, unit: str) -> Any:
    if value is None:
        return "—" if unit else 0
    return value


@login_required
@permission_required("enforcement.view_statistics")
def statistics_page(request: HttpRequest) -> HttpResponseBase:
    if request.GET.get("export") == "xlsx":  # the workbook is written by a background job
        return start_and_redirect(request, kind=STATISTICS_EXPORT, params=params_from_query(request.GET))
    year = _year(request)
    counties, chosen = _counties(request)
    data = stats.county_statistics(counties, year, fresh=request.GET.get("refresh") == "1")
    names = division_names(counties)
    columns = data.columns()
    rows = [
        (c, names.get(c, c), [_cell(v, str(col.unit)) for v, (_s, col) in zip(values, columns, strict=True)])
        for c, values in data.rows()
    ]
    keys = [f"{s.area}.{col.key}" for s, col in columns]

    def series(key: str) -> list[Any]:
        return [data.values.get(key, {}).get(c) or 0 for c in counties]

    chart = {
        "counties": [names.get(c, c) for c in counties],
        "bars": [
            {"name": str(col.label), "data": series(f"{s.area}.{col.key}")}
            for s, col in columns
            if s.area == "inspections" and col.key in ("total", "done", "joint")
        ],
        "coverage": series("coverage.percent") if "coverage.percent" in keys else [],
        "coverage_label": _("覆盖率（%）"),
    }
    return render(
        request,
        "enforcement/plans/statistics.html",
        {
            "year": year,
            "data": data,
            "columns": columns,
            "rows": rows,
            "totals": [_cell(v, str(col.unit)) for v, (_s, col) in zip(data.totals(), columns, strict=True)],
            "chart": chart,
            "chosen": chosen,
        },
    )
