"""Pure compliance rules for courses, class groups and sessions.

Data in (plain dataclasses and calendar predicates), a list of ``Violation`` out; no ORM, no I/O, so the
services, the compliance-check endpoint and the periodic scan all answer with the same function.
Every number below names the policy it comes from (see RULES.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shuangjian.core.rules import Violation

# --- Numbers and their sources ------------------------------------------------------------------------

# 意见 §13: 线下培训结束时间不得晚于20:30，线上培训不得晚于21:00.
OFFLINE_LATEST_END = time(20, 30)
ONLINE_LIVE_LATEST_END = time(21, 0)
# 意见 §13: 线上培训每课时不超过30分钟，课程间隔不少于10分钟.
ONLINE_MAX_LESSON_MINUTES = 30
ONLINE_MIN_BREAK_MINUTES = 10
# 发改价格〔2021〕1482号 sets the benchmark's float (上浮不超过10%, 不限制下浮) and leaves the standard lesson and
# the class-size tiers to provinces: RULES.md marks them local, so each is a setting (config/settings/base.py,
# COURSES_*), read here at call time and nowhere else. A course's price is normalised to a standard lesson as
# price_per_lesson × standard / lesson_minutes, so a 90-minute offline lesson at 200 yuan costs 100 yuan per
# 45-minute standard lesson (a price per minute, scaled).


def price_ceiling_percent() -> int:
    """The ceiling as a percentage of the benchmark (COURSES_PRICE_CEILING_PERCENT; 1482号: 110)."""
    return int(settings.COURSES_PRICE_CEILING_PERCENT)


def standard_lesson_minutes(kind: str) -> int:
    """Minutes of a standard lesson, "offline" or "online" (COURSES_STANDARD_LESSON_MINUTES_*; local)."""
    if kind == "online":
        return int(settings.COURSES_STANDARD_LESSON_MINUTES_ONLINE)
    return int(settings.COURSES_STANDARD_LESSON_MINUTES_OFFLINE)


def class_size_tier_max(tier: str) -> int | None:
    """Most students a class of this tier may have; None for the open-ended large tier (COURSES_CLASS_SIZE_*)."""
    if tier == "small":
        return int(settings.COURSES_CLASS_SIZE_SMALL_BELOW) - 1
    if tier == "medium":
        return int(settings.COURSES_CLASS_SIZE_LARGE_ABOVE)
    return None


def class_size_tier_label(tier: str) -> str:
    """ "10 人以下", "10–35 人", "35 人以上" with the numbers in force."""
    below, above = int(settings.COURSES_CLASS_SIZE_SMALL_BELOW), int(settings.COURSES_CLASS_SIZE_LARGE_ABOVE)
    if tier == "small":
        return ngettext("%(n)s 人以下", "%(n)s 人以下", below) % {"n": below}
    if tier == "medium":
        return _("%(low)s–%(high)s 人") % {"low": below, "high": above}
    return ngettext("%(n)s 人以上", "%(n)s 人以上", above) % {"n": above}


def class_size_tier_choices() -> list[tuple[str, str]]:
    """Choices for a tier field, labelled with the numbers in force (a callable, so settings may change them)."""
    return [(tier, class_size_tier_label(tier)) for tier in ("small", "medium", "large")]


# Premises: the m² per student lives in registry/rules.py (site_capacity); services pass the site's capacity in.

BASIS_OPINION = gettext_lazy("《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》（2021年7月）第十三条")
BASIS_PRICE = gettext_lazy("《关于加强义务教育阶段学科类校外培训收费监管的通知》（发改价格〔2021〕1482号）")
BASIS_SCOPE = gettext_lazy("教育部办公厅《关于进一步明确义务教育阶段校外培训学科类和非学科类范围的通知》（2021年7月）")
BASIS_PREMISES = gettext_lazy("北京市校外培训机构设置标准（2021）（本地标准）：同时在训学员人均使用面积要求")
BASIS_LICENCE = gettext_lazy("《中华人民共和国民办教育促进法》及办学许可证核定的培训范围")

SUBJECT = "subject"
NON_SUBJECT = "non_subject"
OFFLINE = "offline"
ONLINE_LIVE = "online_live"
ONLINE_RECORDED = "online_recorded"
ONLINE_FORMATS = frozenset({ONLINE_LIVE, ONLINE_RECORDED})
# Recorded lessons have no live end time; the lesson-length rule still applies to them.
LATEST_END = {OFFLINE: OFFLINE_LATEST_END, ONLINE_LIVE: ONLINE_LIVE_LATEST_END}


def format_kind(course_format: str) -> str:
    """ "online" or "offline": the guidance price and the standard lesson only know these two."""
    return "online" if course_format in ONLINE_FORMATS else "offline"


# --- Calendar ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCalendar:
    """Calendar predicates injected into the rules, so they stay pure.

    ``is_rest_day``: a weekend or holiday day off; a make-up workday (调休上班) is not a rest day.
    ``is_national_holiday``: a statutory holiday day off. ``vacation_on(division_code, day)``: "summer",
    "winter" or None for the school vacation covering the day in that division (or one above it).
    """

    is_rest_day: Callable[[date], bool]
    is_national_holiday: Callable[[date], bool]
    vacation_on: Callable[[str, date], str | None]


def plain_calendar(
    holidays: Iterable[date] = (),
    workdays: Iterable[date] = (),
    vacations: Iterable[tuple[str, str, date, date]] = (),
) -> SchoolCalendar:
    """A calendar from explicit lists: holidays, make-up workdays, vacations (division prefix, kind, start, end).

    Used by tests and as the shape services build from the real calendar.
    """
    hol = frozenset(holidays)
    work = frozenset(workdays)
    vac = list(vacations)

    def is_rest_day(d: date) -> bool:
        if d in work:
            return False
        return d in hol or d.weekday() >= 5

    def vacation_on(division_code: str, d: date) -> str | None:
        for prefix, kind, start, end in vac:
            if division_code.startswith(prefix) and start <= d <= end:
                return kind
        return None

    return SchoolCalendar(is_rest_day=is_rest_day, is_national_holiday=lambda d: d in hol, vacation_on=vacation_on)


# --- Facts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    """One proposed or stored session: aware datetimes (compared in local time, Asia/Shanghai)."""

    starts_at: datetime
    ends_at: datetime
    format: str
    category: str
    division_code: str


@dataclass(frozen=True)
class InstitutionFacts:
    status: str
    category: str
    field: str
    licensed_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class CourseFacts:
    category: str
    subject: str
    field: str
    format: str
    lesson_minutes: int
    price_per_lesson_fen: int
    class_size_tier: str
    division_code: str
    # The subject's name for messages (数学, not math); the code is shown when it is empty.
    subject_label: str = ""


@dataclass(frozen=True)
class ClassGroupFacts:
    capacity: int
    enrolled_count: int
    class_size_tier: str
    course_format: str
    # Students the site holds at once (registry.rules.site_capacity); None when no site is given.
    site_capacity: int | None = None
    site_belongs_to_institution: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def _local(dt: datetime) -> datetime:
    # The rules' clock is the platform's zone (TIME_ZONE, Asia/Shanghai), whatever zone a request activated.
    tz = timezone.get_default_timezone()
    if dt.tzinfo is tz or dt.tzinfo is None:
        return dt
    return dt.astimezone(tz)


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


# --- Session rules ------------------------------------------------------------------------------------


def check_session_times(facts: SessionFacts) -> list[Violation]:
    """End-time and online lesson-length rules for one session."""
    found: list[Violation] = []
    start, end = _local(facts.starts_at), _local(facts.ends_at)
    if end <= start:
        found.append(Violation("session.ends_before_start", _("课次结束时间必须晚于开始时间。"), "", "ends_at"))
        return found
    latest = LATEST_END.get(facts.format)
    if latest is not None and (end.date() > start.date() or end.time() > latest):
        offline = facts.format == OFFLINE
        found.append(
            Violation(
                "session.offline_ends_late" if offline else "session.online_ends_late",
                _("%(label)s结束时间不得晚于 %(latest)s，本课次 %(day)s 结束于 %(end)s。")
                % {
                    "label": _("线下培训") if offline else _("线上直播培训"),
                    "latest": _hm(latest),
                    "day": end.date().isoformat(),
                    "end": _hm(end.time()),
                },
                str(BASIS_OPINION),
                "ends_at",
            )
        )
    if facts.format in ONLINE_FORMATS:
        minutes = (end - start).total_seconds() / 60
        if minutes > ONLINE_MAX_LESSON_MINUTES:
            found.append(
                Violation(
                    "session.online_too_long",
                    _("线上培训每课时不得超过 %(max)s 分钟，本课次 %(minutes)s 分钟。")
                    % {"max": ONLINE_MAX_LESSON_MINUTES, "minutes": math.ceil(minutes)},
                    str(BASIS_OPINION),
                    "ends_at",
                )
            )
    return found


def _days_touched(start: datetime, end: datetime) -> list[date]:
    days, d = [], start.date()
    last = (end - timedelta(microseconds=1)).date() if end > start else start.date()
    while d <= last:
        days.append(d)
        d += timedelta(days=1)
    return days


def check_session_calendar(facts: SessionFacts, calendar: SchoolCalendar) -> list[Violation]:
    """Subject-type training only on school working days outside the division's winter/summer vacations."""
    if facts.category != SUBJECT:
        return []
    found: list[Violation] = []
    start, end = _local(facts.starts_at), _local(facts.ends_at)
    for day in _days_touched(start, end):
        vacation = calendar.vacation_on(facts.division_code, day)
        if calendar.is_national_holiday(day):
            found.append(
                Violation(
                    "session.subject_on_holiday",
                    _("学科类培训不得在法定节假日开展：%(day)s 为法定节假日。") % {"day": day.isoformat()},
                    str(BASIS_OPINION),
                    "starts_at",
                )
            )
        elif calendar.is_rest_day(day):
            found.append(
                Violation(
                    "session.subject_on_weekend",
                    _("学科类培训不得在休息日开展：%(day)s 为休息日（调休上班日除外）。") % {"day": day.isoformat()},
                    str(BASIS_OPINION),
                    "starts_at",
                )
            )
        if vacation:
            found.append(
                Violation(
                    "session.subject_in_vacation",
                    _("学科类培训不得在寒暑假开展：%(day)s 在本地中小学%(kind)s期间。")
                    % {"day": day.isoformat(), "kind": _("暑假") if vacation == "summer" else _("寒假")},
                    str(BASIS_OPINION),
                    "starts_at",
                )
            )
    return found


