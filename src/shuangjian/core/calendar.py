"""Working days, national holidays and school vacations.

Sources, most specific first:

1. ``CalendarDay`` rows an administrator entered (a holiday or a make-up workday on one date). They override
   everything else, so a bureau can correct a date or enter a year before the library knows it.
2. The ``chinese-calendar`` package: the State Council's holidays and make-up workdays (调休上班) for the years
   it covers (see ``library_years()``; release 1.11 stops at 2026).
3. Otherwise Monday–Friday are working days and Saturday/Sunday rest days. A date in a year nobody entered
   never raises: it falls back to weekends only, and the admin pages warn (``holidays_entered_for``).

``SchoolVacation`` rows give winter and summer vacations per division; ``vacation_on`` picks the most specific
division's entry.

Rules call these functions for millions of lesson sessions, so overrides and vacations are held per process.
The services in ``calendar_services`` bump a version number in Django's cache when they write; a process
re-reads the tables when it sees a new version (it looks at most every ``VERSION_CHECK_SECONDS``) and the
writing process re-reads at once. Code that writes ``CalendarDay``/``SchoolVacation`` rows without those
services (fixtures, tests) must call ``clear_cache()``.

This module only reads: no writes, no registration side effects.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import chinese_calendar.constants as _cc
from django.core.cache import cache

from .models import CalendarDay, DayKind, SchoolVacation

logger = logging.getLogger(__name__)

CACHE_VERSION_KEY = "core:calendar:version"
VERSION_CHECK_SECONDS = 5.0

_LIB_HOLIDAYS: frozenset[datetime.date] = frozenset(_cc.holidays)
_LIB_WORKDAYS: frozenset[datetime.date] = frozenset(_cc.workdays)
_LIB_FIRST_YEAR = min(d.year for d in _cc.holidays)
_LIB_LAST_YEAR = max(d.year for d in _cc.holidays)


def library_years() -> range:
    """The years whose holidays the installed chinese-calendar release knows."""
    return range(_LIB_FIRST_YEAR, _LIB_LAST_YEAR + 1)


def vacation_season(vacation: SchoolVacation) -> int:
    # A vacation is identified by kind and the year of its middle day, so a winter vacation starting in late
    # December and one starting in January of the next year are the same vacation for override purposes.
    return (vacation.start + (vacation.end - vacation.start) / 2).year


@dataclass
class _State:
    version: object
    checked_at: float
    overrides: dict[datetime.date, tuple[str, str]]  # date -> (kind, name)
    override_years: frozenset[int]
    # Dates whose working status differs from "Monday to Friday": True = working (weekend), False = rest (weekday).
    exceptions: dict[datetime.date, bool]
    exception_dates: list[datetime.date]
    # exception_prefix[i] = sum of +1 (working weekend) / -1 (weekday off) over exception_dates[:i].
    exception_prefix: list[int]
    vacations: dict[str, list[tuple[SchoolVacation, int]]] = field(default_factory=dict)
    vacation_code_lengths: list[int] = field(default_factory=list)


_lock = threading.Lock()
_state: _State | None = None


def _build_state(version: object) -> _State:
    overrides = {d: (kind, name) for d, kind, name in CalendarDay.objects.values_list("date", "kind", "name")}
    exceptions: dict[datetime.date, bool] = {}
    for d in _LIB_HOLIDAYS:
        if d.weekday() < 5:
            exceptions[d] = False
    for d in _LIB_WORKDAYS:
        if d.weekday() >= 5:
            exceptions[d] = True
    for d, (kind, _name) in overrides.items():
        working = kind == DayKind.WORKDAY
        if working == (d.weekday() < 5):
            exceptions.pop(d, None)
        else:
            exceptions[d] = working
    dates = sorted(exceptions)
    prefix = [0]
    for d in dates:
        prefix.append(prefix[-1] + (1 if exceptions[d] else -1))

    vacations: dict[str, list[tuple[SchoolVacation, int]]] = defaultdict(list)
    for vacation in SchoolVacation.objects.order_by("division_code", "start"):
        vacations[vacation.division_code].append((vacation, vacation_season(vacation)))
    return _State(
        version=version,
        checked_at=time.monotonic(),
        overrides=overrides,
        override_years=frozenset(d.year for d in overrides),
        exceptions=exceptions,
        exception_dates=dates,
        exception_prefix=prefix,
        vacations=dict(vacations),
        vacation_code_lengths=sorted({len(code) for code in vacations}, reverse=True),
    )


def _get_state() -> _State:
    global _state
    state = _state
    now = time.monotonic()
    if state is not None and now - state.checked_at < VERSION_CHECK_SECONDS:
        return state
    try:
        version = cache.get(CACHE_VERSION_KEY, 0)
    except Exception:
        # A cache outage must not stop every rule that asks about a date: keep the copy held and retry later.
        logger.warning("calendar: cache unavailable, keeping the loaded calendar", exc_info=True)
        if state is not None:
            state.checked_at = now
            return state
        version = None
    if state is not None and state.version == version:
        state.checked_at = now
        return state
    with _lock:
        _state = _build_state(version)
        return _state


def clear_cache() -> None:
    """Forget this process's copy of overrides and vacations; the next call re-reads them."""
    global _state
    with _lock:
        _state = None


