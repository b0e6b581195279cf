"""The calendar without a database: ``core.calendar`` reads its administrator-entered days and school vacations
from fake tables, so rules that count working days can be tested as pure functions (fast enough for mutation
testing, where a database per run would take minutes). The library's holidays and make-up workdays still apply.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

import pytest

from shuangjian.core import calendar
from shuangjian.core.models import SchoolVacation


class _Days:
    def __init__(self, rows: list[tuple[datetime.date, str, str]]) -> None:
        self.rows = rows

    def values_list(self, *fields: str) -> list[tuple]:
        # Like the ORM: the columns asked for, in that order (an unknown column is an error).
        index = {"date": 0, "kind": 1, "name": 2}
        return [tuple(row[index[f]] for f in fields) for row in self.rows]


class _Vacations:
    def __init__(self, rows: list[SchoolVacation]) -> None:
        self.rows = rows

    def order_by(self, *fields: str) -> list[SchoolVacation]:
        return sorted(self.rows, key=lambda v: tuple(getattr(v, f) for f in fields))


@pytest.fixture
def pure_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Call it with the entered days ``(date, kind, name)`` and ``SchoolVacation`` objects (unsaved) to use."""

    def use(days: Iterable[tuple[datetime.date, str, str]] = (), vacations: Iterable[SchoolVacation] = ()) -> None:
        monkeypatch.setattr(calendar, "CalendarDay", SimpleNamespace(objects=_Days(list(days))))
        monkeypatch.setattr(calendar, "SchoolVacation", SimpleNamespace(objects=_Vacations(list(vacations))))
        calendar.clear_cache()

    use()
    yield use
    calendar.clear_cache()
