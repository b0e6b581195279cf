import datetime as dt
import io
import random
from typing import Any

import chinese_calendar
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.core import calendar, cards
from shuangjian.core.calendar import (
    add_working_days,
    holidays_entered_for,
    is_national_holiday,
    is_rest_day,
    is_working_day,
    vacation_on,
    working_days_between,
)
from shuangjian.core.calendar_services import (
    calendar_day_delete,
    calendar_day_set,
    school_vacation_delete,
    school_vacation_set,
)
from shuangjian.core.demo import DemoContext
from shuangjian.core.demo_calendar import demo_calendar
from shuangjian.core.models import AuditEvent, CalendarDay, DayKind, SchoolVacation, User, VacationKind
from shuangjian.core.nav import cards_for
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory

D = dt.date
# Counted by hand from the State Council notices: 261 weekdays - 18 (2025) / 19 (2026) holiday weekdays
# + 5 / 6 make-up weekend workdays.
WORKDAYS_2025 = 248
WORKDAYS_2026 = 248
pytestmark = pytest.mark.django_db


def make_admin(**kwargs) -> User:
    user = PlatformAdminFactory(**kwargs)
    assert isinstance(user, User)
    return user


def make_regulator() -> User:
    user = RegulatorFactory()
    assert isinstance(user, User)
    return user


def present(vacation: SchoolVacation | None) -> SchoolVacation:
    assert vacation is not None
    return vacation


def days(start, end):
    current = start
    while current <= end:
        yield current
        current += dt.timedelta(days=1)


# --- national calendar from the library --------------------------------------------------------------------


def test_2025_national_day_and_its_make_up_workdays():
    for d in days(D(2025, 10, 1), D(2025, 10, 8)):
        assert is_rest_day(d) and is_national_holiday(d), d
    assert is_working_day(D(2025, 9, 28))  # Sunday, make-up workday
    assert is_working_day(D(2025, 10, 11))  # Saturday, make-up workday
    assert not is_national_holiday(D(2025, 10, 11))
    assert is_working_day(D(2025, 10, 9))


def test_2026_spring_festival_and_national_day():
    assert D(2026, 2, 14).weekday() == 5 and is_working_day(D(2026, 2, 14))  # Saturday, make-up workday
    assert is_working_day(D(2026, 2, 28))
    assert is_working_day(D(2026, 1, 4))  # Sunday after New Year
    for d in days(D(2026, 2, 15), D(2026, 2, 23)):
        assert is_national_holiday(d), d
    for d in days(D(2026, 10, 1), D(2026, 10, 7)):
        assert is_national_holiday(d) and not is_working_day(d), d
    assert is_working_day(D(2026, 10, 8))
    assert is_working_day(D(2026, 10, 10))


def test_plain_weekend_is_a_rest_day_but_no_national_holiday():
    saturday = D(2025, 11, 22)
    assert is_rest_day(saturday)
    assert not is_national_holiday(saturday)
    assert is_working_day(D(2025, 11, 24))


@settings(max_examples=200)
@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31)))
def test_agrees_with_the_library_where_nothing_was_entered(d):
    assert is_working_day(d) == chinese_calendar.is_workday(d)
    assert is_national_holiday(d) == (d in chinese_calendar.holidays)


@settings(max_examples=100)
@given(st.dates(min_value=D(2027, 1, 1), max_value=D(2100, 12, 31)))
def test_uncovered_years_are_weekends_only(d):
    assert is_working_day(d) == (d.weekday() < 5)
    assert not is_national_holiday(d)


def test_datetimes_are_taken_as_their_date():
    assert not is_working_day(dt.datetime(2025, 10, 1, 9, 30))
    assert working_days_between(dt.datetime(2025, 9, 30, 23), dt.datetime(2025, 10, 9, 1)) == 1


# --- years the library does not cover ------------------------------------------------------------------------


def test_2027_does_not_crash_and_falls_back_to_weekends():
    assert 2027 not in calendar.library_years()
    assert not holidays_entered_for(2027)
    assert is_working_day(D(2027, 10, 1))  # a Friday: nobody entered National Day 2027 yet
    assert not is_national_holiday(D(2027, 10, 1))
    assert is_rest_day(D(2027, 10, 2))  # Saturday
    assert working_days_between(D(2027, 9, 30), D(2027, 10, 8)) == 6
    assert add_working_days(D(2027, 10, 1), 1) == D(2027, 10, 4)


