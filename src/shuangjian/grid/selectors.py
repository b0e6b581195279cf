"""Every read of the grid app, restricted to the caller's reach: a grid officer reaches the cells assigned to
them and their own reports; regulating staff reach the rows of their division."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import overload

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangjian.core.models import Division, GridAssignment, GridCell, Role, User
from shuangjian.core.permissions import can, require
from shuangjian.core.scope import grid_cells_of, grid_q, scope_q, user_reach
from shuangjian.registry.models import Institution
from shuangjian.registry.standing import StatusFact, standing_facts_for, status_summary

from . import rules
from .models import Finding, GridReport, Reminder
from .services import expected_between, filed_between, held_between

# --- the officer's cells -------------------------------------------------------------------------------------------


def cells_for_officer(user: User) -> QuerySet[GridCell]:
    """The cells assigned to the grid officer today."""
    require(user, "grid.file_report")
    return GridCell.objects.filter(code__in=sorted(grid_cells_of(user))).select_related("township")


def cell_for_officer(user: User, code: str) -> GridCell:
    """One of the officer's cells today; any other code is 404."""
    cell = cells_for_officer(user).filter(code=code[:20]).first()
    if cell is None:
        raise Http404
    return cell


@dataclass(frozen=True)
class CellInstitution:
    institution: Institution
    facts: list[StatusFact]


def institutions_in_reach(user: User) -> QuerySet[Institution]:
    """Institutions whose grid cell is one of the officer's: what the officer sees, read-only."""
    q = grid_q(user)
    if q is None:
        return Institution.objects.none()
    return Institution.objects.filter(q)


def institutions_of_cell(user: User, cell: GridCell) -> list[CellInstitution]:
    """The cell's institutions with their status and white/black list standing (registry.standing)."""
    institutions = list(institutions_in_reach(user).filter(grid_code=cell.code).order_by("name_key", "pk"))
    facts = standing_facts_for(institutions, timezone.localdate())
    return [CellInstitution(i, status_summary(facts[i.pk]) if i.pk in facts else []) for i in institutions]


def reminders_open_for(user: User) -> QuerySet[Reminder]:
    return Reminder.objects.filter(officer=user, resolved_at__isnull=True).select_related("cell").order_by("-day")


def reports_today_for(user: User) -> dict[str, GridReport]:
    today = timezone.localdate()
    return {r.grid_code: r for r in GridReport.objects.filter(officer=user, day=today)}


@dataclass(frozen=True)
class CellToday:
    """One of the officer's cells today: whether a report is expected (a working day, or a rest-day cell) and
    the report already filed, if any."""

    cell: GridCell
    expected: bool
    report: GridReport | None


def today_for_officer(user: User) -> list[CellToday]:
    today = timezone.localdate()
    cells = list(cells_for_officer(user).order_by("code"))
    expected = {s.cell for s in expected_between(today, today, officer_id=user.pk)}
    filed = reports_today_for(user)
    return [CellToday(c, c.code in expected, filed.get(c.code)) for c in cells]


# --- reports and findings ------------------------------------------------------------------------------------------


def reports_for_user(user: User) -> QuerySet[GridReport]:
    """An officer: their own reports and those of their cells; staff: the reports of their division."""
    require(user, "grid.view_reports")
    if can(user, "grid.file_report"):
        q = Q(officer=user)
        cells = grid_q(user)
        if cells is not None:
            q |= cells
        qs = GridReport.objects.filter(q)
    else:
        sq = scope_q(user)
        qs = GridReport.objects.none() if sq is None else GridReport.objects.filter(sq)
    return qs.select_related("officer", "cell").order_by("-day", "grid_code", "pk")


