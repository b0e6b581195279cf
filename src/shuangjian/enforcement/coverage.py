"""Coverage (覆盖率): active institutions (the registry's notion, ``registry.conditions.active_q``) inspected at
least the yearly target of times (RULES.md: ≥ 2 a year) — inspections done with ``completed_at`` in the year —
by their county: an inspection counts for the county it was recorded in (``Inspection.division_code``) when that is
the institution's county, so a county's figure is one number whoever asks, built from that county's own records
(an institution that moves county starts afresh in the new one; its old county's inspections stay with the old one).

The per-county figures every page shows (this page, the statistics page and its export) are **kept** in
``CoverageCounty`` / ``CoverageCountyYear``, so reading them costs the same for a county or a province. They are
brought up to date inside the transaction of every write that can move them: an inspection recorded as done
(``inspections.inspection_submit``) and an institution's status or county changing (the registry's
``on_institutions_changed`` hook, which the enforcement app registers ``sync_institutions`` for). ``sync_institutions``
compares what the kept figures count for each institution (``CoverageMember``) with what is true now and applies the
difference as increments, under the institution's row lock, so concurrent writes neither lose nor double an update.

The direct computation (``direct_by_county``: one grouped statement over the active institutions left-joined to the
year's inspections) is kept as the oracle: the tests compare the kept figures with it after random writes, and
``manage.py coverage_rebuild`` recomputes the kept figures from scratch (after a bulk load that bypassed the
services, or after ``ENFORCEMENT_INSPECTIONS_PER_YEAR`` changed) and says what it corrected.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from shuangjian.registry.conditions import active_q
from shuangjian.registry.models import Institution

from .models import CoverageCounty, CoverageCountyYear, CoverageMember, Inspection, InspectionStatus

CHUNK = 2000


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


def _done() -> QuerySet[Inspection]:
    """Inspections that count towards coverage, in any year: done, with a completion time, of an institution."""
    return Inspection.objects.filter(
        status=InspectionStatus.DONE, completed_at__isnull=False, institution__isnull=False
    )


def done_in_year(year: int) -> QuerySet[Inspection]:
    start, end = year_bounds(year)
    return _done().filter(completed_at__gte=start, completed_at__lt=end)


# --- the kept figures: read ------------------------------------------------------------------------------------


def coverage_by_county(counties: Sequence[str], year: int) -> dict[str, CountyCoverage]:
    """Active and covered institutions per county, read from the kept figures: two small reads whatever the
    number of institutions (they equal ``direct_by_county``; the tests hold them to it)."""
    wanted = list(counties)
    active = dict(CoverageCounty.objects.filter(division_code__in=wanted).values_list("division_code", "active"))
    covered = dict(
        CoverageCountyYear.objects.filter(year=year, division_code__in=wanted).values_list("division_code", "covered")
    )
    return {c: CountyCoverage(c, int(active.get(c, 0)), int(covered.get(c, 0))) for c in wanted}


# --- the direct computation (the oracle) ------------------------------------------------------------------------


def _active(counties: Sequence[str]) -> QuerySet[Institution]:
    return Institution.objects.filter(active_q(), division_code__in=list(counties))


def _joined(year: int, counties: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL: the active institutions of ``counties`` (columns ``cid``, ``cdiv``, ``ckey``) left-joined to their count
    of inspections done in ``year`` recorded in their own county (``n``, NULL for none).

    Both halves are the ORM's own querysets (``active_q`` and ``done_in_year`` stay the one definition); only the
    join is written here, because a correlated count per institution costs ~13 µs a row while a hash join of the
    two is one pass over each."""
    active = _active(counties).order_by().values(cid=F("pk"), cdiv=F("division_code"), ckey=F("name_key"))
    done = (
        done_in_year(year)
        .filter(division_code__in=list(counties))
        .order_by()
        .values(did=F("institution_id"), ddiv=F("division_code"))
        .annotate(n=Count("pk"))
        .values("did", "ddiv", "n")
    )
    active_sql, active_params = active.query.sql_with_params()
    done_sql, done_params = done.query.sql_with_params()
    sql = f"({active_sql}) AS a LEFT JOIN ({done_sql}) AS d ON d.did = a.cid AND d.ddiv = a.cdiv"
    return sql, [*active_params, *done_params]


def direct_by_county(counties: Sequence[str], year: int) -> dict[str, CountyCoverage]:
    """``coverage_by_county`` computed from the institutions and inspections themselves, in one grouped statement
    (linear in the counties' institutions: the oracle for the kept figures, not for pages)."""
    active: dict[str, int] = dict.fromkeys(counties, 0)
    covered: dict[str, int] = dict.fromkeys(counties, 0)
    joined, params = _joined(year, counties)
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