def test_entered_2027_days_override_weekends():
    admin = make_admin()
    for d in days(D(2027, 10, 1), D(2027, 10, 7)):
        calendar_day_set(actor=admin, date=d, kind=DayKind.HOLIDAY, name="国庆节")
    calendar_day_set(actor=admin, date=D(2027, 9, 26), kind=DayKind.WORKDAY, name="国庆节调休")
    assert holidays_entered_for(2027)
    assert is_national_holiday(D(2027, 10, 1)) and is_rest_day(D(2027, 10, 1))
    assert is_working_day(D(2027, 9, 26))  # Sunday made a workday
    assert calendar.holiday_name(D(2027, 10, 1)) == "国庆节"
    # Sep 25 Sat rest, 26 Sun work, 27-30 Mon-Thu work, Oct 1-7 rest, Oct 8 Fri work.
    assert working_days_between(D(2027, 9, 24), D(2027, 10, 8)) == 6
    assert add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert AuditEvent.objects.filter(action="calendar.day_set").count() == 8


def test_an_entry_overrides_the_library_and_deleting_it_restores_the_library():
    admin = make_admin()
    calendar_day_set(actor=admin, date=D(2025, 10, 8), kind=DayKind.WORKDAY, name="更正")
    assert is_working_day(D(2025, 10, 8))
    assert not is_national_holiday(D(2025, 10, 8))
    calendar_day_set(actor=admin, date=D(2025, 10, 8), kind=DayKind.HOLIDAY, name="国庆节")
    assert CalendarDay.objects.count() == 1
    assert is_national_holiday(D(2025, 10, 8))
    calendar_day_delete(actor=admin, date=D(2025, 10, 8))
    assert not CalendarDay.objects.exists()
    assert is_national_holiday(D(2025, 10, 8)) and calendar.holiday_name(D(2025, 10, 8)) == "国庆节"
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["calendar.day_set", "calendar.day_set", "calendar.day_delete"]


def test_bad_kind_is_refused():
    with pytest.raises(ValidationError):
        calendar_day_set(actor=None, date=D(2027, 1, 1), kind="party")
    assert not CalendarDay.objects.exists()


def test_another_process_sees_a_write_once_it_checks_the_version(monkeypatch):
    assert is_working_day(D(2027, 5, 3))  # loads this process's copy
    # Another process writes (its service bumps the shared version); this one has not looked yet.
    CalendarDay.objects.create(date=D(2027, 5, 3), kind=DayKind.HOLIDAY, name="劳动节")
    cache.set(calendar.CACHE_VERSION_KEY, 12345, timeout=None)
    assert is_working_day(D(2027, 5, 3))  # still within the check interval: cached answer
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    assert not is_working_day(D(2027, 5, 3))


# --- counting -----------------------------------------------------------------------------------------------


def test_working_days_between_examples():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1  # (a, b]: only 9 October
    assert working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert working_days_between(D(2025, 11, 24), D(2025, 11, 24)) == 0
    assert working_days_between(D(2025, 11, 21), D(2025, 11, 24)) == 1  # Friday to Monday
    # Whole years, as the library counts them.
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == WORKDAYS_2025
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == WORKDAYS_2026


def test_add_working_days_examples():
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Friday → make-up Saturday
    assert add_working_days(D(2025, 11, 22), 0) == D(2025, 11, 22)  # n == 0: the date itself, even a Saturday
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert add_working_days(D(2025, 10, 5), -1) == D(2025, 9, 30)
    # Refund silence of 5 working days from Tuesday 30 September 2025 ends after the holiday.
    assert add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)


@pytest.fixture
def some_entries():
    # A few administrator entries in and beyond the library's years so properties cover both sources.
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦"),
            CalendarDay(date=D(2027, 2, 6), kind=DayKind.WORKDAY, name="春节调休"),
            CalendarDay(date=D(2026, 3, 2), kind=DayKind.HOLIDAY, name="测试"),
            CalendarDay(date=D(2025, 10, 8), kind=DayKind.WORKDAY, name="测试"),
        ]
    )
    calendar.clear_cache()


