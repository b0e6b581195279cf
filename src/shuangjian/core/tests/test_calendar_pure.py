"""The calendar as pure functions (entered days and vacations from fake tables, no database): holidays, make-up
workdays and entered overrides; counting working days forwards, backwards and between; school vacations by the
most specific division; the per-process copy and its version check. Fast enough for mutation testing."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from shuangjian.core import calendar
from shuangjian.core.calendar import (
    add_working_days,
    holiday_name,
    holidays_entered_for,
    is_national_holiday,
    is_rest_day,
    is_school_vacation,
    is_working_day,
    library_years,
    vacation_on,
    vacation_season,
    working_days_between,
)
from shuangjian.core.models import DayKind, SchoolVacation
from shuangjian.core.tests.pure_calendar import _Days, pure_calendar  # noqa: F401  (fixture)

D = datetime.date
pytestmark = pytest.mark.usefixtures("pure_calendar")

MAKE_UP_SUNDAY = D(2025, 9, 28)  # 国庆 make-up workday
NATIONAL_DAY = D(2025, 10, 1)  # a Wednesday
HOLIDAY_SATURDAY = D(2025, 10, 4)  # inside the holiday period


def test_library_years_are_those_the_package_knows():
    years = library_years()
    assert years.start == 2004 and years.stop == 2027  # 2004..2026 inclusive
    assert holidays_entered_for(2004) and holidays_entered_for(2026)
    assert not holidays_entered_for(2003) and not holidays_entered_for(2027)


def test_days_from_the_library():
    assert is_working_day(D(2025, 9, 26))  # a plain Friday
    assert not is_working_day(D(2025, 9, 27))  # a plain Saturday
    assert is_working_day(MAKE_UP_SUNDAY)
    assert not is_working_day(NATIONAL_DAY)
    assert is_rest_day(NATIONAL_DAY) and not is_rest_day(MAKE_UP_SUNDAY)
    assert is_national_holiday(NATIONAL_DAY) and is_national_holiday(HOLIDAY_SATURDAY)
    assert not is_national_holiday(D(2025, 9, 27)) and not is_national_holiday(MAKE_UP_SUNDAY)


def test_datetimes_are_taken_as_their_date():
    at = datetime.datetime(2025, 10, 1, 23, 59)
    assert not is_working_day(at) and is_national_holiday(at) and holiday_name(at) == "国庆节"
    assert add_working_days(datetime.datetime(2025, 9, 30, 8), 1) == D(2025, 10, 9)
    assert add_working_days(datetime.datetime(2025, 9, 30, 8), 0) == D(2025, 9, 30)
    assert working_days_between(datetime.datetime(2025, 9, 30, 8), datetime.datetime(2025, 10, 9, 8)) == 1


def test_holiday_names():
    assert holiday_name(NATIONAL_DAY) == "国庆节"
    assert holiday_name(MAKE_UP_SUNDAY) == "国庆节"
    assert holiday_name(D(2026, 1, 1)) == "元旦"
    assert holiday_name(D(2026, 2, 17)) == "春节"
    assert holiday_name(D(2025, 9, 27)) == ""


def test_entered_days_override_the_library_and_weekends(pure_calendar):  # noqa: F811
    pure_calendar(
        days=[
            (D(2027, 2, 8), DayKind.HOLIDAY, "春节"),  # a Monday off
            (D(2027, 2, 20), DayKind.WORKDAY, "春节调休"),  # a Saturday at work
            (NATIONAL_DAY, DayKind.WORKDAY, "更正"),  # a library holiday corrected to a workday
            (MAKE_UP_SUNDAY, DayKind.HOLIDAY, "更正"),  # a library make-up day corrected to rest
            (D(2027, 3, 3), DayKind.WORKDAY, "确认"),  # a Wednesday entered as it already is
            (D(2027, 3, 6), DayKind.HOLIDAY, "确认"),  # a Saturday entered as it already is
        ]
    )
    assert not is_working_day(D(2027, 2, 8)) and is_national_holiday(D(2027, 2, 8))
    assert is_working_day(D(2027, 2, 20)) and not is_national_holiday(D(2027, 2, 20))
    assert is_working_day(NATIONAL_DAY) and not is_national_holiday(NATIONAL_DAY)
    assert not is_working_day(MAKE_UP_SUNDAY) and is_national_holiday(MAKE_UP_SUNDAY)
    assert is_working_day(D(2027, 3, 3)) and not is_working_day(D(2027, 3, 6))
    assert holiday_name(D(2027, 2, 20)) == "春节调休" and holiday_name(NATIONAL_DAY) == "更正"
    assert holidays_entered_for(2027) and not holidays_entered_for(2028)
    # Counting sees the entries too: Friday 5 Feb 2027 + 1 working day skips Monday the 8th.
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 9)
    assert working_days_between(D(2027, 2, 5), D(2027, 2, 9)) == 1
    assert working_days_between(D(2027, 2, 19), D(2027, 2, 22)) == 2  # Saturday 20th and Monday 22nd
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 8)) == 5  # entries equal to the default change nothing


def test_an_entry_equal_to_the_library_removes_nothing_it_should_keep(pure_calendar):  # noqa: F811
    # A weekday holiday entered as a holiday again stays a holiday; a Saturday entered as a workday is one.
    pure_calendar(days=[(NATIONAL_DAY, DayKind.HOLIDAY, "国庆节"), (D(2025, 10, 11), DayKind.WORKDAY, "调休")])
    assert not is_working_day(NATIONAL_DAY)
    assert is_working_day(D(2025, 10, 11))


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (D(2025, 9, 26), 1, MAKE_UP_SUNDAY),  # Friday + 1: the make-up Sunday
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        (D(2025, 9, 26), 4, D(2025, 10, 9)),  # over the holiday
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 10, 1), 1, D(2025, 10, 9)),  # from a holiday
        (D(2025, 10, 9), -1, D(2025, 9, 30)),
        (D(2025, 10, 9), -2, D(2025, 9, 29)),
        (D(2025, 9, 29), -1, MAKE_UP_SUNDAY),
        (D(2025, 10, 4), 0, D(2025, 10, 4)),  # n == 0 is the day itself, even a holiday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Friday + 1 = Monday
        (D(2026, 3, 9), -1, D(2026, 3, 6)),
        (D(2026, 3, 2), 10, D(2026, 3, 16)),
    ],
)
def test_add_working_days(start, n, end):
    assert add_working_days(start, n) == end


@pytest.mark.parametrize(
    ("a", "b", "n"),
    [
        (D(2025, 9, 26), D(2025, 9, 26), 0),
        (D(2025, 9, 26), D(2025, 9, 27), 0),  # Saturday
        (D(2025, 9, 26), MAKE_UP_SUNDAY, 1),
        (D(2025, 9, 26), D(2025, 10, 9), 4),  # Sun 28, Mon 29, Tue 30, Thu 9
        (D(2025, 10, 9), D(2025, 9, 26), -4),
        (D(2025, 9, 30), D(2025, 10, 8), 0),  # the whole holiday
        (D(2025, 10, 8), D(2025, 10, 11), 3),  # Thu 9, Fri 10, make-up Sat 11
        (MAKE_UP_SUNDAY, D(2025, 9, 29), 1),  # the exception on the open end is not counted
        (D(2025, 9, 27), MAKE_UP_SUNDAY, 1),  # on the closed end it is
        (D(2026, 3, 1), D(2026, 3, 8), 5),  # Sunday to Sunday
        (D(2026, 3, 2), D(2026, 3, 7), 4),  # Monday to Saturday: Tue–Fri
        (D(2026, 3, 6), D(2026, 3, 9), 1),  # Friday to Monday
        (D(2026, 3, 7), D(2026, 3, 8), 0),  # Saturday to Sunday
        (D(2026, 3, 4), D(2026, 3, 5), 1),
        (D(2026, 3, 5), D(2026, 3, 6), 1),  # Thursday to Friday
        (D(2026, 3, 8), D(2026, 3, 9), 1),  # Sunday to Monday
        (D(2024, 1, 1), D(2025, 1, 1), 251),  # a whole year with its holidays and make-up days
    ],
)
def test_working_days_between(a, b, n):
    assert working_days_between(a, b) == n


def test_counting_agrees_day_by_day_over_a_year():
    a = D(2025, 1, 1)
    for days in range(0, 400, 7):
        b = a + datetime.timedelta(days=days)
        assert working_days_between(a, b) == sum(
            is_working_day(a + datetime.timedelta(days=k)) for k in range(1, days + 1)
        )


def vacation(code: str, kind: str, start: datetime.date, end: datetime.date) -> SchoolVacation:
    return SchoolVacation(division_code=code, kind=kind, start=start, end=end)


CITY = "4102"  # 开封市
COUNTY = "410212"  # 祥符区 under it
PROVINCE = "41"
CITY_WINTER = vacation(CITY, "winter", D(2026, 1, 24), D(2026, 2, 28))
COUNTY_WINTER = vacation(COUNTY, "winter", D(2026, 1, 31), D(2026, 2, 20))
CITY_SUMMER = vacation(CITY, "summer", D(2026, 7, 4), D(2026, 8, 31))
PROVINCE_SUMMER = vacation(PROVINCE, "summer", D(2026, 7, 11), D(2026, 8, 31))
LATE_DECEMBER_WINTER = vacation("4103", "winter", D(2025, 12, 27), D(2026, 2, 20))


@pytest.fixture
def vacations(pure_calendar):  # noqa: F811
    pure_calendar(vacations=[COUNTY_WINTER, CITY_SUMMER, CITY_WINTER, PROVINCE_SUMMER, LATE_DECEMBER_WINTER])


def test_vacation_season_is_the_year_of_its_middle_day():
    assert vacation_season(LATE_DECEMBER_WINTER) == 2026
    assert vacation_season(vacation("1", "winter", D(2025, 12, 20), D(2026, 1, 11))) == 2025  # middle: 31 Dec
    assert vacation_season(vacation("1", "winter", D(2025, 12, 20), D(2026, 1, 13))) == 2026  # middle: 1 Jan
    assert vacation_season(CITY_SUMMER) == 2026


@pytest.mark.usefixtures("vacations")
def test_a_city_vacation_applies_below_it_from_its_first_to_its_last_day():
    assert vacation_on(CITY, D(2026, 1, 24)) is CITY_WINTER
    assert vacation_on(CITY, D(2026, 2, 28)) is CITY_WINTER
    assert vacation_on(CITY, D(2026, 1, 23)) is None
    assert vacation_on(CITY, D(2026, 3, 1)) is None
    assert vacation_on("410202001", D(2026, 2, 1)) is CITY_WINTER  # a street of another county of the city
    assert is_school_vacation(CITY, D(2026, 2, 1)) and not is_school_vacation(CITY, D(2026, 3, 2))
    assert vacation_on(CITY, datetime.datetime(2026, 2, 28, 23, 0)) is CITY_WINTER


@pytest.mark.usefixtures("vacations")
def test_a_county_entry_replaces_its_citys_for_the_same_vacation():
    assert vacation_on(COUNTY, D(2026, 1, 24)) is None  # the city's has begun, the county's not yet
    assert vacation_on(COUNTY, D(2026, 1, 31)) is COUNTY_WINTER
    assert vacation_on(COUNTY, D(2026, 2, 20)) is COUNTY_WINTER
    assert vacation_on(COUNTY, D(2026, 2, 21)) is None  # the county's has ended though the city's goes on
    # Another vacation the county did not enter still comes from the city.
    assert vacation_on(COUNTY, D(2026, 7, 4)) is CITY_SUMMER


@pytest.mark.usefixtures("vacations")
def test_the_province_is_the_default_for_cities_without_their_own():
    assert vacation_on("4101", D(2026, 7, 11)) is PROVINCE_SUMMER
    assert vacation_on("4101", D(2026, 7, 10)) is None
    assert vacation_on(CITY, D(2026, 7, 5)) is CITY_SUMMER  # the city's own replaces the province's
    assert vacation_on(PROVINCE, D(2026, 7, 20)) is PROVINCE_SUMMER
    assert vacation_on("4", D(2026, 7, 20)) is None  # a code shorter than any entry
    assert vacation_on("4201", D(2026, 7, 20)) is None  # another province
    assert vacation_on("4103", D(2025, 12, 27)) is LATE_DECEMBER_WINTER


def test_the_copy_is_reloaded_when_the_shared_version_changes(pure_calendar, monkeypatch):  # noqa: F811
    d = D(2027, 5, 3)  # a Monday
    assert is_working_day(d)
    # Another process writes and bumps the version; the table changes under this process.
    monkeypatch.setattr(calendar, "CalendarDay", SimpleNamespace(objects=_Days([(d, DayKind.HOLIDAY, "劳动节")])))
    cache.set(calendar.CACHE_VERSION_KEY, 12345, timeout=None)
    assert is_working_day(d)  # within the check interval: the copy held
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    assert not is_working_day(d)  # looked again, saw a new version
    calendar.bump_version()
    assert cache.get(calendar.CACHE_VERSION_KEY) == 12346


def test_bump_version_sets_a_version_when_there_is_none():
    cache.delete(calendar.CACHE_VERSION_KEY)
    calendar.bump_version()
    assert cache.get(calendar.CACHE_VERSION_KEY) is not None


def test_a_cache_outage_keeps_the_copy_and_still_answers(monkeypatch):
    assert not is_working_day(NATIONAL_DAY)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(calendar.cache, "get", broken)
    monkeypatch.setattr(calendar.cache, "incr", broken)
    monkeypatch.setattr(calendar.cache, "set", broken)
    assert not is_working_day(NATIONAL_DAY)
    calendar.bump_version()  # logs, does not raise
    assert is_working_day(D(2025, 10, 9))  # loads without the version


def test_without_a_new_version_the_copy_is_kept_even_when_checked(monkeypatch):
    d = D(2027, 5, 3)
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    assert is_working_day(d)
    assert is_working_day(d)  # checked again: same version, same copy
    # A table written without announcing it (no version bump) is not seen: the copy is only re-read on a new version.
    monkeypatch.setattr(calendar, "CalendarDay", SimpleNamespace(objects=_Days([(d, DayKind.HOLIDAY, "劳动节")])))
    assert is_working_day(d)
    calendar.bump_version()
    assert not is_working_day(d)


def test_a_cache_outage_is_logged_and_the_tables_are_read_again_once_it_is_back(monkeypatch, caplog):
    d = D(2027, 5, 3)

    real_get = calendar.cache.get
    down = [True]

    def flaky(*args, **kwargs):
        if down[0]:
            raise ConnectionError("cache down")
        return real_get(*args, **kwargs)

    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(calendar.cache, "get", flaky)
    with caplog.at_level("WARNING", logger="shuangjian.core.calendar"):
        assert is_working_day(d)  # loaded without knowing the version
        assert is_working_day(d)  # kept while the cache is down
        assert is_working_day(d)
    assert [r.getMessage() for r in caplog.records] == ["calendar: cache unavailable, keeping the loaded calendar"] * 3
    assert all(r.exc_info and r.exc_info[0] is ConnectionError for r in caplog.records)
    # The cache is back (nobody bumped the version): the copy loaded during the outage is read again.
    monkeypatch.setattr(calendar, "CalendarDay", SimpleNamespace(objects=_Days([(d, DayKind.HOLIDAY, "劳动节")])))
    down[0] = False
    cache.delete(calendar.CACHE_VERSION_KEY)
    assert not is_working_day(d)


def test_a_failed_announcement_is_logged(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(calendar.cache, "incr", broken)
    monkeypatch.setattr(calendar.cache, "set", broken)
    with caplog.at_level("WARNING", logger="shuangjian.core.calendar"):
        calendar.bump_version()
    assert [r.getMessage() for r in caplog.records] == ["calendar: could not announce a change through the cache"]
    assert caplog.records[0].exc_info and caplog.records[0].exc_info[0] is ConnectionError
