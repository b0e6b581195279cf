"""Expected, actual and on-time daily reports: pure functions, no database.

The count that goes wrong in reporting systems (DHIS2's users' recurring bug) is the *expected* one. Here a
report is expected from an officer for a cell on a day when the officer held the cell that day (assignment start
to end, both inclusive) and the day is a working day by the national calendar — holidays are rest days, make-up
workdays (调休上班) are working days (core/calendar.py) — or the cell is one that reports on rest days too
(setting GRID_REST_DAY_CELLS). A report filed for a day that was not expected is kept but counts nowhere, so a
rate never exceeds 100 %. A report is on time when submitted on its own day before the cut-off hour (setting
GRID_REPORT_CUTOFF_HOUR), local time. RULES.md sets none of these numbers; the settings say where they come from.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress
from typing import Protocol


@dataclass(frozen=True)
class Duty:
    """An officer's assignment to a cell, with the cell's place in the division tree."""

    officer_id: int
    cell: str
    township: str
    county: str
    start: datetime.date
    end: datetime.date | None = None


@dataclass(frozen=True, order=True)
class Slot:
    """One expected report: this officer, this cell, this day."""

    day: datetime.date
    cell: str
    officer_id: int
    township: str = ""
    county: str = ""

    @property
    def key(self) -> tuple[int, str, datetime.date]:
        return (self.officer_id, self.cell, self.day)


@dataclass(frozen=True)
class Tally:
    expected: int = 0
    actual: int = 0
    on_time: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.actual

    @property
    def reporting_rate(self) -> Fraction | None:
        """Actual over expected; None when nothing was expected (not 0 %, not 100 %)."""
        return Fraction(self.actual, self.expected) if self.expected else None

    @property
    def on_time_rate(self) -> Fraction | None:
        """On-time over expected: a late report is a report, but not an on-time one."""
        return Fraction(self.on_time, self.expected) if self.expected else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.expected + other.expected, self.actual + other.actual, self.on_time + other.on_time)


def days(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    d = first
    while d <= last:
        yield d
        d += datetime.timedelta(days=1)


def is_expected_day(
    day: datetime.date, cell: str, *, is_working_day: Callable[[datetime.date], bool], rest_day_cells: Collection[str]
) -> bool:
    return cell in rest_day_cells or is_working_day(day)


class Placed(Protocol):
    """What a grouping reads: an expected slot (``Slot``) or an officer's days in a cell (``Held``) alike."""

    @property
    def officer_id(self) -> int: ...
    @property
    def cell(self) -> str: ...
    @property
    def township(self) -> str: ...
    @property
    def county(self) -> str: ...


@dataclass(frozen=True)
class Held:
    """The days of a period on which one officer owes one cell a report (all their assignments to it together)."""

    officer_id: int
    cell: str
    township: str
    county: str
    days: frozenset[datetime.date]


def expected_held(
    duties: Iterable[Duty],
    first: datetime.date,
    last: datetime.date,
    *,
    is_working_day: Callable[[datetime.date], bool],
    rest_day_cells: Collection[str] = (),
) -> list[Held]:
    """Every report expected between ``first`` and ``last`` (inclusive), as one set of days per officer and cell
    (in the order the pairs first appear in ``duties``; pairs owing nothing are left out).

    This is the rule; ``expected_slots`` only spells it out day by day. Two assignments of the same officer to the
    same cell that overlap expect one report a day, not two. ``is_working_day`` is asked once per day of the
    period; a province's month (~1 300 cells, ~40 000 expected reports) is ~1 300 sets, not 40 000 objects."""
    period = list(days(first, last))
    works = [is_working_day(day) for day in period]
    owed: dict[tuple[int, str], tuple[Duty, set[datetime.date]]] = {}
    for duty in duties:
        start = max((max(first, duty.start) - first).days, 0)
        stop = max(((min(last, duty.end) if duty.end is not None else last) - first).days + 1, 0)
        if duty.cell in rest_day_cells:
            due: Iterable[datetime.date] = period[start:stop]
        else:
            due = compress(period[start:stop], works[start:stop])
        key = (duty.officer_id, duty.cell)
        if key in owed:
            owed[key][1].update(due)
        else:
            owed[key] = (duty, set(due))
    return [
        Held(duty.officer_id, duty.cell, duty.township, duty.county, frozenset(due))
        for duty, due in owed.values()
        if due
    ]


def expected_slots(
    duties: Iterable[Duty],
    first: datetime.date,
    last: datetime.date,
    *,
    is_working_day: Callable[[datetime.date], bool],
    rest_day_cells: Collection[str] = (),
) -> list[Slot]:
    """Every report expected between ``first`` and ``last`` (inclusive), in day, cell, officer order: the days of
    ``expected_held``, one ``Slot`` each."""
    return slots_of(expected_held(duties, first, last, is_working_day=is_working_day, rest_day_cells=rest_day_cells))


def slots_of(held: Iterable[Held]) -> list[Slot]:
    """One ``Slot`` per day held, in day, cell, officer order."""
    return sorted(
        (Slot(day, h.cell, h.officer_id, h.township, h.county) for h in held for day in h.days), key=_slot_order
    )


def _slot_order(slot: Slot) -> tuple[datetime.date, str, int, str, str]:
    """The dataclass order of ``Slot`` (its fields in turn), as a key: sorting by it is the same order, faster."""
    return (slot.day, slot.cell, slot.officer_id, slot.township, slot.county)


def is_on_time(day: datetime.date, submitted_at: datetime.datetime, cutoff_hour: int) -> bool:
    """Submitted (local time) on ``day`` before ``cutoff_hour`` o'clock — or earlier than the day itself is
    impossible for a daily report, so an earlier date counts as on time too."""
    return is_on_time_local(day, submitted_at.date(), submitted_at.hour, cutoff_hour)