any_date = st.dates(min_value=D(2024, 6, 1), max_value=D(2028, 6, 30))
fixture_ok = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])


def naive_count(a, b):
    if b < a:
        return -naive_count(b, a)
    return sum(1 for d in days(a + dt.timedelta(days=1), b) if is_working_day(d))


@fixture_ok
@given(any_date, any_date)
def test_working_days_between_matches_counting_day_by_day(some_entries, a, b):
    assert working_days_between(a, b) == naive_count(a, b)
    assert working_days_between(a, b) == -working_days_between(b, a)


@fixture_ok
@given(any_date, any_date, any_date)
def test_working_days_between_adds_up(some_entries, a, b, c):
    a, b, c = sorted([a, b, c])
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


@fixture_ok
@given(any_date, st.integers(1, 40))
def test_add_working_days_forward_is_inverse_of_counting(some_entries, d, n):
    result = add_working_days(d, n)
    assert result > d
    assert is_working_day(result)
    assert working_days_between(d, result) == n
    assert working_days_between(d, result - dt.timedelta(days=1)) == n - 1


@fixture_ok
@given(any_date, st.integers(1, 40))
def test_add_working_days_backward(some_entries, d, n):
    result = add_working_days(d, -n)
    assert result < d
    assert is_working_day(result)
    assert sum(1 for x in days(result, d - dt.timedelta(days=1)) if is_working_day(x)) == n
    if is_working_day(d):
        assert add_working_days(result, n) == d


# --- school vacations ----------------------------------------------------------------------------------------


@pytest.fixture
def kaifeng_vacations():
    admin = make_admin()
    city_winter = school_vacation_set(
        actor=admin, division_code="4102", kind=VacationKind.WINTER, start=D(2026, 1, 24), end=D(2026, 2, 28)
    )
    city_summer = school_vacation_set(
        actor=admin, division_code="4102", kind=VacationKind.SUMMER, start=D(2026, 7, 4), end=D(2026, 8, 31)
    )
    county_winter = school_vacation_set(
        actor=admin, division_code="410212", kind=VacationKind.WINTER, start=D(2026, 1, 31), end=D(2026, 3, 3)
    )
    return admin, city_winter, city_summer, county_winter


def test_city_vacation_applies_below_it(kaifeng_vacations):
    _, city_winter, city_summer, _ = kaifeng_vacations
    assert vacation_on("410202", D(2026, 1, 24)) == city_winter
    assert vacation_on("410202001", D(2026, 2, 28)) == city_winter  # a street in the district
    assert vacation_on("4102", D(2026, 8, 1)) == city_summer
    assert vacation_on("410202", D(2026, 3, 1)) is None
    assert vacation_on("410202", D(2026, 1, 23)) is None
    assert vacation_on("4101", D(2026, 2, 1)) is None  # Zhengzhou entered nothing
    assert vacation_on("41", D(2026, 2, 1)) is None  # the province is not under the city
    assert calendar.is_school_vacation("410202", D(2026, 2, 1))


def test_county_entry_replaces_its_citys_for_the_same_vacation(kaifeng_vacations):
    _, _, city_summer, county_winter = kaifeng_vacations
    assert vacation_on("410212", D(2026, 1, 26)) is None  # the city is off, the county's schools are not
    assert vacation_on("410212", D(2026, 3, 2)) == county_winter  # the county's vacation runs longer
    assert vacation_on("410212001", D(2026, 2, 1)) == county_winter
    assert vacation_on("410212", D(2026, 7, 10)) == city_summer  # no summer of its own: the city's applies


def test_province_entry_is_the_default_for_cities_without_their_own():
    school_vacation_set(
        actor=None, division_code="41", kind=VacationKind.SUMMER, start=D(2027, 7, 10), end=D(2027, 8, 31)
    )
    city = school_vacation_set(
        actor=None, division_code="4102", kind=VacationKind.SUMMER, start=D(2027, 7, 3), end=D(2027, 8, 31)
    )
    assert vacation_on("410102", D(2027, 7, 5)) is None
    assert present(vacation_on("410102", D(2027, 7, 12))).division_code == "41"
    assert vacation_on("410202", D(2027, 7, 5)) == city


