"""Pure rules of schools' after-school service (课后服务, "5+2") and in-service teachers.

Data in, a list of ``Violation`` out; no ORM, no I/O, so the plan form, the Excel import and the coverage figures
all answer with the same functions. Every number names its source (RULES.md, After-school service).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.rules import Violation

# 意见 §9 (RULES.md, After-school service): "5+2", 5 days a week and at least 2 hours a day.
DAYS_PER_WEEK = 5
MIN_MINUTES_PER_DAY = 120
# Grades 1–6 are primary, 7–9 junior secondary (义务教育九年).
PRIMARY_GRADES = range(1, 7)
JUNIOR_GRADES = range(7, 10)

BASIS_FIVE_PLUS_TWO = gettext_lazy(
    "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》（2021年7月）第九条：课后服务“5+2”"
)
BASIS_FEE_CAP = gettext_lazy("许昌市课后服务收费标准（本地）：小学每生每月不超过 80 元，初中不超过 120 元")
BASIS_PROVIDER = gettext_lazy("课后服务引进的校外机构须在白名单内（本地规定，见白名单公示）")

PRIMARY, JUNIOR = "primary", "junior"


def stage_of_grade(grade: int) -> str | None:
    """ "primary" for grades 1–6, "junior" for 7–9, None outside compulsory education."""
    if grade in PRIMARY_GRADES:
        return PRIMARY
    if grade in JUNIOR_GRADES:
        return JUNIOR
    return None


def fee_cap_fen(stage: str) -> int:
    """Most a pupil may pay per month for after-school service at ``stage`` (AFTERSCHOOL_FEE_CAP_*_FEN; local)."""
    if stage == JUNIOR:
        return int(settings.AFTERSCHOOL_FEE_CAP_JUNIOR_FEN)
    return int(settings.AFTERSCHOOL_FEE_CAP_PRIMARY_FEN)


def yuan(fen: int) -> str:
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"


def check_fee(*, grade: int, fee_fen: int) -> list[Violation]:
    stage = stage_of_grade(grade)
    if stage is None:
        return [Violation("schools.grade_not_compulsory", _("年级应为 1–9（义务教育阶段）。"), "", "grade")]
    cap = fee_cap_fen(stage)
    if fee_fen > cap:
        label = _("小学") if stage == PRIMARY else _("初中")
        return [
            Violation(
                "schools.fee_over_cap",
                _("%(stage)s课后服务收费每生每月 %(fee)s 元，超过 %(cap)s 元的上限。")
                % {"stage": label, "fee": yuan(fee_fen), "cap": yuan(cap)},
                str(BASIS_FEE_CAP),
                "fee",
            )
        ]
    return []


def check_class(*, grade: int, pupils: int, asked: int, served: int) -> list[Violation]:
    """What makes a class's figures impossible (refused). A fee over the cap is not refused: it is what the school
    charges, recorded and shown to the regulator as a violation (``check_fee``)."""
    found = []
    if stage_of_grade(grade) is None:
        found.append(Violation("schools.grade_not_compulsory", _("年级应为 1–9（义务教育阶段）。"), "", "grade"))
    if asked > pupils:
        found.append(Violation("schools.asked_over_pupils", _("申请人数不能多于学生人数。"), "", "asked"))
    if served > pupils:
        found.append(Violation("schools.served_over_pupils", _("参加人数不能多于学生人数。"), "", "served"))
    return found


def check_plan(*, days_per_week: int, minutes_per_day: int) -> list[Violation]:
    """What keeps a plan short of "5+2" (empty: it is 5+2)."""
    found = []
    if days_per_week < DAYS_PER_WEEK:
        found.append(
            Violation(
                "schools.days_short",
                _("每周服务 %(n)d 天，少于 %(min)d 天。") % {"n": days_per_week, "min": DAYS_PER_WEEK},
                str(BASIS_FIVE_PLUS_TWO),
                "days_per_week",
            )
        )
    if minutes_per_day < MIN_MINUTES_PER_DAY:
        found.append(
            Violation(
                "schools.hours_short",
                _("每天服务 %(n)d 分钟，少于 %(min)d 分钟（2 小时）。")
                % {"n": minutes_per_day, "min": MIN_MINUTES_PER_DAY},
                str(BASIS_FIVE_PLUS_TWO),
                "minutes_per_day",
            )
        )
    return found


def check_provider(*, name: str, whitelisted: bool) -> list[Violation]:
    """``whitelisted`` comes from registry.standing; it is never recomputed here."""
    if whitelisted:
        return []
    return [
        Violation(
            "schools.provider_not_whitelisted",
            _("“%(name)s”不在白名单内，不能提供课后服务。") % {"name": name},
            str(BASIS_PROVIDER),
            "providers",
        )
    ]


def term_of(day: datetime.date) -> str:
    """The school term a day falls in: "2026-autumn" from August to January, "2026-spring" from February to July."""
    if day.month >= 8:
        return f"{day.year}-autumn"
    if day.month == 1:
        return f"{day.year - 1}-autumn"
    return f"{day.year}-spring"


def term_label(term: str) -> str:
    year, _sep, season = term.partition("-")
    return (_("%(y)s年秋季学期") if season == "autumn" else _("%(y)s年春季学期")) % {"y": year}


# --- coverage ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolService:
    """What coverage is counted from, for one compulsory school in one term."""

    school_id: int
    has_plan: bool
    days_per_week: int
    minutes_per_day: int
    asked: int
    served: int

    @property
    def five_plus_two(self) -> bool:
        return self.has_plan and not check_plan(days_per_week=self.days_per_week, minutes_per_day=self.minutes_per_day)

    @property
    def pupils_short(self) -> bool:
        return self.served < self.asked


@dataclass(frozen=True)
class Coverage:
    schools: int
    schools_5_2: int
    asked: int
    served: int
    short: tuple[int, ...]  # school ids short of 5+2 or serving fewer pupils than asked

    @property
    def school_percent(self) -> float | None:
        return round(100 * self.schools_5_2 / self.schools, 1) if self.schools else None

    @property
    def pupil_percent(self) -> float | None:
        return round(100 * self.served / self.asked, 1) if self.asked else None


def coverage(services: Iterable[SchoolService]) -> Coverage:
    items = list(services)
    return Coverage(
        schools=len(items),
        schools_5_2=sum(1 for s in items if s.five_plus_two),
        asked=sum(s.asked for s in items),
        served=sum(min(s.served, s.asked) for s in items),
        short=tuple(s.school_id for s in items if not s.five_plus_two or s.pupils_short),
    )


def pledge_check_digits(resident_id: str) -> str:
    """What a teacher types to confirm it is them: the last 4 characters of their resident ID."""
    return resident_id[-4:].upper()