def check_session_breaks(facts: SessionFacts, neighbours: Iterable[tuple[datetime, datetime]]) -> list[Violation]:
    """A class group is in one lesson at a time; online lessons on the same day need ≥ 10 minutes between them.

    ``neighbours``: the other (not cancelled) sessions of the same class group, as (start, end).
    """
    start, end = _local(facts.starts_at), _local(facts.ends_at)
    online = facts.format in ONLINE_FORMATS
    gap_needed = timedelta(minutes=ONLINE_MIN_BREAK_MINUTES)
    found: list[Violation] = []
    for other_start, other_end in neighbours:
        o_start, o_end = _local(other_start), _local(other_end)
        if o_start < end and start < o_end:
            found.append(
                Violation(
                    "session.overlaps",
                    _("与本班 %(other)s–%(other_end)s 的课次时间重叠。")
                    % {"other": o_start.strftime("%Y-%m-%d %H:%M"), "other_end": _hm(o_end.time())},
                    "",
                    "starts_at",
                )
            )
            continue
        if not online or o_start.date() != start.date():
            continue
        gap = o_start - end if o_start >= start else start - o_end
        if gap < gap_needed:
            found.append(
                Violation(
                    "session.online_break_too_short",
                    _("线上培训课程间隔不得少于 %(min)s 分钟：与 %(other)s–%(other_end)s 的课次间隔不足。")
                    % {
                        "min": ONLINE_MIN_BREAK_MINUTES,
                        "other": o_start.strftime("%Y-%m-%d %H:%M"),
                        "other_end": _hm(o_end.time()),
                    },
                    str(BASIS_OPINION),
                    "starts_at",
                )
            )
    return found


