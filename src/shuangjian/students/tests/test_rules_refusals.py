"""Every refusal of the enrolment, timetable and attendance rules, at its edge, with the code, field and numbers."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.core.rules import Violation
from shuangjian.students.rules import (
    BASIS_ATTENDANCE,
    BASIS_CAPACITY,
    BASIS_CONTRACT,
    BASIS_PRICE,
    BASIS_SCHEDULE,
    MAX_TOTAL_FEE_FEN,
    Interval,
    attendance_violations,
    enrolment_violations,
    overlapping_pairs,
    schedule_violations,
)

START = datetime.date(2026, 3, 1)
NOW = datetime.datetime(2026, 3, 1, 19, 30, tzinfo=datetime.UTC)

GOOD_ENROLMENT = {
    "class_group_is_own": True,
    "course_is_active": True,
    "capacity": 20,
    "enrolled_count": 19,
    "course_price_fen": 15_000,
    "price_per_lesson_fen": 15_000,
    "lessons_bought": 10,
    "start_date": START,
    "end_date": START,
    "already_enrolled": False,
    "identity_given": True,
    "identity_matches": True,
}

GOOD_ATTENDANCE = {
    "session_in_class_group": True,
    "session_cancelled": False,
    "session_starts_at": NOW,
    "now": NOW,
    "enrolment_active": True,
    "present": True,
    "was_present": None,
    "present_count": 9,
    "lessons_bought": 10,
}


def enrol(**changes: object) -> list[Violation]:
    return enrolment_violations(**{**GOOD_ENROLMENT, **changes})  # type: ignore[arg-type]


def attend(**changes: object) -> list[Violation]:
    return attendance_violations(**{**GOOD_ATTENDANCE, **changes})  # type: ignore[arg-type]


CLASS_GROUP_NOT_FOUND = Violation("class_group_not_found", "班级不存在或不属于本机构。", BASIS_CONTRACT, "class_group")
IDENTITY_MISSING = Violation("student_identity_missing", "请填写学员身份证号或学籍号。", BASIS_CONTRACT, "resident_id")
IDENTITY_MISMATCH = Violation(
    "student_identity_mismatch", "该证件号码已登记的学员姓名与填写的姓名不一致，请核对。", BASIS_CONTRACT, "name"
)
COURSE_INACTIVE = Violation("course_inactive", "该课程已停售，不能报名。", BASIS_CONTRACT, "class_group")
ALREADY_ENROLLED = Violation("already_enrolled", "该学员已在本班报名。", BASIS_CONTRACT, "class_group")
PRICE_NOT_POSITIVE = Violation("price_not_positive", "每课时价格应大于 0。", BASIS_CONTRACT, "price_per_lesson_fen")
FEE_TOO_LARGE = Violation(
    "fee_too_large", "培训费合计超出系统可记录的金额，请核对课时和单价。", BASIS_CONTRACT, "lessons_bought"
)
LESSONS_NOT_POSITIVE = Violation("lessons_not_positive", "购买课时应至少 1 节。", BASIS_CONTRACT, "lessons_bought")
DATES_REVERSED = Violation("dates_reversed", "结束日期不能早于开始日期。", BASIS_CONTRACT, "end_date")


def class_full(capacity: int, count: int) -> Violation:
    return Violation("class_full", f"班级已满：班额 {capacity} 人，已报名 {count} 人。", BASIS_CAPACITY, "class_group")


def price_above(price: str, filed: str) -> Violation:
    return Violation(
        "price_above_filed",
        f"每课时价格 {price} 元高于课程备案价格 {filed} 元。",
        BASIS_PRICE,
        "price_per_lesson_fen",
    )


def test_a_sound_enrolment_at_every_edge_passes() -> None:
    # One seat left, the filed price exactly, one day, one lesson at the largest fee the column holds.
    assert enrol() == []
    assert enrol(lessons_bought=1, price_per_lesson_fen=1, course_price_fen=1) == []
    assert enrol(lessons_bought=1, price_per_lesson_fen=MAX_TOTAL_FEE_FEN, course_price_fen=MAX_TOTAL_FEE_FEN) == []


def test_a_class_group_of_another_operator_is_the_only_refusal() -> None:
    assert enrol(
        class_group_is_own=False,
        course_is_active=False,
        identity_given=False,
        enrolled_count=99,
        lessons_bought=0,
    ) == [CLASS_GROUP_NOT_FOUND]


def test_identity_missing_is_asked_for_before_it_is_compared() -> None:
    assert enrol(identity_given=False, identity_matches=False) == [IDENTITY_MISSING]
    assert enrol(identity_given=False, identity_matches=True) == [IDENTITY_MISSING]
    assert enrol(identity_matches=False) == [IDENTITY_MISMATCH]


def test_an_inactive_course_is_refused() -> None:
    assert enrol(course_is_active=False) == [COURSE_INACTIVE]


def test_the_last_seat_can_be_taken_and_a_full_class_is_refused_with_its_numbers() -> None:
    assert enrol(capacity=20, enrolled_count=19) == []
    assert enrol(capacity=20, enrolled_count=20) == [class_full(20, 20)]
    assert enrol(capacity=20, enrolled_count=23) == [class_full(20, 23)]
    assert enrol(capacity=0, enrolled_count=0) == [class_full(0, 0)]


def test_a_pupil_already_in_the_class_is_told_so_not_that_the_class_is_full() -> None:
    assert enrol(already_enrolled=True) == [ALREADY_ENROLLED]
    assert enrol(already_enrolled=True, enrolled_count=20) == [ALREADY_ENROLLED]


def test_a_price_one_fen_above_the_filed_price_is_refused_in_yuan() -> None:
    assert enrol(course_price_fen=15_000, price_per_lesson_fen=15_001) == [price_above("150.01", "150.00")]
    assert enrol(course_price_fen=12_345_678, price_per_lesson_fen=12_345_679) == [
        price_above("123,456.79", "123,456.78")
    ]


def test_the_price_must_be_at_least_one_fen() -> None:
    assert enrol(price_per_lesson_fen=0) == [PRICE_NOT_POSITIVE]
    assert enrol(price_per_lesson_fen=-1) == [PRICE_NOT_POSITIVE]


def test_a_fee_one_fen_above_what_the_column_holds_is_refused() -> None:
    at_limit = {"course_price_fen": MAX_TOTAL_FEE_FEN, "price_per_lesson_fen": MAX_TOTAL_FEE_FEN}
    assert enrol(lessons_bought=1, **at_limit) == []
    over = {"course_price_fen": MAX_TOTAL_FEE_FEN + 1, "price_per_lesson_fen": MAX_TOTAL_FEE_FEN + 1}
    assert enrol(lessons_bought=1, **over) == [FEE_TOO_LARGE]
    # The product counts, not either factor: 2 lessons at half the limit plus one fen.
    half = MAX_TOTAL_FEE_FEN // 2 + 1
    assert enrol(lessons_bought=2, course_price_fen=half, price_per_lesson_fen=half) == [FEE_TOO_LARGE]
    assert enrol(lessons_bought=2, course_price_fen=half - 1, price_per_lesson_fen=half - 1) == []


def test_at_least_one_lesson_is_bought() -> None:
    assert enrol(lessons_bought=0) == [LESSONS_NOT_POSITIVE]
    assert enrol(lessons_bought=-1) == [LESSONS_NOT_POSITIVE]


def test_the_last_day_may_be_the_first_but_not_before_it() -> None:
    assert enrol(end_date=START) == []
    assert enrol(end_date=START - datetime.timedelta(days=1)) == [DATES_REVERSED]


def test_every_refusal_of_an_enrolment_is_reported_at_once_in_form_order() -> None:
    found = enrol(
        identity_given=False,
        course_is_active=False,
        enrolled_count=20,
        course_price_fen=0,
        price_per_lesson_fen=0,
        lessons_bought=0,
        end_date=START - datetime.timedelta(days=1),
    )
    assert found == [
        IDENTITY_MISSING,
        COURSE_INACTIVE,
        class_full(20, 20),
        PRICE_NOT_POSITIVE,
        LESSONS_NOT_POSITIVE,
        DATES_REVERSED,
    ]
    assert [v.code for v in enrol(price_per_lesson_fen=-1, course_price_fen=-2)] == [
        "price_above_filed",
        "price_not_positive",
    ]


def pair(n: int) -> tuple[Interval, Interval]:
    start = NOW + datetime.timedelta(days=n)
    end = start + datetime.timedelta(minutes=45)
    return Interval(start, end, f"本班{n}"), Interval(start, end, f"他班{n}")


def conflict(text: str) -> Violation:
    return Violation(
        "schedule_conflict",
        f"该学员已报名的其他班级与本班上课时间冲突：{text}。同一学员不能同时参加两个课次。",
        BASIS_SCHEDULE,
        "class_group",
    )


def test_no_clash_no_refusal() -> None:
    assert schedule_violations([]) == []


def test_a_clash_names_both_sessions() -> None:
    assert schedule_violations([pair(1)]) == [conflict("本班1 与 他班1")]


def test_up_to_three_clashes_are_named_and_a_fourth_is_counted() -> None:
    assert schedule_violations([pair(1), pair(2), pair(3)]) == [
        conflict("本班1 与 他班1；本班2 与 他班2；本班3 与 他班3")
    ]
    four = [pair(1), pair(2), pair(3), pair(4)]
    assert schedule_violations(four) == [conflict("本班1 与 他班1；本班2 与 他班2；本班3 与 他班3等 4 处")]
    assert schedule_violations(four, limit=1) == [conflict("本班1 与 他班1等 4 处")]
    assert schedule_violations(four, limit=4) == [
        conflict("本班1 与 他班1；本班2 与 他班2；本班3 与 他班3；本班4 与 他班4")
    ]


SESSION_NOT_IN_CLASS = Violation("session_not_in_class", "该课次不属于学员报名的班级。", BASIS_ATTENDANCE, "session")
SESSION_CANCELLED = Violation("session_cancelled", "该课次已取消，不能记录考勤。", BASIS_ATTENDANCE, "session")
SESSION_IN_FUTURE = Violation("session_in_future", "课次尚未开始，不能提前记录考勤。", BASIS_ATTENDANCE, "session")
ENROLMENT_NOT_ACTIVE = Violation(
    "enrolment_not_active", "报名不在读（合同未确认或已结课、退费），不能记录考勤。", BASIS_CONTRACT, "enrolment"
)
ALREADY_PRESENT = Violation(
    "attendance_already_present",
    "该课次已记录出勤并据此消课，不能改为缺勤；如有错误请由家长提出异议。",
    BASIS_ATTENDANCE,
    "present",
)


def exhausted(count: int, bought: int) -> Violation:
    return Violation(
        "lessons_exhausted", f"已出勤 {count} 节，购买的 {bought} 节课时已用完。", BASIS_CONTRACT, "enrolment"
    )


def test_the_last_lesson_can_be_recorded_at_the_minute_the_session_starts() -> None:
    assert attend() == []
    assert attend(present=False) == []


def test_a_session_of_another_class_is_the_only_refusal() -> None:
    assert attend(session_in_class_group=False, session_cancelled=True, enrolment_active=False) == [
        SESSION_NOT_IN_CLASS
    ]


def test_a_cancelled_session_is_refused() -> None:
    assert attend(session_cancelled=True) == [SESSION_CANCELLED]


def test_attendance_one_minute_before_the_start_is_refused() -> None:
    assert attend(session_starts_at=NOW + datetime.timedelta(minutes=1)) == [SESSION_IN_FUTURE]
    assert attend(session_starts_at=NOW - datetime.timedelta(minutes=1)) == []


def test_an_enrolment_not_in_progress_is_refused() -> None:
    assert attend(enrolment_active=False) == [ENROLMENT_NOT_ACTIVE]


def test_a_recorded_presence_cannot_become_an_absence() -> None:
    assert attend(was_present=True, present=False) == [ALREADY_PRESENT]
    assert attend(was_present=False, present=False) == []
    assert attend(was_present=True, present=True, present_count=10) == []


def test_presence_beyond_the_lessons_bought_is_refused_with_its_numbers() -> None:
    assert attend(present_count=9, lessons_bought=10) == []
    assert attend(present_count=10, lessons_bought=10) == [exhausted(10, 10)]
    assert attend(present_count=12, lessons_bought=10) == [exhausted(12, 10)]
    assert attend(present_count=10, lessons_bought=10, was_present=False) == [exhausted(10, 10)]
    # An absence, or a presence already counted, uses no further lesson.
    assert attend(present_count=10, lessons_bought=10, present=False) == []
    assert attend(present_count=10, lessons_bought=10, was_present=True) == []


@pytest.mark.parametrize("bought", [0, 1])
def test_the_first_lesson_needs_a_lesson_bought(bought: int) -> None:
    assert attend(present_count=0, lessons_bought=bought) == ([] if bought else [exhausted(0, 0)])


def test_a_session_ending_as_mine_starts_is_no_clash_even_behind_a_long_one() -> None:
    def span(start: int, end: int, label: str) -> Interval:
        return Interval(NOW + datetime.timedelta(minutes=start), NOW + datetime.timedelta(minutes=end), label)

    mine = span(60, 90, "本班")
    long_one, touching = span(0, 120, "长课"), span(30, 60, "前一节")
    assert overlapping_pairs([mine], [long_one, touching]) == [(mine, long_one)]
    assert overlapping_pairs([mine], [touching]) == []