def uncovered_institutions(counties: Sequence[str], year: int) -> list[tuple[Institution, int]]:
    """Active institutions not yet inspected the target number of times this year by their county, with their
    count so far, in list order (county, name) — computed straightforwardly (tests and small lists)."""
    counts = dict(
        ((pk, div), n)
        for pk, div, n in done_in_year(year)
        .filter(division_code__in=list(counties))
        .values("institution", "division_code")
        .annotate(n=Count("pk"))
        .values_list("institution", "division_code", "n")
    )
    rows = _active(counties).order_by("division_code", "name_key", "pk").only(*ROW_FIELDS)
    need = target()
    found = [(inst, counts.get((inst.pk, inst.division_code), 0)) for inst in rows]
    return [(inst, n) for inst, n in found if n < need]


# --- the uncovered rows of a page --------------------------------------------------------------------------------

ROW_FIELDS = ("pk", "name", "uscc", "division_code", "address")


class UncoveredRows:
    """Active institutions not yet inspected the target number of times this year, with their count so far, in
    list order (county, name): a sequence the paginator slices, so only the page's institutions are read.

    ``len()`` is active − covered summed from the kept figures. The list is ordered by county first, so the kept
    per-county counts say which counties a slice falls in: each is read with one statement on that county alone
    (``LIMIT``/``OFFSET``), and none when a county has nothing uncovered — a province-wide page costs what one
    county costs."""

    def __init__(self, by_county: dict[str, CountyCoverage], counties: Sequence[str], year: int) -> None:
        self.year = year
        self.need = target()
        self.parts = [(c, by_county[c].active - by_county[c].covered) for c in sorted(counties) if c in by_county]
        self.parts = [(c, n) for c, n in self.parts if n > 0]
        self.total = sum(n for _c, n in self.parts)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> list[tuple[Institution, int]]:
        if not isinstance(key, slice) or (key.step or 1) != 1:
            raise TypeError("UncoveredRows takes a slice")
        start, stop = max(key.start or 0, 0), key.stop
        stop = self.total if stop is None else min(stop, self.total)
        chosen: list[tuple[int, int]] = []
        first = 0  # the position of the county's first row in the whole list
        for county, n in self.parts:
            lo, hi = max(start, first), min(stop, first + n)
            if lo < hi:
                chosen.extend(self._county_rows(county, lo - first, hi - lo))
            first += n
            if first >= stop:
                break
        rows = Institution.objects.only(*ROW_FIELDS).in_bulk([pk for pk, _n in chosen])
        return [(rows[pk], n) for pk, n in chosen if pk in rows]

    def _county_rows(self, county: str, offset: int, limit: int) -> list[tuple[int, int]]:
        joined, params = _joined(self.year, [county])
        sql = (
            "SELECT a.cid, COALESCE(d.n, 0) FROM "  # noqa: S608 -- compiled querysets
            f"{joined} WHERE COALESCE(d.n, 0) < %s ORDER BY a.ckey, a.cid LIMIT %s OFFSET %s"
        )
        with connections[Institution.objects.db].cursor() as cursor:
            cursor.execute(sql, [*params, self.need, limit, offset])
            return [(int(pk), int(n)) for pk, n in cursor.fetchall()]


def uncovered_rows(counties: Sequence[str], year: int, by_county: dict[str, CountyCoverage]) -> UncoveredRows:
    """``uncovered_institutions`` for a page: see ``UncoveredRows`` (``by_county`` from ``coverage_by_county``)."""
    return UncoveredRows(by_county, counties, year)


# --- the kept figures: write ------------------------------------------------------------------------------------


def _true_state(pks: Sequence[int] | None, *, lock: bool = False) -> dict[int, tuple[str, list[int]]]:
    """Institution id → (county, covered years) for those of ``pks`` (``None``: all) that are active now (the
    others: absent). With ``lock`` the institutions' rows are locked first (in id order), so that no write to them
    can slip between this read and the increments that follow."""
    qs = Institution.objects.order_by("pk")
    done = _done()
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
        done = done.filter(institution_id__in=list(pks))
    else:
        done = done.filter(institution__in=Institution.objects.filter(active_q()).values("pk"))
    if lock:
        qs = qs.select_for_update()
    flagged = qs.annotate(is_active=ExpressionWrapper(active_q(), output_field=BooleanField()))
    active = {pk: div for pk, div, on in flagged.values_list("pk", "division_code", "is_active") if on}
    years: dict[int, list[int]] = {}
    need = target()
    grouped = (
        done.order_by()
        .values("institution_id", "division_code", y=ExtractYear("completed_at"))
        .annotate(n=Count("pk"))
        .values_list("institution_id", "division_code", "y", "n")
    )
    for pk, div, year, n in grouped:
        if active.get(pk) == div and n >= need:
            years.setdefault(pk, []).append(int(year))
    return {pk: (div, sorted(years.get(pk, []))) for pk, div in active.items()}


def _bump(active: Counter[str], covered: Counter[tuple[str, int]]) -> None:
    """Add the differences to the county rows: created when missing, then ``F()`` increments in key order (no
    read-modify-write, and concurrent writers lock the rows in the same order)."""
    a = {c: d for c, d in sorted(active.items()) if d}
    if a:
        CoverageCounty.objects.bulk_create([CoverageCounty(division_code=c) for c in a], ignore_conflicts=True)
        for county, d in a.items():
            CoverageCounty.objects.filter(division_code=county).update(active=F("active") + d)
    y = {k: d for k, d in sorted(covered.items()) if d}
    if y:
        CoverageCountyYear.objects.bulk_create(
            [CoverageCountyYear(division_code=c, year=yr) for c, yr in y], ignore_conflicts=True
        )
        for (county, year), d in y.items():
            CoverageCountyYear.objects.filter(division_code=county, year=year).update(covered=F("covered") + d)