def check_session(
    facts: SessionFacts, calendar: SchoolCalendar, neighbours: Iterable[tuple[datetime, datetime]] = ()
) -> list[Violation]:
    """Every rule for one session."""
    # Convert to local time once; the rules below then find the datetimes already local.
    facts = SessionFacts(
        _local(facts.starts_at), _local(facts.ends_at), facts.format, facts.category, facts.division_code
    )
    found = check_session_times(facts)
    if found and found[0].code == "session.ends_before_start":
        return found
    return found + check_session_calendar(facts, calendar) + check_session_breaks(facts, neighbours)


# --- Course rules -------------------------------------------------------------------------------------


def price_per_standard_lesson_exceeds(
    price_per_lesson_fen: int, lesson_minutes: int, course_format: str, benchmark_fen: int
) -> bool:
    """price × standard / minutes > benchmark × ceiling %, in exact integer arithmetic (no rounding at the edge)."""
    standard = standard_lesson_minutes(format_kind(course_format))
    return price_per_lesson_fen * standard * 100 > benchmark_fen * price_ceiling_percent() * lesson_minutes


def price_ceiling_fen(lesson_minutes: int, course_format: str, benchmark_fen: int) -> int:
    """The highest whole-fen price per lesson of this length that stays within the ceiling."""
    standard = standard_lesson_minutes(format_kind(course_format))
    return (benchmark_fen * price_ceiling_percent() * lesson_minutes) // (standard * 100)