def is_on_time_local(day: datetime.date, submitted_on: datetime.date, submitted_hour: int, cutoff_hour: int) -> bool:
    """``is_on_time`` given the local date and hour of the submission (what the database can hand over without
    every timestamp being parsed)."""
    return submitted_on < day or (submitted_on == day and submitted_hour < cutoff_hour)


def tally(
    slots: Iterable[Slot],
    submitted: Mapping[tuple[int, str, datetime.date], datetime.datetime],
    *,
    cutoff_hour: int,
    group: Callable[[Slot], str] = lambda slot: "",
) -> dict[str, Tally]:
    """Expected, actual and on-time counts per group (``group(slot)``: an officer, cell, township or county).

    ``submitted`` maps (officer id, cell, day) to the local submission time of the report filed for it."""
    return tally_many(slots, submitted, cutoff_hour=cutoff_hour, groups=(group,))[0]


def tally_many(
    slots: Iterable[Slot],
    submitted: Mapping[tuple[int, str, datetime.date], datetime.datetime],
    *,
    cutoff_hour: int,
    groups: Sequence[Callable[[Slot], str]],
) -> list[dict[str, Tally]]:
    """``tally`` for several groupings at once (one pass over the slots): one dict per group, in order."""
    fine: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for slot in slots:
        c = fine[tuple(g(slot) for g in groups)]
        c[0] += 1
        at = submitted.get((slot.officer_id, slot.cell, slot.day))
        if at is not None:
            c[1] += 1
            if is_on_time(slot.day, at, cutoff_hour):
                c[2] += 1
    return _roll_up(fine, len(groups))


def _roll_up(fine: Mapping[tuple[str, ...], list[int]], groups: int) -> list[dict[str, Tally]]:
    """Counts per tuple of group keys → one dict of tallies per group."""
    out: list[dict[str, Tally]] = []
    for n in range(groups):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for key, (expected, actual, on_time) in fine.items():
            c = counts[key[n]]
            c[0] += expected
            c[1] += actual
            c[2] += on_time
        out.append({k: Tally(*v) for k, v in counts.items()})
    return out


@dataclass(frozen=True)
class Reported:
    """The days of a period one officer filed one cell's report for, and those of them filed on time."""

    days: frozenset[datetime.date]
    on_time: frozenset[datetime.date]


def reported(filed: Iterable[tuple[datetime.date, datetime.date, int]], cutoff_hour: int) -> Reported:
    """``Reported`` from (day, local submission date, local submission hour) of each report (``is_on_time_local``)."""
    days: set[datetime.date] = set()
    on_time: set[datetime.date] = set()
    for day, submitted_on, submitted_hour in filed:
        days.add(day)
        if is_on_time_local(day, submitted_on, submitted_hour, cutoff_hour):
            on_time.add(day)
    return Reported(frozenset(days), frozenset(on_time))


Filed = Mapping[tuple[int, str], Reported]
"""(officer id, cell) → the days reported and those on time."""


def tally_held(
    held: Iterable[Held], filed: Filed, *, groups: Sequence[Callable[[Placed], str]]
) -> list[dict[str, Tally]]:
    """``tally_many`` over ``expected_held``'s sets instead of one slot per day: the same counts (a report counts
    when its day is one of the held days, on time as ``filed`` says), one dict per group, in order."""
    fine: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for h in held:
        c = fine[tuple(g(h) for g in groups)]
        c[0] += len(h.days)
        r = filed.get((h.officer_id, h.cell))
        if r is not None:
            c[1] += len(h.days & r.days)
            c[2] += len(h.days & r.on_time)
    return _roll_up(fine, len(groups))


GapKey = tuple[datetime.date, str, int, str, str]
"""A missing report as a plain tuple: ``Slot``'s fields in order (day, cell, officer id, township, county)."""


def held_gap_keys(held: Iterable[Held], filed: Filed) -> list[GapKey]:
    """``held_gaps`` as plain tuples (``Slot(*key)`` is the slot), in the same order. A province's month has
    ~2 200 gaps of which a page shows 200: tuples of dates, strings and ints cost less to build than slots, and
    Python's garbage collector stops tracking them."""
    missing: list[GapKey] = []
    for h in held:
        r = filed.get((h.officer_id, h.cell))
        for day in h.days - r.days if r is not None else h.days:
            missing.append((day, h.cell, h.officer_id, h.township, h.county))
    missing.sort()
    return missing


def held_gaps(held: Iterable[Held], filed: Filed) -> list[Slot]:
    """``gaps`` over ``expected_held``'s sets: the expected reports nobody filed, in day, cell, officer order."""
    return [Slot(*key) for key in held_gap_keys(held, filed)]


def gaps(slots: Iterable[Slot], submitted: Mapping[tuple[int, str, datetime.date], datetime.datetime]) -> list[Slot]:
    """The expected reports nobody filed, in day, cell, officer order."""
    return sorted((slot for slot in slots if (slot.officer_id, slot.cell, slot.day) not in submitted), key=_slot_order)


def rate_percent(rate: Fraction | None) -> float | None:
    """A rate as a percentage rounded to one decimal place (None stays None: nothing was expected)."""
    return None if rate is None else round(float(rate * 100), 1)


BY_OFFICER: Callable[[Placed], str] = lambda slot: str(slot.officer_id)  # noqa: E731
BY_CELL: Callable[[Placed], str] = lambda slot: slot.cell  # noqa: E731
BY_TOWNSHIP: Callable[[Placed], str] = lambda slot: slot.township  # noqa: E731
BY_COUNTY: Callable[[Placed], str] = lambda slot: slot.county  # noqa: E731
ALL: Callable[[Placed], str] = lambda slot: ""  # noqa: E731