def bump_version() -> None:
    """Tell every process (through Django's cache) that overrides or vacations changed; forget them here too."""
    try:
        try:
            cache.incr(CACHE_VERSION_KEY)
        except ValueError:
            # The key expired or never existed: any value other than the one processes hold makes them re-read.
            cache.set(CACHE_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        # The write itself succeeded; other processes will see it once the cache is back (or on restart).
        logger.warning("calendar: could not announce a change through the cache", exc_info=True)
    clear_cache()


def _as_date(d: datetime.date) -> datetime.date:
    return d.date() if isinstance(d, datetime.datetime) else d


# --- days ----------------------------------------------------------------------------------------------------


def is_working_day(d: datetime.date) -> bool:
    """True on a working day: an entered workday, a library make-up workday, or Mon–Fri that is no holiday."""
    d = _as_date(d)
    return _get_state().exceptions.get(d, d.weekday() < 5)


def is_rest_day(d: datetime.date) -> bool:
    """True on weekends and holidays that are not make-up workdays (the opposite of ``is_working_day``)."""
    return not is_working_day(d)


def is_national_holiday(d: datetime.date) -> bool:
    """True on a statutory holiday rest day (including a weekend inside a holiday period, e.g. 2025-10-04).

    False on plain weekends and on make-up workdays. Sources: a ``CalendarDay`` entry, else the library.
    """
    d = _as_date(d)
    entry = _get_state().overrides.get(d)
    if entry is not None:
        return entry[0] == DayKind.HOLIDAY
    return d in _LIB_HOLIDAYS


def holiday_name(d: datetime.date) -> str:
    """The name of the holiday or make-up workday on ``d`` (administrator's entry, else 元旦/春节/...), or ''."""
    d = _as_date(d)
    entry = _get_state().overrides.get(d)
    if entry is not None:
        return entry[1]
    english = _cc.holidays.get(d) or _cc.workdays.get(d)
    if not english:
        return ""
    for member in _cc.Holiday:
        if member.value == english:
            return str(member.chinese)
    return ""


def holidays_entered_for(year: int) -> bool:
    """True if the holidays of ``year`` are known: the library covers it or an administrator entered any day in it."""
    return year in library_years() or year in _get_state().override_years


def add_working_days(d: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``d`` (n > 0) or before it (n < 0); ``d`` itself, whatever it is, for n == 0.

    ``d`` is never counted: ``add_working_days(friday, 1)`` is the next Monday (if that is a working day).
    For n > 0, ``working_days_between(d, add_working_days(d, n)) == n`` and the result is a working day.
    For n < 0 the result is a working day b < d with exactly |n| working days in [b, d).
    """
    d = _as_date(d)
    if n == 0:
        return d
    state = _get_state()
    step = datetime.timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if state.exceptions.get(current, current.weekday() < 5):
            remaining -= 1
    return current


def _weekdays_upto(d: datetime.date) -> int:
    """Mon–Fri days from an arbitrary fixed Monday up to and including ``d`` (only differences matter)."""
    ordinal = d.toordinal()  # date(1, 1, 1) is a Monday, ordinal 1
    weeks, rest = divmod(ordinal - 1, 7)
    return weeks * 5 + min(rest + 1, 5)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """The number of working days in the half-open interval (a, b]: after ``a``, up to and including ``b``.

    0 when a == b; negative (minus the count in (b, a]) when b < a, so
    ``working_days_between(a, b) == -working_days_between(b, a)`` and counts add up over a < b < c.
    Constant time apart from a binary search, so it is cheap over long spans.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    state = _get_state()
    count = _weekdays_upto(b) - _weekdays_upto(a)
    lo = bisect.bisect_right(state.exception_dates, a)
    hi = bisect.bisect_right(state.exception_dates, b)
    return count + state.exception_prefix[hi] - state.exception_prefix[lo]


# --- school vacations ----------------------------------------------------------------------------------------


def vacation_on(division_code: str, d: datetime.date) -> SchoolVacation | None:
    """The school vacation in force on ``d`` in ``division_code``, or None.

    Entries apply to their division and every division below it (by code prefix). For each vacation (kind
    plus the year of its middle day) the most specific division that entered it decides: a county's winter
    vacation replaces its city's winter vacation of the same season, whether it is longer or shorter.
    The returned object is shared by the process's cache: read it, do not modify it.
    """
    d = _as_date(d)
    state = _get_state()
    claimed: set[tuple[str, int]] = set()
    for length in state.vacation_code_lengths:
        if length > len(division_code):
            continue
        entries = state.vacations.get(division_code[:length])
        if not entries:
            continue
        for vacation, season in entries:
            if vacation.start <= d <= vacation.end and (vacation.kind, season) not in claimed:
                return vacation
        claimed.update((vacation.kind, season) for vacation, season in entries)
    return None


def is_school_vacation(division_code: str, d: datetime.date) -> bool:
    """True if schools in ``division_code`` are on winter or summer vacation on ``d``."""
    return vacation_on(division_code, d) is not None
