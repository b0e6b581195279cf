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


def expected_slots(
    duties: Iterable[Duty],
    first: datetime.date,
    last: datetime.date,
    *,
    is_working_day: Callable[[datetime.date], bool],
    rest_day_cells: Collection[str] = (),
) -> list[Slot]:
    """Every report expected between ``first`` and ``last`` (inclusive), in day, cell, officer order.

    Two assignments of the same officer to the same cell that overlap expect one report a day, not two.
    ``is_working_day`` is asked once per day of the period (a province's month is ~40 000 slots, ~30 days)."""
    period = [(day, is_working_day(day)) for day in days(first, last)]
    slots: dict[tuple[int, str, datetime.date], Slot] = {}
    for duty in duties:
        start = (max(first, duty.start) - first).days
        stop = ((min(last, duty.end) if duty.end is not None else last) - first).days + 1
        rest_day_cell = duty.cell in rest_day_cells
        for day, works in period[max(start, 0) : max(stop, 0)]:
            if rest_day_cell or works:
                key = (duty.officer_id, duty.cell, day)
                if key not in slots:
                    slots[key] = Slot(day, duty.cell, duty.officer_id, duty.township, duty.county)
    return sorted(slots.values(), key=_slot_order)


def _slot_order(slot: Slot) -> tuple[datetime.date, str, int, str, str]:
    """The dataclass order of ``Slot`` (its fields in turn), as a key: sorting by it is the same order, faster."""
    return (slot.day, slot.cell, slot.officer_id, slot.township, slot.county)


def is_on_time(day: datetime.date, submitted_at: datetime.datetime, cutoff_hour: int) -> bool:
    """Submitted (local time) on ``day`` before ``cutoff_hour`` o'clock — or earlier than the day itself is
    impossible for a daily report, so an earlier date counts as on time too."""
    if submitted_at.date() < day:
        return True
    return submitted_at.date() == day and submitted_at.hour < cutoff_hour


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
    out: list[dict[str, Tally]] = []
    for n in range(len(groups)):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for key, (expected, actual, on_time) in fine.items():
            c = counts[key[n]]
            c[0] += expected
            c[1] += actual
            c[2] += on_time
        out.append({k: Tally(*v) for k, v in counts.items()})
    return out


def gaps(slots: Iterable[Slot], submitted: Mapping[tuple[int, str, datetime.date], datetime.datetime]) -> list[Slot]:
    """The expected reports nobody filed, in day, cell, officer order."""
    return sorted((slot for slot in slots if (slot.officer_id, slot.cell, slot.day) not in submitted), key=_slot_order)


def rate_percent(rate: Fraction | None) -> float | None:
    """A rate as a percentage rounded to one decimal place (None stays None: nothing was expected)."""
    return None if rate is None else round(float(rate * 100), 1)


BY_OFFICER: Callable[[Slot], str] = lambda slot: str(slot.officer_id)  # noqa: E731
BY_CELL: Callable[[Slot], str] = lambda slot: slot.cell  # noqa: E731
BY_TOWNSHIP: Callable[[Slot], str] = lambda slot: slot.township  # noqa: E731
BY_COUNTY: Callable[[Slot], str] = lambda slot: slot.county  # noqa: E731
ALL: Callable[[Slot], str] = lambda slot: ""  # noqa: E731