def check_course_price(facts: CourseFacts, benchmark_fen: int | None) -> list[Violation]:
    """Subject-type courses may not exceed the guidance price benchmark by more than the allowed float.

    Only subject-type courses are under guidance prices (1482号 covers 学科类 training). Without a
    benchmark for the tier and format there is nothing to compare with, so no violation.
    """
    if facts.category != SUBJECT or benchmark_fen is None or facts.lesson_minutes <= 0:
        return []
    if not price_per_standard_lesson_exceeds(
        facts.price_per_lesson_fen, facts.lesson_minutes, facts.format, benchmark_fen
    ):
        return []
    standard = standard_lesson_minutes(format_kind(facts.format))
    ceiling = price_ceiling_fen(facts.lesson_minutes, facts.format, benchmark_fen)
    return [
        Violation(
            "course.price_above_ceiling",
            _(
                "每课时 %(price)s 元超过政府指导价上限 %(ceiling)s 元"
                "（基准价每标准课时 %(benchmark)s 元 × %(percent)s%%，标准课时 %(standard)s 分钟，"
                "本课程每课时 %(minutes)s 分钟）。"
            )
            % {
                "price": _yuan(facts.price_per_lesson_fen),
                "ceiling": _yuan(ceiling),
                "benchmark": _yuan(benchmark_fen),
                "percent": price_ceiling_percent(),
                "standard": standard,
                "minutes": facts.lesson_minutes,
            },
            str(BASIS_PRICE) + _("（政府指导价仅适用于学科类培训）"),
            "price_per_lesson_fen",
        )
    ]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def check_course_shape(facts: CourseFacts) -> list[Violation]:
    """Lesson length for online courses; a subject for subject-type and a field for non-subject courses."""
    found: list[Violation] = []
    if facts.format in ONLINE_FORMATS and facts.lesson_minutes > ONLINE_MAX_LESSON_MINUTES:
        found.append(
            Violation(
                "course.online_lesson_too_long",
                _("线上培训每课时不得超过 %(max)s 分钟，本课程每课时 %(minutes)s 分钟。")
                % {"max": ONLINE_MAX_LESSON_MINUTES, "minutes": facts.lesson_minutes},
                str(BASIS_OPINION),
                "lesson_minutes",
            )
        )
    if facts.category == SUBJECT and not facts.subject:
        found.append(Violation("course.subject_missing", _("学科类课程须注明学科。"), str(BASIS_SCOPE), "subject"))
    if facts.category == NON_SUBJECT and not facts.field:
        found.append(Violation("course.field_missing", _("非学科类课程须注明领域。"), str(BASIS_SCOPE), "field"))
    return found


