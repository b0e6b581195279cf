"""Coverage (覆盖率): active institutions (the registry's notion, ``registry.conditions.active_q``) inspected at
least the yearly target of times (RULES.md: ≥ 2 a year) — inspections done with ``completed_at`` in the year."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
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


def covered_ids(year: int, counties: Sequence[str]) -> set[int]:
    """Ids of the institutions inspected at least the target number of times in ``year``.

    Fetched as a list rather than used as an ``IN (subquery … HAVING …)``: PostgreSQL may plan that subquery
    per institution row (measured: 3 s at 10 000 inspections), while one grouped scan is linear."""
    need = target()
    return {pk for pk, n in inspections_done(year, counties).items() if n >= need}


def _active(counties: Sequence[str]) -> QuerySet[Institution]:
    return Institution.objects.filter(active_q(), division_code__in=list(counties))


def coverage_by_county(counties: Sequence[str], year: int) -> dict[str, CountyCoverage]:
    """Counted in the database per county (a GROUP BY), not by reading every active institution into Python:
    that took 300 ms at 20 000 institutions and grew with the register."""
    covered_set = covered_ids(year, counties)
    active: dict[str, int] = dict.fromkeys(counties, 0)
    covered: dict[str, int] = dict.fromkeys(counties, 0)
    for county, n in (
        _active(counties).values("division_code").annotate(n=Count("pk")).values_list("division_code", "n")
    ):
        active[county] = n
    ids = sorted(covered_set)
    for first in range(0, len(ids), COVERED_CHUNK):
        chunk = ids[first : first + COVERED_CHUNK]
        for county, n in (
            _active(counties)
            .filter(pk__in=chunk)
            .values("division_code")
            .annotate(n=Count("pk"))
            .values_list("division_code", "n")
        ):
            covered[county] += n
    return {c: CountyCoverage(c, active[c], covered[c]) for c in counties}


COVERED_CHUNK = 5000


class UncoveredRows:
    """Active institutions not yet inspected the target number of times this year, with their count so far, in
    list order (county, name): a sequence the paginator slices, so only the page's institutions are read.

    ``len()`` is active − covered (the figures the page's table shows); a slice walks the active institutions'
    ids in order a chunk at a time, skipping the covered ones, and reads the page's rows.
    """

    FIRST_CHUNK = 200

    def __init__(self, counties: Sequence[str], year: int, total: int) -> None:
        self.counties = list(counties)
        self.counts = inspections_done(year, counties)
        self.need = target()
        self.total = total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> list[tuple[Institution, int]]:
        if not isinstance(key, slice) or (key.step or 1) != 1:
            raise TypeError("UncoveredRows takes a slice")
        start, stop = max(key.start or 0, 0), key.stop
        wanted = None if stop is None else stop - start
        if wanted is not None and wanted <= 0:
            return []
        ids = _active(self.counties).order_by("division_code", "name_key", "pk").values_list("pk", flat=True)
        chosen: list[int] = []
        seen, offset, chunk = 0, 0, self.FIRST_CHUNK
        while wanted is None or len(chosen) < wanted:
            batch = list(ids[offset : offset + chunk])
            if not batch:
                break
            for pk in batch:
                if self.counts.get(pk, 0) >= self.need:
                    continue
                if seen >= start:
                    chosen.append(pk)
                    if wanted is not None and len(chosen) == wanted:
                        break
                seen += 1
            offset += len(batch)
            chunk = min(chunk * 2, 5000)
        rows = Institution.objects.only("pk", "name", "uscc", "division_code", "address").in_bulk(chosen)
        return [(rows[pk], self.counts.get(pk, 0)) for pk in chosen]


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
