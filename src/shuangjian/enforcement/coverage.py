"""Coverage (覆盖率): active institutions (the registry's notion, ``registry.conditions.active_q``) inspected at
least the yearly target of times (RULES.md: ≥ 2 a year) — inspections done with ``completed_at`` in the year."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from shuangjian.registry.conditions import active_q
from shuangjian.registry.models import Institution

from .models import Inspection, InspectionStatus


@dataclass(frozen=True)
class CountyCoverage:
    division_code: str
    active: int
    covered: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.covered / self.active, 1) if self.active else None


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def target() -> int:
    return int(settings.ENFORCEMENT_INSPECTIONS_PER_YEAR)


def done_in_year(year: int) -> QuerySet[Inspection]:
    start, end = year_bounds(year)
    return Inspection.objects.filter(
        status=InspectionStatus.DONE, completed_at__gte=start, completed_at__lt=end, institution__isnull=False
    )


def inspections_done(year: int, counties: Sequence[str]) -> dict[int, int]:
    """Institution id → inspections done in ``year``, for the institutions of ``counties`` inspected at all.

    One grouped scan of the year's inspections (its size grows with the inspections, not the register)."""
    return dict(
        done_in_year(year)
        .filter(division_code__in=list(counties))
        .values("institution")
        .annotate(n=Count("pk"))
        .values_list("institution", "n")
    )


def _active(counties: Sequence[str]) -> QuerySet[Institution]:
    return Institution.objects.filter(active_q(), division_code__in=list(counties))


def _joined(year: int, counties: Sequence[str], active_counties: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL: the active institutions of ``active_counties`` (columns ``cid``, ``cdiv``, ``ckey``) left-joined to their
    count of inspections done in ``year`` recorded in ``counties`` (``n``, NULL for none).

    Both halves are the ORM's own querysets (``active_q`` and ``done_in_year`` stay the one definition); only the
    join is written here, because a correlated count per institution costs ~13 µs a row (it was slower than the
    grouped scan at 2 000 institutions) while a hash join of the two is one pass over each."""
    active = _active(active_counties).order_by().values(cid=F("pk"), cdiv=F("division_code"), ckey=F("name_key"))
    done = (
        done_in_year(year)
        .filter(division_code__in=list(counties))
        .order_by()
        .values(did=F("institution_id"))
        .annotate(n=Count("pk"))
        .values("did", "n")
    )
    active_sql, active_params = active.query.sql_with_params()
    done_sql, done_params = done.query.sql_with_params()
    sql = f"({active_sql}) AS a LEFT JOIN ({done_sql}) AS d ON d.did = a.cid"
    return sql, [*active_params, *done_params]


def coverage_by_county(counties: Sequence[str], year: int) -> dict[str, CountyCoverage]:
    """Active and covered institutions per county, counted in one grouped statement: nothing about single
    institutions comes back to Python. (It was a grouped scan of the year's inspections fetched into Python twice
    and sent back as ``IN`` lists of up to 5 000 ids: 2.7–5.4× at 10× the institutions.)"""
    active: dict[str, int] = dict.fromkeys(counties, 0)
    covered: dict[str, int] = dict.fromkeys(counties, 0)
    joined, params = _joined(year, counties, counties)
    sql = (
        "SELECT a.cdiv, COUNT(*), SUM(CASE WHEN d.n >= %s THEN 1 ELSE 0 END) "  # noqa: S608 -- compiled querysets
        f"FROM {joined} GROUP BY a.cdiv"
    )
    with connections[Institution.objects.db].cursor() as cursor:
        cursor.execute(sql, [target(), *params])
        for county, n, n_covered in cursor.fetchall():
            active[county] = int(n)
            covered[county] = int(n_covered or 0)
    return {c: CountyCoverage(c, active[c], covered[c]) for c in counties}


class UncoveredRows:
    """Active institutions not yet inspected the target number of times this year, with their count so far, in
    list order (county, name): a sequence the paginator slices, so only the page's institutions are read.

    ``len()`` is active − covered (the figures the page's table shows); a slice is one statement (the join of
    ``_joined``, ordered and limited), and none at all when nothing is uncovered or the slice starts past the end.
    """

    def __init__(self, counties: Sequence[str], year: int, total: int) -> None:
        self.counties = list(counties)
        self.year = year
        self.need = target()
        self.total = total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> list[tuple[Institution, int]]:
        if not isinstance(key, slice) or (key.step or 1) != 1:
            raise TypeError("UncoveredRows takes a slice")
        start, stop = max(key.start or 0, 0), key.stop
        stop = self.total if stop is None else min(stop, self.total)
        if stop <= start:
            return []
        joined, params = _joined(self.year, self.counties, self.counties)
        sql = (
            "SELECT a.cid, COALESCE(d.n, 0) FROM "  # noqa: S608 -- compiled querysets
            f"{joined} WHERE COALESCE(d.n, 0) < %s ORDER BY a.cdiv, a.ckey, a.cid LIMIT %s OFFSET %s"
        )
        with connections[Institution.objects.db].cursor() as cursor:
            cursor.execute(sql, [*params, self.need, stop - start, start])
            chosen = [(int(pk), int(n)) for pk, n in cursor.fetchall()]
        rows = Institution.objects.only("pk", "name", "uscc", "division_code", "address").in_bulk(
            [pk for pk, _n in chosen]
        )
        return [(rows[pk], n) for pk, n in chosen]


def uncovered_rows(counties: Sequence[str], year: int, by_county: dict[str, CountyCoverage]) -> UncoveredRows:
    """``uncovered_institutions`` for a page: see ``UncoveredRows`` (``by_county`` from ``coverage_by_county``)."""
    total = sum(by_county[c].active - by_county[c].covered for c in counties if c in by_county)
    return UncoveredRows(counties, year, total)


def uncovered_institutions(counties: Sequence[str], year: int) -> list[tuple[Institution, int]]:
    """Active institutions not yet inspected the target number of times this year, with their count so far."""
    counts = inspections_done(year, counties)
    rows = (
        Institution.objects.filter(active_q(), division_code__in=list(counties))
        .order_by("division_code", "name_key")
        .only("pk", "name", "uscc", "division_code", "address")
    )
    need = target()
    return [(inst, counts.get(inst.pk, 0)) for inst in rows if counts.get(inst.pk, 0) < need]