def check_course_licence(facts: CourseFacts, institution: InstitutionFacts) -> list[Violation]:
    """The institution must be running and its licence must cover the course's subject or field."""
    found: list[Violation] = []
    if institution.status != "active":
        found.append(
            Violation(
                "course.institution_not_active",
                _("机构不在正常办学状态，不得开设课程。"),
                str(BASIS_LICENCE),
                "",
            )
        )
    if facts.category == SUBJECT:
        if institution.category != SUBJECT or facts.subject not in institution.licensed_subjects:
            found.append(
                Violation(
                    "course.subject_not_licensed",
                    _("办学许可证未核准该学科（%(subject)s）的学科类培训。")
                    % {"subject": facts.subject_label or facts.subject or "—"},
                    str(BASIS_LICENCE),
                    "subject",
                )
            )
    elif institution.category != NON_SUBJECT or facts.field != institution.field:
        found.append(
            Violation(
                "course.field_not_licensed",
                _("该非学科类课程的领域与机构核准的培训领域不符。"),
                str(BASIS_LICENCE),
                "field",
            )
        )
    return found


def check_course(facts: CourseFacts, institution: InstitutionFacts, benchmark_fen: int | None) -> list[Violation]:
    """Every rule for one course."""
    return (
        check_course_shape(facts) + check_course_licence(facts, institution) + check_course_price(facts, benchmark_fen)
    )


# --- Class group rules --------------------------------------------------------------------------------


def check_class_group(facts: ClassGroupFacts) -> list[Violation]:
    """Class size against the site's area and the course's price tier."""
    found: list[Violation] = []
    if facts.course_format == OFFLINE:
        if facts.site_capacity is None:
            found.append(
                Violation(
                    "class_group.site_required",
                    _("线下班级须指定本机构已登记的教学点。"),
                    str(BASIS_PREMISES),
                    "site",
                )
            )
        else:
            cap = facts.site_capacity
            if facts.capacity > cap:
                found.append(
                    Violation(
                        "class_group.capacity_over_site",
                        _("班额 %(capacity)s 人超过教学点可容纳人数 %(cap)s 人（按人均使用面积核定）。")
                        % {"capacity": facts.capacity, "cap": cap},
                        str(BASIS_PREMISES),
                        "capacity",
                    )
                )
    if not facts.site_belongs_to_institution:
        found.append(
            Violation("class_group.site_not_own", _("教学点不属于本机构。"), str(BASIS_LICENCE), "site"),
        )
    tier_max = class_size_tier_max(facts.class_size_tier)
    if tier_max is not None and facts.capacity > tier_max:
        found.append(
            Violation(
                "class_group.capacity_over_tier",
                _("班额 %(capacity)s 人超出课程申报的班额档次上限 %(max)s 人，须按相应班额档次定价。")
                % {"capacity": facts.capacity, "max": tier_max},
                str(BASIS_PRICE),
                "capacity",
            )
        )
    if facts.enrolled_count > facts.capacity:
        found.append(
            Violation(
                "class_group.enrolled_over_capacity",
                _("已报名人数 %(enrolled)s 人超过班额 %(capacity)s 人。")
                % {"enrolled": facts.enrolled_count, "capacity": facts.capacity},
                str(BASIS_PREMISES),
                "capacity",
            )
        )
    return found