def test_re_entering_a_vacation_replaces_it(kaifeng_vacations):
    admin, _, _, _ = kaifeng_vacations
    school_vacation_set(
        actor=admin, division_code="4102", kind=VacationKind.WINTER, start=D(2026, 1, 17), end=D(2026, 2, 22)
    )
    assert SchoolVacation.objects.filter(division_code="4102", kind=VacationKind.WINTER).count() == 1
    assert present(vacation_on("410202", D(2026, 1, 18))).start == D(2026, 1, 17)
    assert vacation_on("410202", D(2026, 2, 25)) is None
    event = AuditEvent.objects.filter(action="calendar.vacation_set").order_by("-seq").first()
    assert event is not None and event.before is not None and event.after is not None
    assert event.before["start"] == "2026-01-24" and event.after["start"] == "2026-01-17"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (
            {"division_code": "4102", "kind": "summer", "start": D(2026, 2, 20), "end": D(2026, 3, 5)},
            "vacation_overlap",
        ),
        ({"division_code": "4102", "kind": "summer", "start": D(2026, 8, 1), "end": D(2026, 7, 1)}, "vacation_dates"),
        ({"division_code": "41A", "kind": "summer", "start": D(2026, 7, 1), "end": D(2026, 8, 1)}, "vacation_division"),
        ({"division_code": "4102", "kind": "spring", "start": D(2026, 4, 1), "end": D(2026, 4, 5)}, "vacation_kind"),
        (
            {"division_code": "4102", "kind": "summer", "start": D(2026, 7, 1), "end": D(2026, 8, 1), "vacation_id": 0},
            "vacation_missing",
        ),
    ],
)
def test_bad_vacations_are_refused(kaifeng_vacations, kwargs, code):
    before = SchoolVacation.objects.count()
    with pytest.raises(ValidationError) as info:
        school_vacation_set(actor=None, **kwargs)
    assert info.value.code == code
    assert SchoolVacation.objects.count() == before


def test_deleting_the_county_entry_falls_back_to_the_city(kaifeng_vacations):
    admin, city_winter, _, county_winter = kaifeng_vacations
    school_vacation_delete(actor=admin, vacation_id=county_winter.pk)
    assert vacation_on("410212", D(2026, 1, 26)) == city_winter
    assert AuditEvent.objects.filter(action="calendar.vacation_delete", division_code="410212").exists()


def test_demo_step_enters_kaifeng_vacations_and_can_run_twice():
    PlatformAdminFactory(username="admin")
    for _ in range(2):
        demo_calendar(DemoContext(seed=2026, rng=random.Random(2026), out=io.StringIO()))
    rows = SchoolVacation.objects.filter(division_code="4102")
    assert rows.count() == 4
    assert all("演示数据" in row.note for row in rows)
    assert present(vacation_on("410202", D(2026, 2, 1))).kind == VacationKind.WINTER
    assert present(vacation_on("410212", D(2025, 8, 1))).kind == VacationKind.SUMMER
    assert vacation_on("410202", D(2026, 3, 2)) is None


# --- admin warning and dashboard card -------------------------------------------------------------------------


WARNING = "下一年度（2027）的法定节假日尚未录入"


