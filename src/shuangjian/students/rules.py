"""Pure checks for enrolments and attendance: data in, violations out (no ORM, no I/O)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shuangjian.core.money import format_fen
from shuangjian.core.rules import Violation

# Sources (RULES.md). The model contract fixes what an enrolment must state: parties, course, lessons, fee.
BASIS_CONTRACT = "《中小学生校外培训服务合同（示范文本）》GF—2021—2604"
# The price on the contract may not exceed the price filed for the course (guidance price regime).
BASIS_PRICE = "课程备案收费标准；发改价格〔2021〕1482号"
# Class sizes and times are filed with the county; a pupil cannot attend two lessons at once.
BASIS_SCHEDULE = "意见 §13（培训班次、时间向县区备案）"
BASIS_CAPACITY = "课程备案班额"
# A storage limit, not a policy number: the fee column is a 32-bit integer of fen.
MAX_TOTAL_FEE_FEN = 2_147_483_647
BASIS_ATTENDANCE = "一课一消：按实际出勤消课（教监管函〔2021〕2号）"


@dataclass(frozen=True)
class Interval:
    """A session's time span, with a label people can read in a violation message."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    label: str = ""


def overlapping_pairs(mine: Sequence[Interval], others: Sequence[Interval]) -> list[tuple[Interval, Interval]]:
    """Every (mine, other) pair whose half-open spans [start, end) overlap; touching ends do not overlap."""
    a = sorted(mine, key=lambda i: i.starts_at)
    b = sorted(others, key=lambda i: i.starts_at)
    pairs: list[tuple[Interval, Interval]] = []
    j = 0
    for x in a:
        # Others that end before x starts cannot overlap x or any later interval of ``a``.
        while j < len(b) and b[j].ends_at <= x.starts_at:
            j += 1
        k = j
        while k < len(b) and b[k].starts_at < x.ends_at:
            if b[k].ends_at > x.starts_at:
                pairs.append((x, b[k]))
            k += 1
    return pairs


def schedule_violations(pairs: Sequence[tuple[Interval, Interval]], *, limit: int = 3) -> list[Violation]:
    if not pairs:
        return []
    shown = "；".join(f"{m.label} 与 {o.label}" for m, o in pairs[:limit])
    more = _("等 %(n)d 处") % {"n": len(pairs)} if len(pairs) > limit else ""
    return [
        Violation(
            "schedule_conflict",
            _("该学员已报名的其他班级与本班上课时间冲突：%(pairs)s%(more)s。同一学员不能同时参加两个课次。")
            % {"pairs": shown, "more": more},
            BASIS_SCHEDULE,
            "class_group",
        )
    ]


def enrolment_violations(
    *,
    class_group_is_own: bool,
    course_is_active: bool,
    capacity: int,
    enrolled_count: int,
    course_price_fen: int,
    price_per_lesson_fen: int,
    lessons_bought: int,
    start_date: datetime.date,
    end_date: datetime.date,
    already_enrolled: bool,
    identity_given: bool,
    identity_matches: bool,
) -> list[Violation]:
    """Everything wrong with a new enrolment, all at once (a class group not the operator's stops the rest)."""
    if not class_group_is_own:
        return [Violation("class_group_not_found", _("班级不存在或不属于本机构。"), BASIS_CONTRACT, "class_group")]
    found: list[Violation] = []
    if not identity_given:
        found.append(
            Violation("student_identity_missing", _("请填写学员身份证号或学籍号。"), BASIS_CONTRACT, "resident_id")
        )
    elif not identity_matches:
        found.append(
            Violation(
                "student_identity_mismatch",
                _("该证件号码已登记的学员姓名与填写的姓名不一致，请核对。"),
                BASIS_CONTRACT,
                "name",
            )
        )
    if not course_is_active:
        found.append(Violation("course_inactive", _("该课程已停售，不能报名。"), BASIS_CONTRACT, "class_group"))
    if already_enrolled:
        found.append(Violation("already_enrolled", _("该学员已在本班报名。"), BASIS_CONTRACT, "class_group"))
    elif enrolled_count >= capacity:
        found.append(
            Violation(
                "class_full",
                _("班级已满：班额 %(capacity)d 人，已报名 %(count)d 人。")
                % {"capacity": capacity, "count": enrolled_count},
                BASIS_CAPACITY,
                "class_group",
            )
        )
    if price_per_lesson_fen > course_price_fen:
        found.append(
            Violation(
                "price_above_filed",
                _("每课时价格 %(price)s 元高于课程备案价格 %(filed)s 元。")
                % {"price": format_fen(price_per_lesson_fen), "filed": format_fen(course_price_fen)},
                BASIS_PRICE,
                "price_per_lesson_fen",
            )
        )
    if price_per_lesson_fen <= 0:
        found.append(Violation("price_not_positive", _("每课时价格应大于 0。"), BASIS_CONTRACT, "price_per_lesson_fen"))
    if lessons_bought * price_per_lesson_fen > MAX_TOTAL_FEE_FEN:
        found.append(
            Violation(
                "fee_too_large",
                _("培训费合计超出系统可记录的金额，请核对课时和单价。"),
                BASIS_CONTRACT,
                "lessons_bought",
            )
        )
    if lessons_bought <= 0:
        found.append(Violation("lessons_not_positive", _("购买课时应至少 1 节。"), BASIS_CONTRACT, "lessons_bought"))
    if end_date < start_date:
        found.append(Violation("dates_reversed", _("结束日期不能早于开始日期。"), BASIS_CONTRACT, "end_date"))
    return found


def attendance_violations(
    *,
    session_in_class_group: bool,
    session_cancelled: bool,
    session_starts_at: datetime.datetime,
    now: datetime.datetime,
    enrolment_active: bool,
    present: bool,
    was_present: bool | None,
    present_count: int,
    lessons_bought: int,
) -> list[Violation]:
    """What stops recording one student's attendance at one session; ``was_present`` None means not yet recorded."""
    if not session_in_class_group:
        return [Violation("session_not_in_class", _("该课次不属于学员报名的班级。"), BASIS_ATTENDANCE, "session")]
    found: list[Violation] = []
    if session_cancelled:
        found.append(Violation("session_cancelled", _("该课次已取消，不能记录考勤。"), BASIS_ATTENDANCE, "session"))
    if session_starts_at > now:
        found.append(Violation("session_in_future", _("课次尚未开始，不能提前记录考勤。"), BASIS_ATTENDANCE, "session"))
    if not enrolment_active:
        found.append(
            Violation(
                "enrolment_not_active",
                _("报名不在读（合同未确认或已结课、退费），不能记录考勤。"),
                BASIS_CONTRACT,
                "enrolment",
            )
        )
    if was_present and not present:
        found.append(
            Violation(
                "attendance_already_present",
                _("该课次已记录出勤并据此消课，不能改为缺勤；如有错误请由家长提出异议。"),
                BASIS_ATTENDANCE,
                "present",
            )
        )
    if present and not was_present and present_count >= lessons_bought:
        found.append(
            Violation(
                "lessons_exhausted",
                _("已出勤 %(count)d 节，购买的 %(bought)d 节课时已用完。")
                % {"count": present_count, "bought": lessons_bought},
                BASIS_CONTRACT,
                "enrolment",
            )
        )
    return found