@transaction.atomic
def sync_institutions(institution_ids: Iterable[int]) -> int:
    """Bring the kept figures in line with these institutions as they are now (status, county, inspections done);
    answers how many institutions' contribution changed. Runs inside the caller's transaction: the registry's hook
    after a status or county change, ``inspection_submit`` after an inspection is done."""
    pks = sorted({int(pk) for pk in institution_ids})
    changed = 0
    for start in range(0, len(pks), CHUNK):
        part = pks[start : start + CHUNK]
        now = _true_state(part, lock=True)
        counted = {
            m.institution_id: (m.division_code, list(m.covered_years))
            for m in CoverageMember.objects.select_for_update().filter(institution_id__in=part)
        }
        active: Counter[str] = Counter()
        covered: Counter[tuple[str, int]] = Counter()
        upsert: list[CoverageMember] = []
        gone: list[int] = []
        for pk in part:
            before, after = counted.get(pk), now.get(pk)
            if before == after:
                continue
            changed += 1
            if before is not None:
                active[before[0]] -= 1
                covered.update({(before[0], y): -1 for y in before[1]})
            if after is not None:
                active[after[0]] += 1
                covered.update({(after[0], y): 1 for y in after[1]})
                upsert.append(CoverageMember(institution_id=pk, division_code=after[0], covered_years=after[1]))
            else:
                gone.append(pk)
        if gone:
            CoverageMember.objects.filter(institution_id__in=gone).delete()
        if upsert:
            CoverageMember.objects.bulk_create(
                upsert,
                update_conflicts=True,
                unique_fields=["institution"],
                update_fields=["division_code", "covered_years"],
            )
        _bump(active, covered)
    return changed


@dataclass(frozen=True)
class RebuildResult:
    institutions: int  # active institutions counted
    corrected: int  # institutions whose kept contribution was wrong or missing (or counted though not active)
    counties_corrected: int  # county or county-year rows whose figure was wrong


def _lock_tables() -> None:
    """PostgreSQL: hold writers off while the figures are recomputed. A writer's ``sync_institutions`` reads the
    member rows ``FOR UPDATE``, which waits for this lock: it then sees the rebuilt rows and applies its change on
    top (the rebuild, reading the institutions before that writer committed, did not include it)."""
    connection = connections[CoverageMember.objects.db]
    if connection.vendor == "postgresql":
        tables = ", ".join(m._meta.db_table for m in (CoverageMember, CoverageCounty, CoverageCountyYear))
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


@transaction.atomic
def rebuild() -> RebuildResult:
    """Recompute the kept figures from the institutions and inspections (the repair command, the migration that
    creates them, a bulk load's end). Rewrites only what differs, and says how much that was."""
    _lock_tables()
    truth = _true_state(None)
    counted = {
        pk: (div, list(years))
        for pk, div, years in CoverageMember.objects.values_list("institution_id", "division_code", "covered_years")
    }
    wrong = [pk for pk in truth if counted.get(pk) != truth[pk]]
    stale = [pk for pk in counted if pk not in truth]
    for start in range(0, len(stale), CHUNK * 5):
        CoverageMember.objects.filter(institution_id__in=stale[start : start + CHUNK * 5]).delete()
    CoverageMember.objects.bulk_create(
        [CoverageMember(institution_id=pk, division_code=truth[pk][0], covered_years=truth[pk][1]) for pk in wrong],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["institution"],
        update_fields=["division_code", "covered_years"],
    )
    active: Counter[str] = Counter(div for div, _years in truth.values())
    covered: Counter[tuple[str, int]] = Counter((div, y) for div, years in truth.values() for y in years)
    fixed = 0
    for row in CoverageCounty.objects.all():
        if row.active != active.get(row.division_code, 0):
            fixed += 1
            CoverageCounty.objects.filter(pk=row.pk).update(active=active.get(row.division_code, 0))
        active.pop(row.division_code, None)
    fixed += len(active)
    CoverageCounty.objects.bulk_create([CoverageCounty(division_code=c, active=n) for c, n in active.items()])
    for yrow in CoverageCountyYear.objects.all():
        key = (yrow.division_code, yrow.year)
        if yrow.covered != covered.get(key, 0):
            fixed += 1
            CoverageCountyYear.objects.filter(pk=yrow.pk).update(covered=covered.get(key, 0))
        covered.pop(key, None)
    fixed += len(covered)
    CoverageCountyYear.objects.bulk_create(
        [CoverageCountyYear(division_code=c, year=y, covered=n) for (c, y), n in covered.items()]
    )
    return RebuildResult(institutions=len(truth), corrected=len(wrong) + len(stale), counties_corrected=fixed)