@pytest.mark.parametrize("url_name", ["admin:core_calendarday_changelist", "admin:core_schoolvacation_changelist"])
def test_admin_warns_while_next_years_holidays_are_missing(client, monkeypatch, url_name):
    monkeypatch.setattr(cards, "next_year", lambda: 2027)
    client.force_login(PlatformAdminFactory())
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert WARNING in response.content.decode()

    calendar_day_set(actor=None, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    response = client.get(reverse(url_name))
    assert "法定节假日尚未录入" not in response.content.decode()


def test_admin_is_quiet_when_the_library_covers_next_year(client, monkeypatch):
    monkeypatch.setattr(cards, "next_year", lambda: 2026)
    client.force_login(PlatformAdminFactory())
    response = client.get(reverse("admin:core_calendarday_changelist"))
    assert "法定节假日尚未录入" not in response.content.decode()


def test_dashboard_card_for_platform_admins_only(monkeypatch):
    monkeypatch.setattr(cards, "next_year", lambda: 2027)
    admin_cards = [c for c in cards_for(make_admin()) if str(c.title) == "节假日设置"]
    assert len(admin_cards) == 1
    assert WARNING in str(admin_cards[0].note)
    assert admin_cards[0].url == reverse("admin:core_calendarday_changelist")
    assert not [c for c in cards_for(make_regulator()) if str(c.title) == "节假日设置"]


def test_admin_form_writes_through_the_service(client):
    client.force_login(PlatformAdminFactory())
    response = client.post(
        reverse("admin:core_calendarday_add"), {"date": "2027-02-08", "kind": "holiday", "name": "春节"}
    )
    assert response.status_code == 302
    assert is_national_holiday(D(2027, 2, 8))
    assert AuditEvent.objects.filter(action="calendar.day_set", object_id="2027-02-08").exists()


def test_admin_vacation_overlap_is_a_form_error_not_a_crash(client, kaifeng_vacations):
    client.force_login(PlatformAdminFactory())
    response = client.post(
        reverse("admin:core_schoolvacation_add"),
        {"division_code": "4102", "kind": "summer", "start": "2026-02-20", "end": "2026-03-10", "note": ""},
    )
    assert response.status_code == 200
    assert "重叠" in response.content.decode()
    assert SchoolVacation.objects.filter(division_code="4102").count() == 2


def test_admin_changes_an_entry_through_the_service(client):
    calendar_day_set(actor=None, date=D(2027, 2, 8), kind=DayKind.HOLIDAY, name="春节")
    assert is_rest_day(D(2027, 2, 8))
    client.force_login(make_admin())
    url = reverse("admin:core_calendarday_change", args=["2027-02-08"])
    response = client.post(url, {"kind": "workday", "name": "调休"})
    assert response.status_code == 302
    assert is_working_day(D(2027, 2, 8))
    event = AuditEvent.objects.filter(action="calendar.day_set").order_by("-seq").first()
    assert event is not None and event.before == {"kind": "holiday", "name": "春节"}


def test_admin_bulk_delete_goes_through_the_service(client):
    for day in (1, 2):
        calendar_day_set(actor=None, date=D(2027, 1, day), kind=DayKind.HOLIDAY, name="元旦")
    client.force_login(make_admin())
    response = client.post(
        reverse("admin:core_calendarday_changelist"),
        {"action": "delete_selected", "_selected_action": ["2027-01-01", "2027-01-02"], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert is_working_day(D(2027, 1, 1))
    assert AuditEvent.objects.filter(action="calendar.day_delete").count() == 2


def test_dashboard_shows_the_card_to_the_platform_admin(client, monkeypatch):
    monkeypatch.setattr(cards, "next_year", lambda: 2027)
    client.force_login(make_admin())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "2027年未录入" in response.content.decode()


def test_a_cache_outage_does_not_stop_calendar_questions(monkeypatch):
    assert not is_working_day(D(2025, 10, 1))

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(calendar.cache, "get", broken)
    monkeypatch.setattr(calendar.cache, "incr", broken)
    assert not is_working_day(D(2025, 10, 1))
    calendar.clear_cache()
    assert is_working_day(D(2025, 10, 9))  # loads from the database without the version
    calendar_day_set(actor=None, date=D(2027, 3, 1), kind=DayKind.HOLIDAY, name="测试")
    assert is_rest_day(D(2027, 3, 1))


def test_entering_the_same_thing_again_writes_no_audit_event():
    calendar_day_set(actor=None, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    calendar_day_set(actor=None, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name=" 元旦 ")
    vacation: dict[str, Any] = {
        "division_code": "4102",
        "kind": VacationKind.SUMMER,
        "start": D(2027, 7, 3),
        "end": D(2027, 8, 31),
    }
    school_vacation_set(actor=None, **vacation)
    school_vacation_set(actor=None, **vacation)
    assert AuditEvent.objects.filter(action="calendar.day_set").count() == 1
    assert AuditEvent.objects.filter(action="calendar.vacation_set").count() == 1
