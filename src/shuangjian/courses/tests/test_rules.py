"""The rules at their edges: end times, online lengths and breaks, the calendar, the price ceiling."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.courses import rules
from shuangjian.courses.rules import (
    ClassGroupFacts,
    CourseFacts,
    InstitutionFacts,
    SessionFacts,
    check_class_group,
    check_course,
    check_course_price,
    check_session,
    check_session_breaks,
    check_session_calendar,
    check_session_times,
    plain_calendar,
)
from shuangjian.registry.rules import site_capacity
from shuangjian.staff import rules as staff_rules
from shuangjian.staff.rules import CertificateFacts, PersonFacts

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = date(2026, 3, 4)
NATIONAL_DAY = date(2026, 10, 1)
MAKEUP_SATURDAY = date(2026, 10, 10)  # 调休上班
SUMMER_START = date(2026, 7, 11)
CAL = plain_calendar(
    holidays=[NATIONAL_DAY + timedelta(days=i) for i in range(7)],
    workdays=[MAKEUP_SATURDAY],
    vacations=[("41", "summer", SUMMER_START, date(2026, 8, 31))],
)


def at(d: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(d, time(h, m), tzinfo=TZ)


def session(start: datetime, end: datetime, fmt: str = "offline", category: str = "non_subject") -> SessionFacts:
    return SessionFacts(start, end, fmt, category, "410202")


def codes(violations) -> list[str]:
    return [v.code for v in violations]


# --- end times ---


def test_offline_ending_at_2030_exactly_is_allowed_2031_is_not():
    assert check_session_times(session(at(WEDNESDAY, 19), at(WEDNESDAY, 20, 30))) == []
    found = check_session_times(session(at(WEDNESDAY, 19), at(WEDNESDAY, 20, 31)))
    assert codes(found) == ["session.offline_ends_late"]
    assert "20:30" in found[0].message and "20:31" in found[0].message
    assert "第十三条" in found[0].basis


def test_online_live_until_2100_is_allowed_2101_is_not():
    assert check_session_times(session(at(WEDNESDAY, 20, 30), at(WEDNESDAY, 21), "online_live")) == []
    found = check_session_times(session(at(WEDNESDAY, 20, 35), at(WEDNESDAY, 21, 1), "online_live"))
    assert codes(found) == ["session.online_ends_late"]


def test_times_compare_in_local_time_even_for_utc_datetimes():
    utc_end = at(WEDNESDAY, 20, 45).astimezone(ZoneInfo("UTC"))  # 12:45 UTC
    found = check_session_times(session(at(WEDNESDAY, 19), utc_end))
    assert codes(found) == ["session.offline_ends_late"]


def test_session_past_midnight_ends_late():
    found = check_session_times(session(at(WEDNESDAY, 19), at(WEDNESDAY + timedelta(days=1), 0, 10)))
    assert codes(found) == ["session.offline_ends_late"]


@settings(max_examples=200)
@given(end_minute=st.integers(min_value=0, max_value=23 * 60 + 59), fmt=st.sampled_from(["offline", "online_live"]))
def test_end_time_rule_is_exactly_the_limit(end_minute: int, fmt: str):
    end = at(WEDNESDAY, end_minute // 60, end_minute % 60)
    start = end - timedelta(minutes=20)
    if start.date() != WEDNESDAY:
        return
    limit = 20 * 60 + 30 if fmt == "offline" else 21 * 60
    late = any(v.code.endswith("_ends_late") for v in check_session_times(session(start, end, fmt)))
    assert late == (end_minute > limit)


# --- online length and breaks ---


@settings(max_examples=100)
@given(minutes=st.integers(min_value=1, max_value=120))
def test_online_lesson_length_at_30_minutes(minutes: int):
    start = at(WEDNESDAY, 18)
    found = check_session_times(session(start, start + timedelta(minutes=minutes), "online_live"))
    assert ("session.online_too_long" in codes(found)) == (minutes > 30)


@settings(max_examples=100)
@given(gap=st.integers(min_value=-40, max_value=60))
def test_online_break_of_ten_minutes(gap: int):
    first = (at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30))
    start = first[1] + timedelta(minutes=gap)
    proposed = session(start, start + timedelta(minutes=30), "online_live")
    found = check_session_breaks(proposed, [first])
    assert bool(found) == (gap < 10)
    if found:
        expected = "session.overlaps" if gap < 0 else "session.online_break_too_short"
        assert codes(found) == [expected]


def test_breaks_ignore_offline_and_other_days_but_overlaps_never_pass():
    first = (at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30))
    assert check_session_breaks(session(at(WEDNESDAY, 18, 30), at(WEDNESDAY, 19), "offline"), [first]) == []
    overlap = check_session_breaks(session(at(WEDNESDAY, 18, 15), at(WEDNESDAY, 19), "offline"), [first])
    assert codes(overlap) == ["session.overlaps"]
    next_day = WEDNESDAY + timedelta(days=1)
    assert check_session_breaks(session(at(next_day, 18, 30), at(next_day, 19), "online_live"), [first]) == []


# --- calendar ---


def test_subject_session_on_a_wednesday_is_fine_and_on_saturday_is_not():
    assert check_session_calendar(session(at(WEDNESDAY, 18), at(WEDNESDAY, 19), category="subject"), CAL) == []
    saturday = WEDNESDAY + timedelta(days=3)
    found = check_session_calendar(session(at(saturday, 9), at(saturday, 10), category="subject"), CAL)
    assert codes(found) == ["session.subject_on_weekend"]


def test_subject_session_on_a_national_holiday_is_refused():
    found = check_session_calendar(session(at(NATIONAL_DAY, 9), at(NATIONAL_DAY, 10), category="subject"), CAL)
    assert codes(found) == ["session.subject_on_holiday"]
    assert "2026-10-01" in found[0].message


def test_make_up_workday_counts_as_a_working_day():
    found = check_session_calendar(session(at(MAKEUP_SATURDAY, 18), at(MAKEUP_SATURDAY, 19), category="subject"), CAL)
    assert found == []


def test_first_day_of_summer_vacation_is_refused_the_day_before_is_not():
    before = SUMMER_START - timedelta(days=1)  # a Friday
    assert check_session_calendar(session(at(before, 18), at(before, 19), category="subject"), CAL) == []
    monday = SUMMER_START + timedelta(days=2)
    found = check_session_calendar(session(at(monday, 18), at(monday, 19), category="subject"), CAL)
    assert codes(found) == ["session.subject_in_vacation"]
    first = check_session_calendar(session(at(SUMMER_START, 9), at(SUMMER_START, 10), category="subject"), CAL)
    assert "session.subject_in_vacation" in codes(first)


def test_vacations_apply_by_division_prefix():
    monday = SUMMER_START + timedelta(days=2)
    other_province = SessionFacts(at(monday, 18), at(monday, 19), "offline", "subject", "140105")
    assert check_session_calendar(other_province, CAL) == []


def test_non_subject_sessions_may_run_on_holidays_and_vacations():
    assert check_session_calendar(session(at(NATIONAL_DAY, 9), at(NATIONAL_DAY, 10)), CAL) == []


@settings(max_examples=150)
@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
def test_subject_calendar_rule_matches_the_calendar(day: date):
    found = check_session_calendar(session(at(day, 18), at(day, 19), category="subject"), CAL)
    expected_blocked = CAL.is_rest_day(day) or CAL.is_national_holiday(day) or CAL.vacation_on("410202", day)
    assert bool(found) == bool(expected_blocked)


def test_check_session_collects_every_violation():
    found = check_session(session(at(NATIONAL_DAY, 20), at(NATIONAL_DAY, 20, 45), category="subject"), CAL)
    assert set(codes(found)) == {"session.offline_ends_late", "session.subject_on_holiday"}


def test_end_before_start_is_one_violation():
    assert codes(check_session(session(at(WEDNESDAY, 19), at(WEDNESDAY, 18)), CAL)) == ["session.ends_before_start"]


# --- price ---


def course(**kw) -> CourseFacts:
    base: dict[str, Any] = dict(
        category="subject",
        subject="math",
        field="",
        format="offline",
        lesson_minutes=45,
        price_per_lesson_fen=11000,
        class_size_tier="small",
        division_code="410202",
    )
    base.update(kw)
    return CourseFacts(**base)


def test_price_at_ceiling_is_allowed_one_fen_more_is_not():
    assert check_course_price(course(price_per_lesson_fen=11000), 10000) == []
    found = check_course_price(course(price_per_lesson_fen=11001), 10000)
    assert codes(found) == ["course.price_above_ceiling"]
    assert "1482" in found[0].basis and "学科类" in found[0].basis
    assert "110.00" in found[0].message


def test_price_is_normalised_to_the_standard_lesson():
    # 90 minutes offline = 2 standard lessons: 220 yuan is at the ceiling of a 100-yuan benchmark.
    assert check_course_price(course(lesson_minutes=90, price_per_lesson_fen=22000), 10000) == []
    assert check_course_price(course(lesson_minutes=90, price_per_lesson_fen=22001), 10000) != []
    # Online standard lesson is 30 minutes.
    assert check_course_price(course(format="online_live", lesson_minutes=30, price_per_lesson_fen=5500), 5000) == []
    assert check_course_price(course(format="online_live", lesson_minutes=30, price_per_lesson_fen=5501), 5000) != []


@settings(max_examples=200)
@given(
    benchmark=st.integers(min_value=1, max_value=100_000),
    minutes=st.integers(min_value=1, max_value=240),
    fmt=st.sampled_from(["offline", "online_live"]),
)
def test_ceiling_is_the_largest_allowed_price(benchmark: int, minutes: int, fmt: str):
    ceiling = rules.price_ceiling_fen(minutes, fmt, benchmark)
    assert check_course_price(course(format=fmt, lesson_minutes=minutes, price_per_lesson_fen=ceiling), benchmark) == []
    over = course(format=fmt, lesson_minutes=minutes, price_per_lesson_fen=ceiling + 1)
    assert codes(check_course_price(over, benchmark)) == ["course.price_above_ceiling"]


def test_non_subject_courses_and_missing_benchmarks_are_not_price_checked():
    assert (
        check_course_price(course(category="non_subject", subject="", field="arts", price_per_lesson_fen=10**8), 1)
        == []
    )
    assert check_course_price(course(price_per_lesson_fen=10**8), None) == []


# --- course shape and licence ---

ACTIVE_SUBJECT = InstitutionFacts("active", "subject", "", ("math", "english"))
ACTIVE_ARTS = InstitutionFacts("active", "non_subject", "arts", ())


def test_course_within_licence_has_no_violations():
    assert check_course(course(), ACTIVE_SUBJECT, 10000) == []
    assert check_course(course(category="non_subject", subject="", field="arts"), ACTIVE_ARTS, None) == []


def test_subject_not_on_licence():
    found = check_course(course(subject="physics"), ACTIVE_SUBJECT, None)
    assert codes(found) == ["course.subject_not_licensed"]
    assert "许可证" in found[0].basis


def test_subject_course_at_a_non_subject_institution_and_field_mismatch():
    assert codes(check_course(course(), ACTIVE_ARTS, None)) == ["course.subject_not_licensed"]
    wrong_field = course(category="non_subject", subject="", field="sports")
    assert codes(check_course(wrong_field, ACTIVE_ARTS, None)) == ["course.field_not_licensed"]


def test_inactive_institution_and_missing_subject_and_long_online_lessons():
    suspended = InstitutionFacts("suspended", "subject", "", ("math",))
    assert codes(check_course(course(), suspended, None)) == ["course.institution_not_active"]
    assert "course.subject_missing" in codes(check_course(course(subject=""), ACTIVE_SUBJECT, None))
    nofield = course(category="non_subject", subject="", field="")
    assert "course.field_missing" in codes(check_course(nofield, ACTIVE_ARTS, None))
    long_online = course(format="online_live", lesson_minutes=40, price_per_lesson_fen=1)
    assert codes(check_course(long_online, ACTIVE_SUBJECT, None)) == ["course.online_lesson_too_long"]


def test_every_violation_lists_every_broken_rule():
    bad = course(format="online_live", lesson_minutes=60, subject="physics", price_per_lesson_fen=10**6)
    found = check_course(bad, InstitutionFacts("revoked", "subject", "", ("math",)), 5000)
    assert set(codes(found)) == {
        "course.online_lesson_too_long",
        "course.institution_not_active",
        "course.subject_not_licensed",
        "course.price_above_ceiling",
    }
    assert all(v.basis and v.message for v in found)


# --- class groups ---


def group(**kw) -> ClassGroupFacts:
    base: dict[str, Any] = dict(capacity=9, enrolled_count=0, class_size_tier="small", course_format="offline")
    base["site_capacity"] = 40
    base.update(kw)
    return ClassGroupFacts(**base)


@settings(max_examples=100)
@given(area=st.integers(min_value=30, max_value=600), capacity=st.integers(min_value=1, max_value=200))
def test_capacity_against_site_area(area: int, capacity: int):
    cap = site_capacity(Decimal(area))
    found = check_class_group(group(capacity=capacity, class_size_tier="large", site_capacity=cap))
    assert ("class_group.capacity_over_site" in codes(found)) == (capacity * 3 > area)


def test_class_group_codes():
    assert check_class_group(group()) == []
    assert codes(check_class_group(group(site_capacity=None))) == ["class_group.site_required"]
    assert check_class_group(group(course_format="online_live", site_capacity=None)) == []
    assert codes(check_class_group(group(capacity=10))) == ["class_group.capacity_over_tier"]
    assert codes(check_class_group(group(capacity=36, class_size_tier="medium"))) == ["class_group.capacity_over_tier"]
    assert codes(check_class_group(group(enrolled_count=10))) == ["class_group.enrolled_over_capacity"]
    assert codes(check_class_group(group(site_belongs_to_institution=False))) == ["class_group.site_not_own"]
    over_site = check_class_group(
        group(capacity=40, class_size_tier="large", site_capacity=site_capacity(Decimal("100")))
    )
    assert codes(over_site) == ["class_group.capacity_over_site"]
    assert "33" in over_site[0].message and "人均使用面积" in over_site[0].basis


# --- staff rules ---


def test_staff_rules_every_code_with_basis():
    math_cert = CertificateFacts("teacher", "math", "20234100000001")
    ok = PersonFacts("王老师", certificates=(math_cert,))
    assert staff_rules.check_trainer(ok, "subject", "math", "") == []
    found = staff_rules.check_trainer(ok, "subject", "physics", "")
    assert codes(found) == ["staff.no_matching_teacher_certificate"]
    assert "教师资格" in found[0].basis and "王老师" in found[0].message
    assert codes(staff_rules.check_trainer(PersonFacts("李"), "non_subject", "", "arts")) == [
        "staff.no_professional_certificate"
    ]
    artist = PersonFacts("赵", certificates=(CertificateFacts("professional", "arts"),))
    assert staff_rules.check_trainer(artist, "non_subject", "", "arts") == []
    bad = PersonFacts("周", is_in_service_teacher=True, is_blacklisted=True, certificates=(math_cert,))
    found = staff_rules.check_trainer(bad, "subject", "math", "")
    assert codes(found) == ["staff.in_service_teacher", "staff.blacklisted"]
    assert "第十三条" in found[0].basis and "第53号" in found[1].basis
