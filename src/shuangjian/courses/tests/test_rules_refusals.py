"""Each course, class-group and session refusal in full: its code, field, basis and the numbers it names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from shuangjian.core.rules import Violation
from shuangjian.courses import rules
from shuangjian.courses.rules import (
    BASIS_LICENCE,
    BASIS_OPINION,
    BASIS_PREMISES,
    BASIS_PRICE,
    BASIS_SCOPE,
    ClassGroupFacts,
    CourseFacts,
    InstitutionFacts,
    SessionFacts,
    check_class_group,
    check_course,
    check_course_licence,
    check_course_price,
    check_course_shape,
    check_session,
    check_session_breaks,
    check_session_calendar,
    check_session_times,
    plain_calendar,
)

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = date(2026, 3, 4)
THURSDAY = date(2026, 3, 5)
SATURDAY = date(2026, 3, 7)
SUNDAY = date(2026, 3, 8)
NATIONAL_DAY = date(2026, 10, 1)
MAKEUP_SATURDAY = date(2026, 10, 10)  # 调休上班
WINTER = (date(2026, 1, 24), date(2026, 2, 28))
CAL = plain_calendar(
    holidays=[NATIONAL_DAY],
    workdays=[MAKEUP_SATURDAY],
    vacations=[("41", "summer", date(2026, 7, 11), date(2026, 8, 31)), ("4102", "winter", *WINTER)],
)
OPINION = str(BASIS_OPINION)


def at(d: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(d, time(h, m), tzinfo=TZ)


def session(start: datetime, end: datetime, fmt: str = "offline", category: str = "non_subject") -> SessionFacts:
    return SessionFacts(start, end, fmt, category, "410202")


# --- session times ---


def ends_late(fmt_label: str, code: str, latest: str, day: date, end: str) -> Violation:
    return Violation(
        code, f"{fmt_label}结束时间不得晚于 {latest}，本课次 {day.isoformat()} 结束于 {end}。", OPINION, "ends_at"
    )


def test_a_session_ending_as_it_starts_is_refused_alone() -> None:
    refusal = Violation("session.ends_before_start", "课次结束时间必须晚于开始时间。", "", "ends_at")
    assert check_session_times(session(at(WEDNESDAY, 22), at(WEDNESDAY, 22), "online_live")) == [refusal]
    assert check_session(session(at(WEDNESDAY, 22), at(WEDNESDAY, 21), category="subject"), CAL) == [refusal]
    # One minute is a session: no refusal of its length.
    assert check_session_times(session(at(WEDNESDAY, 19), at(WEDNESDAY, 19, 1))) == []


def test_late_endings_name_the_limit_the_day_and_the_minute() -> None:
    assert check_session_times(session(at(WEDNESDAY, 19), at(WEDNESDAY, 20, 31))) == [
        ends_late("线下培训", "session.offline_ends_late", "20:30", WEDNESDAY, "20:31")
    ]
    assert check_session_times(session(at(WEDNESDAY, 20, 40), at(WEDNESDAY, 21, 1), "online_live")) == [
        ends_late("线上直播培训", "session.online_ends_late", "21:00", WEDNESDAY, "21:01")
    ]


def test_a_session_ending_after_midnight_is_late_even_at_an_early_hour() -> None:
    assert check_session_times(session(at(WEDNESDAY, 20, 50), at(THURSDAY, 0, 10), "online_live")) == [
        ends_late("线上直播培训", "session.online_ends_late", "21:00", THURSDAY, "00:10"),
        Violation("session.online_too_long", "线上培训每课时不得超过 30 分钟，本课次 200 分钟。", OPINION, "ends_at"),
    ]


def test_recorded_lessons_have_no_end_time_but_the_length_limit() -> None:
    assert check_session_times(session(at(WEDNESDAY, 23), at(WEDNESDAY, 23, 30), "online_recorded")) == []
    assert check_session_times(session(at(WEDNESDAY, 23), at(WEDNESDAY, 23, 31), "online_recorded")) == [
        Violation("session.online_too_long", "线上培训每课时不得超过 30 分钟，本课次 31 分钟。", OPINION, "ends_at")
    ]


def test_an_online_lesson_thirty_minutes_and_a_second_is_refused_as_31_minutes() -> None:
    start = at(WEDNESDAY, 18)
    found = check_session_times(session(start, start + timedelta(minutes=30, seconds=1), "online_live"))
    assert found == [
        Violation("session.online_too_long", "线上培训每课时不得超过 30 分钟，本课次 31 分钟。", OPINION, "ends_at")
    ]
    assert check_session_times(session(at(WEDNESDAY, 9), at(WEDNESDAY, 12))) == []


# --- calendar ---


def on_holiday(day: date) -> Violation:
    return Violation(
        "session.subject_on_holiday",
        f"学科类培训不得在法定节假日开展：{day.isoformat()} 为法定节假日。",
        OPINION,
        "starts_at",
    )


def on_weekend(day: date) -> Violation:
    return Violation(
        "session.subject_on_weekend",
        f"学科类培训不得在休息日开展：{day.isoformat()} 为休息日（调休上班日除外）。",
        OPINION,
        "starts_at",
    )


def in_vacation(day: date, kind: str) -> Violation:
    return Violation(
        "session.subject_in_vacation",
        f"学科类培训不得在寒暑假开展：{day.isoformat()} 在本地中小学{kind}期间。",
        OPINION,
        "starts_at",
    )


def subject(start: datetime, end: datetime, division: str = "410202") -> SessionFacts:
    return SessionFacts(start, end, "offline", "subject", division)


def test_weekend_and_holiday_refusals_name_the_day() -> None:
    assert check_session_calendar(subject(at(SATURDAY, 9), at(SATURDAY, 10)), CAL) == [on_weekend(SATURDAY)]
    assert check_session_calendar(subject(at(SUNDAY, 9), at(SUNDAY, 10)), CAL) == [on_weekend(SUNDAY)]
    assert check_session_calendar(subject(at(NATIONAL_DAY, 9), at(NATIONAL_DAY, 10)), CAL) == [on_holiday(NATIONAL_DAY)]


def test_a_make_up_saturday_is_a_working_day_and_a_plain_friday_is_one() -> None:
    assert check_session_calendar(subject(at(MAKEUP_SATURDAY, 9), at(MAKEUP_SATURDAY, 10)), CAL) == []
    friday = SATURDAY - timedelta(days=1)
    assert check_session_calendar(subject(at(friday, 18), at(friday, 19)), CAL) == []
    assert CAL.is_rest_day(MAKEUP_SATURDAY) is False
    assert CAL.is_rest_day(friday) is False
    assert CAL.is_rest_day(SATURDAY) is True


def test_a_session_over_midnight_into_the_weekend_is_refused_for_the_saturday() -> None:
    friday = SATURDAY - timedelta(days=1)
    assert check_session_calendar(subject(at(friday, 23), at(SATURDAY, 0, 30)), CAL) == [on_weekend(SATURDAY)]
    # Ending exactly at midnight touches only the Friday.
    assert check_session_calendar(subject(at(friday, 23), at(SATURDAY, 0, 0)), CAL) == []


def test_vacations_name_their_kind_and_the_first_and_last_day_count() -> None:
    first, last = WINTER
    assert check_session_calendar(subject(at(last, 9), at(last, 10)), CAL) == [
        on_weekend(last),
        in_vacation(last, "寒假"),
    ]
    monday = first + timedelta(days=2)
    assert check_session_calendar(subject(at(monday, 9), at(monday, 10)), CAL) == [in_vacation(monday, "寒假")]
    # The winter vacation is only 4102's; the summer one all of 41.
    assert check_session_calendar(subject(at(monday, 9), at(monday, 10), "410302"), CAL) == []
    july_13 = date(2026, 7, 13)
    assert check_session_calendar(subject(at(july_13, 9), at(july_13, 10), "410302"), CAL) == [
        in_vacation(july_13, "暑假")
    ]
    after = last + timedelta(days=2)  # Monday 2 March
    assert check_session_calendar(subject(at(after, 9), at(after, 10)), CAL) == []
    assert CAL.vacation_on("4102", first) == "winter"
    assert CAL.vacation_on("4102", first - timedelta(days=1)) is None


def test_a_holiday_in_a_vacation_is_refused_for_both() -> None:
    cal = plain_calendar(
        holidays=[date(2026, 8, 3)], vacations=[("41", "summer", date(2026, 7, 11), date(2026, 8, 31))]
    )
    day = date(2026, 8, 3)
    assert check_session_calendar(subject(at(day, 9), at(day, 10)), cal) == [
        on_holiday(day),
        in_vacation(day, "暑假"),
    ]
    assert cal.is_national_holiday(day) and not cal.is_national_holiday(day + timedelta(days=1))


# --- breaks and overlaps ---


def overlaps(other: datetime, other_end: str) -> Violation:
    return Violation(
        "session.overlaps",
        f"与本班 {other.strftime('%Y-%m-%d %H:%M')}–{other_end} 的课次时间重叠。",
        "",
        "starts_at",
    )


def break_short(other: datetime, other_end: str) -> Violation:
    return Violation(
        "session.online_break_too_short",
        f"线上培训课程间隔不得少于 10 分钟：与 {other.strftime('%Y-%m-%d %H:%M')}–{other_end} 的课次间隔不足。",
        OPINION,
        "starts_at",
    )


def test_sessions_of_one_class_that_touch_at_1930_do_not_overlap() -> None:
    first = (at(WEDNESDAY, 18, 45), at(WEDNESDAY, 19, 30))
    assert check_session_breaks(session(at(WEDNESDAY, 19, 30), at(WEDNESDAY, 20, 15)), [first]) == []
    before = (at(WEDNESDAY, 19, 30), at(WEDNESDAY, 20, 15))
    assert check_session_breaks(session(at(WEDNESDAY, 18, 45), at(WEDNESDAY, 19, 30)), [before]) == []
    # One minute more either way is an overlap, named by the other session's times.
    assert check_session_breaks(session(at(WEDNESDAY, 19, 29), at(WEDNESDAY, 20, 15)), [first]) == [
        overlaps(at(WEDNESDAY, 18, 45), "19:30")
    ]
    assert check_session_breaks(session(at(WEDNESDAY, 18, 45), at(WEDNESDAY, 19, 31)), [before]) == [
        overlaps(at(WEDNESDAY, 19, 30), "20:15")
    ]


def test_every_neighbour_is_checked_not_only_the_first() -> None:
    proposed = session(at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30), "online_live")
    neighbours = [
        (at(WEDNESDAY, 16), at(WEDNESDAY, 16, 30)),  # far away
        (at(WEDNESDAY, 18, 35), at(WEDNESDAY, 19, 5)),  # 5 minutes after
        (at(WEDNESDAY, 17, 25), at(WEDNESDAY, 17, 55)),  # 5 minutes before
        (at(WEDNESDAY, 18, 20), at(WEDNESDAY, 18, 50)),  # overlaps
        (at(WEDNESDAY, 18, 40), at(WEDNESDAY, 19, 10)),  # exactly ten minutes after
        (at(WEDNESDAY, 17, 20), at(WEDNESDAY, 17, 50)),  # exactly ten minutes before
    ]
    assert check_session_breaks(proposed, neighbours) == [
        break_short(at(WEDNESDAY, 18, 35), "19:05"),
        break_short(at(WEDNESDAY, 17, 25), "17:55"),
        overlaps(at(WEDNESDAY, 18, 20), "18:50"),
    ]


def test_a_break_of_nine_minutes_before_or_after_is_refused_ten_is_not() -> None:
    proposed = session(at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30), "online_recorded")
    assert check_session_breaks(proposed, [(at(WEDNESDAY, 18, 39), at(WEDNESDAY, 19))]) == [
        break_short(at(WEDNESDAY, 18, 39), "19:00")
    ]
    assert check_session_breaks(proposed, [(at(WEDNESDAY, 17, 30), at(WEDNESDAY, 17, 51))]) == [
        break_short(at(WEDNESDAY, 17, 30), "17:51")
    ]
    assert check_session_breaks(proposed, [(at(WEDNESDAY, 17, 30), at(WEDNESDAY, 17, 50))]) == []


def test_breaks_are_checked_in_local_time_for_utc_neighbours() -> None:
    utc = ZoneInfo("UTC")
    proposed = session(at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30), "online_live")
    other = (at(WEDNESDAY, 18, 35).astimezone(utc), at(WEDNESDAY, 19).astimezone(utc))
    assert check_session_breaks(proposed, [other]) == [break_short(at(WEDNESDAY, 18, 35), "19:00")]
    # Early morning in Shanghai is the previous day in UTC: still the same local day.
    early = session(at(WEDNESDAY, 7), at(WEDNESDAY, 7, 30), "online_live")
    neighbour = (at(WEDNESDAY, 7, 35).astimezone(utc), at(WEDNESDAY, 8).astimezone(utc))
    assert check_session_breaks(early, [neighbour]) == [break_short(at(WEDNESDAY, 7, 35), "08:00")]


def test_check_session_runs_every_rule_in_local_time() -> None:
    utc = ZoneInfo("UTC")
    late = SessionFacts(
        at(SATURDAY, 20, 15).astimezone(utc), at(SATURDAY, 20, 45).astimezone(utc), "online_live", "subject", "410202"
    )
    neighbours = [(at(SATURDAY, 19, 40).astimezone(utc), at(SATURDAY, 20, 10).astimezone(utc))]
    assert check_session(late, CAL, neighbours) == [on_weekend(SATURDAY), break_short(at(SATURDAY, 19, 40), "20:10")]
    assert check_session(session(at(WEDNESDAY, 19), at(WEDNESDAY, 20)), CAL) == []


# --- course price ---


def course(**kw: Any) -> CourseFacts:
    base: dict[str, Any] = {
        "category": "subject",
        "subject": "math",
        "field": "",
        "format": "offline",
        "lesson_minutes": 45,
        "price_per_lesson_fen": 11000,
        "class_size_tier": "small",
        "division_code": "410202",
        "subject_label": "数学",
    }
    base.update(kw)
    return CourseFacts(**base)


def above_ceiling(price: str, ceiling: str, benchmark: str, percent: int, standard: int, minutes: int) -> Violation:
    return Violation(
        "course.price_above_ceiling",
        f"每课时 {price} 元超过政府指导价上限 {ceiling} 元（基准价每标准课时 {benchmark} 元 × {percent}%，"
        f"标准课时 {standard} 分钟，本课程每课时 {minutes} 分钟）。",
        str(BASIS_PRICE) + "（政府指导价仅适用于学科类培训）",
        "price_per_lesson_fen",
    )


def test_a_price_one_fen_above_the_ceiling_names_price_ceiling_benchmark_and_lesson() -> None:
    assert check_course_price(course(price_per_lesson_fen=11001), 10000) == [
        above_ceiling("110.01", "110.00", "100.00", 110, 45, 45)
    ]
    assert check_course_price(course(format="online_live", lesson_minutes=20, price_per_lesson_fen=3668), 5000) == [
        above_ceiling("36.68", "36.66", "50.00", 110, 30, 20)
    ]


def test_the_ceiling_rounds_down_to_the_fen() -> None:
    # 100 yuan x 110 % for 50 minutes of a 45-minute standard: 12222.2 fen, so 122.22 yuan is the most.
    assert rules.price_ceiling_fen(50, "offline", 10000) == 12222
    assert check_course_price(course(lesson_minutes=50, price_per_lesson_fen=12222), 10000) == []
    assert check_course_price(course(lesson_minutes=50, price_per_lesson_fen=12223), 10000) == [
        above_ceiling("122.23", "122.22", "100.00", 110, 45, 50)
    ]
    assert rules.price_per_standard_lesson_exceeds(12223, 50, "offline", 10000) is True
    assert rules.price_per_standard_lesson_exceeds(12222, 50, "offline", 10000) is False


@override_settings(COURSES_PRICE_CEILING_PERCENT=120, COURSES_STANDARD_LESSON_MINUTES_OFFLINE=40)
def test_the_ceiling_and_the_standard_lesson_are_read_from_settings() -> None:
    assert rules.price_ceiling_percent() == 120
    assert rules.standard_lesson_minutes("offline") == 40
    assert check_course_price(course(lesson_minutes=40, price_per_lesson_fen=12001), 10000) == [
        above_ceiling("120.01", "120.00", "100.00", 120, 40, 40)
    ]


def test_a_recorded_course_is_priced_as_online() -> None:
    assert rules.format_kind("online_recorded") == "online"
    assert rules.format_kind("offline") == "offline"
    assert rules.standard_lesson_minutes("online") == 30
    assert rules.price_ceiling_fen(30, "online_recorded", 5000) == 5500


def test_no_price_check_without_lesson_minutes() -> None:
    assert check_course_price(course(lesson_minutes=0, price_per_lesson_fen=10**8), 1) == []
    assert check_course_price(course(lesson_minutes=1, price_per_lesson_fen=10**8), 1) != []


# --- course shape and licence ---


def test_shape_refusals_in_full() -> None:
    assert check_course_shape(course(format="online_live", lesson_minutes=31)) == [
        Violation(
            "course.online_lesson_too_long",
            "线上培训每课时不得超过 30 分钟，本课程每课时 31 分钟。",
            OPINION,
            "lesson_minutes",
        )
    ]
    assert check_course_shape(course(format="online_recorded", lesson_minutes=30)) == []
    assert check_course_shape(course(format="offline", lesson_minutes=120)) == []
    assert check_course_shape(course(subject="")) == [
        Violation("course.subject_missing", "学科类课程须注明学科。", str(BASIS_SCOPE), "subject")
    ]
    assert check_course_shape(course(category="non_subject", subject="", field="")) == [
        Violation("course.field_missing", "非学科类课程须注明领域。", str(BASIS_SCOPE), "field")
    ]
    assert check_course_shape(course(category="non_subject", subject="", field="arts")) == []


ACTIVE_SUBJECT = InstitutionFacts("active", "subject", "", ("math", "english"))
ACTIVE_ARTS = InstitutionFacts("active", "non_subject", "arts", ())


def not_licensed(label: str) -> Violation:
    return Violation(
        "course.subject_not_licensed",
        f"办学许可证未核准该学科（{label}）的学科类培训。",
        str(BASIS_LICENCE),
        "subject",
    )


def test_licence_refusals_in_full() -> None:
    assert check_course_licence(course(), ACTIVE_SUBJECT) == []
    assert check_course_licence(course(), InstitutionFacts("suspended", "subject", "", ("math",))) == [
        Violation("course.institution_not_active", "机构不在正常办学状态，不得开设课程。", str(BASIS_LICENCE), "")
    ]
    assert check_course_licence(course(subject="physics", subject_label="物理"), ACTIVE_SUBJECT) == [
        not_licensed("物理")
    ]
    assert check_course_licence(course(subject="physics", subject_label=""), ACTIVE_SUBJECT) == [
        not_licensed("physics")
    ]
    assert check_course_licence(course(subject="", subject_label=""), ACTIVE_SUBJECT) == [not_licensed("—")]
    # A subject-type institution licensed for maths cannot run a non-subject course, even with a matching field.
    assert check_course_licence(course(), InstitutionFacts("active", "non_subject", "", ("math",))) == [
        not_licensed("数学")
    ]
    field_refusal = Violation(
        "course.field_not_licensed", "该非学科类课程的领域与机构核准的培训领域不符。", str(BASIS_LICENCE), "field"
    )
    arts = course(category="non_subject", subject="", field="arts")
    assert check_course_licence(arts, ACTIVE_ARTS) == []
    assert check_course_licence(arts, InstitutionFacts("active", "subject", "arts", ())) == [field_refusal]
    assert check_course_licence(course(category="non_subject", field="sports"), ACTIVE_ARTS) == [field_refusal]


def test_check_course_lists_shape_licence_and_price_in_that_order() -> None:
    bad = course(format="online_live", lesson_minutes=31, subject="physics", subject_label="物理")
    found = check_course(bad, ACTIVE_SUBJECT, 5000)
    assert [v.code for v in found] == [
        "course.online_lesson_too_long",
        "course.subject_not_licensed",
        "course.price_above_ceiling",
    ]


# --- class size tiers and class groups ---


def test_tier_limits_and_labels_follow_the_settings() -> None:
    assert rules.class_size_tier_max("small") == 9
    assert rules.class_size_tier_max("medium") == 35
    assert rules.class_size_tier_max("large") is None
    assert rules.class_size_tier_choices() == [
        ("small", "10 人以下"),
        ("medium", "10–35 人"),
        ("large", "35 人以上"),
    ]
    with override_settings(COURSES_CLASS_SIZE_SMALL_BELOW=12, COURSES_CLASS_SIZE_LARGE_ABOVE=40):
        assert rules.class_size_tier_max("small") == 11
        assert rules.class_size_tier_max("medium") == 40
        assert [label for _, label in rules.class_size_tier_choices()] == ["12 人以下", "12–40 人", "40 人以上"]


def group(**kw: Any) -> ClassGroupFacts:
    base: dict[str, Any] = {
        "capacity": 9,
        "enrolled_count": 9,
        "class_size_tier": "small",
        "course_format": "offline",
        "site_capacity": 9,
    }
    base.update(kw)
    return ClassGroupFacts(**base)


def test_a_class_at_every_limit_at_once_passes() -> None:
    assert check_class_group(group()) == []
    assert check_class_group(group(capacity=35, enrolled_count=35, class_size_tier="medium", site_capacity=35)) == []
    assert check_class_group(group(capacity=500, class_size_tier="large", site_capacity=500)) == []


def test_class_group_refusals_in_full() -> None:
    assert check_class_group(group(site_capacity=None)) == [
        Violation("class_group.site_required", "线下班级须指定本机构已登记的教学点。", str(BASIS_PREMISES), "site")
    ]
    assert check_class_group(group(capacity=9, site_capacity=8, enrolled_count=0)) == [
        Violation(
            "class_group.capacity_over_site",
            "班额 9 人超过教学点可容纳人数 8 人（按人均使用面积核定）。",
            str(BASIS_PREMISES),
            "capacity",
        )
    ]
    assert check_class_group(group(site_belongs_to_institution=False)) == [
        Violation("class_group.site_not_own", "教学点不属于本机构。", str(BASIS_LICENCE), "site")
    ]
    assert check_class_group(group(capacity=36, class_size_tier="medium", site_capacity=40, enrolled_count=0)) == [
        Violation(
            "class_group.capacity_over_tier",
            "班额 36 人超出课程申报的班额档次上限 35 人，须按相应班额档次定价。",
            str(BASIS_PRICE),
            "capacity",
        )
    ]
    assert check_class_group(group(enrolled_count=10, capacity=9)) == [
        Violation(
            "class_group.enrolled_over_capacity",
            "已报名人数 10 人超过班额 9 人。",
            str(BASIS_PREMISES),
            "capacity",
        )
    ]


@pytest.mark.parametrize("fmt", ["online_live", "online_recorded"])
def test_online_classes_need_no_site_but_keep_their_tier(fmt: str) -> None:
    assert check_class_group(group(course_format=fmt, site_capacity=None)) == []
    assert [v.code for v in check_class_group(group(course_format=fmt, site_capacity=None, capacity=10))] == [
        "class_group.capacity_over_tier"
    ]


# --- the calendar the rules are given, and where the session rules stop early ---


def test_plain_calendar_weekends_holidays_make_up_days_and_vacation_edges() -> None:
    # Built inside the test (a module-level calendar is built before any test runs).
    friday = SATURDAY - timedelta(days=1)
    cal = plain_calendar(holidays=[NATIONAL_DAY], workdays=[MAKEUP_SATURDAY], vacations=[("4102", "winter", *WINTER)])
    assert cal.is_rest_day(SATURDAY) and cal.is_rest_day(SUNDAY)
    assert cal.is_rest_day(NATIONAL_DAY)  # a Thursday
    assert not cal.is_rest_day(friday)
    assert not cal.is_rest_day(MAKEUP_SATURDAY)
    assert cal.is_national_holiday(NATIONAL_DAY) and not cal.is_national_holiday(SATURDAY)
    first, last = WINTER
    assert cal.vacation_on("410202", first) == "winter"
    assert cal.vacation_on("410202", last) == "winter"
    assert cal.vacation_on("410202", first - timedelta(days=1)) is None
    assert cal.vacation_on("410202", last + timedelta(days=1)) is None
    assert cal.vacation_on("140105", first) is None


def test_a_session_touching_saturday_by_a_microsecond_is_refused_for_it() -> None:
    friday = SATURDAY - timedelta(days=1)
    end = at(SATURDAY, 0) + timedelta(microseconds=1)
    assert check_session_calendar(subject(at(friday, 23), end), CAL) == [on_weekend(SATURDAY)]
    # A session given without length is judged on its start day.
    assert check_session_calendar(subject(at(SATURDAY, 0), at(SATURDAY, 0)), CAL) == [on_weekend(SATURDAY)]


def test_a_session_ending_before_it_starts_is_not_judged_on_its_day() -> None:
    refusal = Violation("session.ends_before_start", "课次结束时间必须晚于开始时间。", "", "ends_at")
    neighbours = [(at(SATURDAY, 8), at(SATURDAY, 12))]
    assert check_session(subject(at(SATURDAY, 10), at(SATURDAY, 9)), CAL, neighbours) == [refusal]


def test_an_overlap_or_another_day_does_not_stop_the_check_of_later_neighbours() -> None:
    proposed = session(at(WEDNESDAY, 18), at(WEDNESDAY, 18, 30), "online_live")
    neighbours = [
        (at(THURSDAY, 18, 35), at(THURSDAY, 19, 5)),  # the next day: no break needed
        (at(WEDNESDAY, 18, 20), at(WEDNESDAY, 18, 50)),  # overlaps
        (at(WEDNESDAY, 18, 35), at(WEDNESDAY, 19, 5)),  # five minutes after
    ]
    assert check_session_breaks(proposed, neighbours) == [
        overlaps(at(WEDNESDAY, 18, 20), "18:50"),
        break_short(at(WEDNESDAY, 18, 35), "19:05"),
    ]


@override_settings(COURSES_CLASS_SIZE_SMALL_BELOW=1, COURSES_CLASS_SIZE_LARGE_ABOVE=1)
def test_tier_labels_for_one_person() -> None:
    assert [label for _, label in rules.class_size_tier_choices()] == ["1 人以下", "1–1 人", "1 人以上"]
