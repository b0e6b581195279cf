"""County enforcement statistics: each area adds its figures with one registration.

An area registers a function ``(counties, year) -> {column key: {county code: number}}`` with the columns it
fills; the statistics page, its charts and its Excel export show every registered column, per county::

    @register_figures("notices", _("整改通知"), columns=(Column("notices", _("整改通知书")),), order=30)
    def notice_figures(counties: Sequence[str], year: int) -> Figures:
        ...  # one grouped query per area, never a query per county

Inspections (by kind and status, joint ones) and coverage are registered here; notices, cases, fines and ads
register from their own modules. The page keeps computed figures for ``ENFORCEMENT_STATS_CACHE_SECONDS`` and says
when they were computed (each area's query reads the whole year of the counties).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .coverage import coverage_by_county, year_bounds
from .models import Inspection, InspectionKind, InspectionStatus

Figures = Mapping[str, Mapping[str, float | int | None]]
Compute = Callable[[Sequence[str], int], Figures]


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    unit: str | Promise = ""


@dataclass(frozen=True)
class FigureSet:
    area: str
    label: str | Promise
    columns: tuple[Column, ...]
    compute: Compute
    order: int = 100


_SETS: dict[str, FigureSet] = {}


def register_figures(
    area: str, label: str | Promise, *, columns: tuple[Column, ...], order: int = 100
) -> Callable[[Compute], Compute]:
    def decorate(func: Compute) -> Compute:
        _SETS[area] = FigureSet(area, label, columns, func, order)
        return func

    return decorate


def figure_sets() -> list[FigureSet]:
    return sorted(_SETS.values(), key=lambda s: (s.order, s.area))


@dataclass
class CountyStatistics:
    year: int
    counties: list[str]
    sets: list[FigureSet]
    # (area, column key) → county → number
    values: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    computed_at: datetime.datetime | None = None

    def columns(self) -> list[tuple[FigureSet, Column]]:
        return [(s, c) for s in self.sets for c in s.columns]

    def value(self, area: str, key: str, county: str) -> Any:
        return self.values.get(f"{area}.{key}", {}).get(county)

    def rows(self) -> list[tuple[str, list[Any]]]:
        return [(c, [self.value(s.area, col.key, c) for s, col in self.columns()]) for c in self.counties]

    def totals(self) -> list[Any]:
        out: list[Any] = []
        for s, col in self.columns():
            if col.unit == "%":
                out.append(None)
                continue
            out.append(sum(v for v in (self.value(s.area, col.key, c) for c in self.counties) if v))
        return out


def compute(counties: Sequence[str], year: int) -> CountyStatistics:
    stats = CountyStatistics(year=year, counties=list(counties), sets=figure_sets(), computed_at=timezone.now())
    for s in stats.sets:
        for key, per_county in s.compute(list(counties), year).items():
            stats.values[f"{s.area}.{key}"] = dict(per_county)
    return stats


def county_statistics(counties: Sequence[str], year: int, *, fresh: bool = False) -> CountyStatistics:
    """The figures of ``counties`` for ``year``, kept for a few minutes (``fresh``: recompute now)."""
    seconds = int(settings.ENFORCEMENT_STATS_CACHE_SECONDS)
    digest = hashlib.sha256(",".join(sorted(counties)).encode()).hexdigest()[:16]
    key = f"enforcement:stats:{year}:{digest}:{','.join(sorted(_SETS))}"
    if seconds > 0 and not fresh:
        cached = cache.get(key)
        if isinstance(cached, CountyStatistics):
            cached.sets = figure_sets()
            return cached
    stats = compute(counties, year)
    if seconds > 0:
        cache.set(key, CountyStatistics(stats.year, stats.counties, [], stats.values, stats.computed_at), seconds)
    return stats


# --- inspections and coverage (this module's own figures) -------------------------------------------------------

# Joint inspections have their own column ("joint"); the other kinds one each.
KIND_COLUMNS = tuple(Column(f"kind_{k.value}", k.label) for k in InspectionKind if k != InspectionKind.JOINT)


@register_figures(
    "inspections",
    _("检查"),
    columns=(
        Column("total", _("检查总数")),
        Column("done", _("已完成")),
        Column("planned", _("待检查")),
        Column("joint", _("联合检查")),
        *KIND_COLUMNS,
    ),
    order=10,
)
def inspection_figures(counties: Sequence[str], year: int) -> Figures:
    """Inspections planned in the year (or done in it without a planned day), by county, kind and status."""
    start = datetime.date(year, 1, 1)
    end = datetime.date(year, 12, 31)
    since, until = year_bounds(year)
    rows = (
        Inspection.objects.filter(division_code__in=list(counties))
        .filter(
            Q(planned_on__gte=start, planned_on__lte=end)
            | Q(planned_on__isnull=True, completed_at__gte=since, completed_at__lt=until)
        )
        .values_list("division_code", "kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}

    def add(key: str, county: str, n: int) -> None:
        out.setdefault(key, {}).setdefault(county, 0)
        out[key][county] += n

    for county, kind, status, n in rows:
        if status == InspectionStatus.CANCELLED:
            continue
        add("total", county, n)
        if kind != InspectionKind.JOINT:
            add(f"kind_{kind}", county, n)
        if status == InspectionStatus.DONE:
            add("done", county, n)
        elif status in (InspectionStatus.PLANNED, InspectionStatus.DRAFT):
            add("planned", county, n)
        if kind == InspectionKind.JOINT:
            add("joint", county, n)
    return out


@register_figures(
    "coverage",
    _("覆盖率"),
    columns=(
        Column("active", _("正常办学机构")),
        Column("covered", _("年内检查达标机构")),
        Column("percent", _("覆盖率（%）"), "%"),
    ),
    order=20,
)
def coverage_figures(counties: Sequence[str], year: int) -> Figures:
    cov = coverage_by_county(counties, year)
    return {
        "active": {c: v.active for c, v in cov.items()},
        "covered": {c: v.covered for c, v in cov.items()},
        "percent": {c: v.percent for c, v in cov.items()},
    }