def report_for_user(user: User, pk: int) -> GridReport:
    report = reports_for_user(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def findings_of(report: GridReport) -> QuerySet[Finding]:
    return report.findings.select_related("institution", "inspection", "unlicensed", "public_report").order_by("pk")


def findings_for_user(user: User) -> QuerySet[Finding]:
    """The findings on the reports the user reaches (an officer: their own and their cells'; staff: their
    division's)."""
    return Finding.objects.filter(report__in=reports_for_user(user))


def finding_for_user(user: User, pk: int) -> Finding:
    finding = (
        findings_for_user(user)
        .filter(pk=pk)
        .select_related("report__officer", "report__cell", "institution", "inspection", "unlicensed", "public_report")
        .first()
    )
    if finding is None:
        raise Http404
    return finding


@dataclass(frozen=True)
class FindingRow:
    """A finding with what the user may do with it (the buttons of the report and finding pages)."""

    finding: Finding
    can_lead: bool
    can_report: bool


def finding_rows(user: User, findings: list[Finding]) -> list[FindingRow]:
    return [FindingRow(f, can(user, "grid.raise_lead", f), can(user, "grid.report_finding", f)) for f in findings]


# --- reporting rates for the township and the county ---------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    code: str
    name: str
    tally: rules.Tally

    # Cached: the table and the chart each read them, ~1 300 rows of Fraction arithmetic for a province.
    @cached_property
    def reporting_percent(self) -> float | None:
        return rules.rate_percent(self.tally.reporting_rate)

    @cached_property
    def on_time_percent(self) -> float | None:
        return rules.rate_percent(self.tally.on_time_rate)


@dataclass(frozen=True)
class Gap:
    slot: rules.Slot
    officer: str
    cell: str
    township: str
    reminded: bool


class Gaps(Sequence[Gap]):
    """The gaps of a period, latest first, each ``Gap`` built when read: a province's month has ~2 200 of which
    the page shows 200 (the export and the API's count read them all)."""

    def __init__(
        self,
        keys: list[rules.GapKey],
        officers: dict[int, str],
        cells: dict[str, str],
        names: dict[str, str],
        reminded: set[tuple[int, str, datetime.date]],
    ) -> None:
        self._keys = keys  # in day, cell, officer order; read from the end
        self._officers, self._cells, self._names, self._reminded = officers, cells, names, reminded

    def _gap(self, key: rules.GapKey) -> Gap:
        s = rules.Slot(*key)
        return Gap(
            s,
            self._officers.get(s.officer_id, "") or str(s.officer_id),
            self._cells.get(s.cell, s.cell),
            self._names.get(s.township, s.township),
            s.key in self._reminded,
        )

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Gap: ...
    @overload
    def __getitem__(self, index: slice) -> list[Gap]: ...
    def __getitem__(self, index: int | slice) -> Gap | list[Gap]:
        last = len(self._keys) - 1
        if isinstance(index, slice):
            return [self._gap(self._keys[last - i]) for i in range(last + 1)[index]]
        position = range(last + 1)[index]  # IndexError as a list's
        return self._gap(self._keys[last - position])

    def __iter__(self) -> Iterator[Gap]:
        return (self._gap(k) for k in reversed(self._keys))


@dataclass(frozen=True)
class Rates:
    first: datetime.date
    last: datetime.date
    total: rules.Tally
    counties: list[RateRow]
    townships: list[RateRow]
    gaps: Gaps


def rates_for_user(user: User, first: datetime.date, last: datetime.date) -> Rates:
    """Expected, actual and on-time reports in [first, last] per county and township of the user's reach, and
    every gap (the cell codes nest under the township and county codes, so a prefix selects them)."""
    require(user, "grid.view_rates")
    reach = user_reach(user)
    if reach is None:
        raise Http404
    held = held_between(first, last, reach)
    filed = filed_between(first, last, reach)
    by_county, by_township, overall = rules.tally_held(
        held, filed, groups=(rules.BY_COUNTY, rules.BY_TOWNSHIP, rules.ALL)
    )
    total = overall.get("", rules.Tally())
    # Names by prefix and join, not by ``code__in`` lists: a province's ~1 300 townships, cells and officers in
    # IN lists cost ~70 ms to compile.
    cells: dict[str, str] = {}
    names = dict(Division.objects.filter(code__in=set(by_county)).values_list("code", "name"))
    for code, name, township, township_name in GridCell.objects.filter(code__startswith=reach).values_list(
        "code", "name", "township_id", "township__name"
    ):
        cells[code] = name
        names[township] = township_name
    officers = dict(
        User.objects.filter(
            pk__in=GridAssignment.objects.filter(cell__code__startswith=reach, start__lte=last)
            .exclude(end__lt=first)
            .values("officer_id")
        ).values_list("pk", "display_name")
    )
    reminded = set(
        Reminder.objects.filter(day__gte=first, day__lte=last, grid_code__startswith=reach).values_list(
            "officer_id", "cell_id", "day"
        )
    )
    gaps = Gaps(rules.held_gap_keys(held, filed), officers, cells, names, reminded)
    return Rates(
        first,
        last,
        total,
        [RateRow(c, names.get(c, c), t) for c, t in sorted(by_county.items())],
        [RateRow(c, names.get(c, c), t) for c, t in sorted(by_township.items())],
        gaps,
    )


# --- assignments ---------------------------------------------------------------------------------------------------


def _reach_or_404(user: User) -> str:
    require(user, "grid.assign_officers")
    reach = user_reach(user)
    if reach is None:
        raise Http404
    return reach


def assignments_for_user(user: User) -> QuerySet[GridAssignment]:
    """Assignments to the cells of the user's reach (cell codes nest under the division codes)."""
    reach = _reach_or_404(user)
    return (
        GridAssignment.objects.filter(cell__code__startswith=reach)
        .select_related("officer", "cell", "cell__township")
        .order_by("cell_id", "-start")
    )


def assignment_for_user(user: User, pk: int) -> GridAssignment:
    assignment = assignments_for_user(user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def assignable_cells(user: User) -> QuerySet[GridCell]:
    return GridCell.objects.filter(code__startswith=_reach_or_404(user)).order_by("code")


def assignable_officers(user: User) -> QuerySet[User]:
    """Grid officers registered under the user's reach (their scope code names their home cell or township)."""
    return User.objects.filter(
        role=Role.GRID_OFFICER, is_active=True, scope_code__startswith=_reach_or_404(user)
    ).order_by("username")
