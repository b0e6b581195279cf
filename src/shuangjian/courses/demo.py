"""Courses' part of the demo city: guidance prices, courses, class groups and a term of sessions.

Good records pass the same pure rules the services apply; a few deliberately broken ones (a session ending
at 20:45, a subject lesson on a Saturday, a course above the price ceiling) are written around the services
so that the violation scan, run at the end of this step, has something to list for the regulators.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.registry.models import Category, Institution, InstitutionOperator, InstitutionStatus, Site
from shuangjian.registry.rules import site_capacity

from . import rules
from .calendar import school_calendar
from .models import ClassGroup, ClassSizeTier, Course, CourseFormat, GuidancePrice, Session
from .scan import violation_scan

# Demo benchmarks (yuan per standard lesson); real ones come from the city's price bureau.
DEMO_BENCHMARKS_FEN = {
    ("small", "offline"): 12000,
    ("medium", "offline"): 6000,
    ("large", "offline"): 4000,
    ("small", "online"): 6000,
    ("medium", "online"): 3000,
    ("large", "online"): 2000,
}
INSTITUTIONS_PER_COUNTY = 8
SUBJECT_NAMES = {
    "math": "数学",
    "chinese": "语文",
    "english": "英语",
    "physics": "物理",
    "chemistry": "化学",
    "biology": "生物",
    "history": "历史",
    "geography": "地理",
    "morality": "道德与法治",
    "japanese": "日语",
    "russian": "俄语",
}
FIELD_COURSES = {
    "arts": ("少儿美术", "钢琴启蒙"),
    "sports": ("青少年篮球", "跆拳道"),
    "science": ("机器人编程", "科学实验"),
}


def _institutions() -> list[Institution]:
    operated = set(
        InstitutionOperator.objects.filter(institution__division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)).values_list(
            "institution_id", flat=True
        )
    )
    picked: list[Institution] = list(
        Institution.objects.filter(pk__in=operated, status=InstitutionStatus.ACTIVE).order_by("pk")
    )
    for county in (PRIMARY_COUNTY, SECOND_COUNTY):
        for inst in Institution.objects.filter(division_code=county, status=InstitutionStatus.ACTIVE).order_by("pk")[
            :INSTITUTIONS_PER_COUNTY
        ]:
            if inst.pk not in operated:
                picked.append(inst)
    return picked


def _spans(
    weekdays: tuple[int, ...], start: datetime.time, minutes: int, first: datetime.date, last: datetime.date
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    spans = []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            s = timezone.make_aware(datetime.datetime.combine(day, start))
            spans.append((s, s + datetime.timedelta(minutes=minutes)))
        day += datetime.timedelta(days=1)
    return spans


@register_demo_step(30, "courses.courses")
def demo_courses(ctx: DemoContext) -> None:
    if Course.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)).exists():
        ctx.log("课程：已存在，跳过")
        return
    today = timezone.localdate()
    for (tier, fmt), fen in DEMO_BENCHMARKS_FEN.items():
        GuidancePrice.objects.get_or_create(
            division_code=ctx.city_code,
            class_size_tier=tier,
            format=fmt,
            effective_from=datetime.date(today.year - 1, 1, 1),
            defaults={"benchmark_fen": fen, "document_no": "演示数据"},
        )
    calendar = school_calendar()
    first, last = today - datetime.timedelta(days=28), today + datetime.timedelta(days=56)
    sessions: list[Session] = []
    n_courses = n_groups = 0
    institutions = _institutions()
    for inst in institutions:
        site = Site.objects.filter(institution=inst, is_active=True).order_by("pk").first()
        if inst.category == Category.SUBJECT:
            subjects = [s for s in (inst.licensed_subjects or []) if s in SUBJECT_NAMES][:2] or ["math"]
            plans: list[tuple[str, str, str, str, str, int, str]] = [
                (f"初中{SUBJECT_NAMES[s]}同步提高", "subject", s, "", CourseFormat.OFFLINE, 90, ClassSizeTier.MEDIUM)
                for s in subjects
            ]
            plans.append(
                (
                    f"{SUBJECT_NAMES[subjects[0]]}线上答疑",
                    "subject",
                    subjects[0],
                    "",
                    CourseFormat.ONLINE_LIVE,
                    30,
                    "medium",
                )
            )
        else:
            names = FIELD_COURSES.get(inst.field or "arts", FIELD_COURSES["arts"])
            plans = [(n, "non_subject", "", inst.field or "arts", CourseFormat.OFFLINE, 60, "small") for n in names]
        for name, category, subject, fld, fmt, minutes, tier in plans:
            kind = rules.format_kind(fmt)
            benchmark = DEMO_BENCHMARKS_FEN[(tier, kind)]
            ceiling = rules.price_ceiling_fen(minutes, fmt, benchmark)
            price = ceiling - ctx.rng.randrange(0, ceiling // 5 + 1) if category == "subject" else 15000
            course = Course.objects.create(
                institution=inst,
                external_id=f"DEMO-{inst.pk}-{n_courses}",
                name=name,
                category=category,
                subject=subject,
                field=fld,
                grades=["七年级", "八年级"] if category == "subject" else ["三年级", "四年级"],
                format=fmt,
                lesson_minutes=minutes,
                lesson_count=24,
                price_per_lesson_fen=price,
                class_size_tier=tier,
                division_code=inst.division_code,
            )
            n_courses += 1
            offline = fmt == CourseFormat.OFFLINE
            if offline and site is None:
                continue
            cap = site_capacity(site.usable_area_m2) if (offline and site) else 200
            tier_max = rules.class_size_tier_max(tier) or 60
            group = ClassGroup.objects.create(
                course=course,
                external_id=f"G-{course.pk}",
                name=f"{name}{'周二周四班' if category == 'subject' else '周六班'}",
                site=site if offline else None,
                capacity=max(1, min(cap, tier_max, 20)),
                division_code=inst.division_code,
            )
            n_groups += 1
            weekdays: tuple[int, ...]
            if category == "subject":
                weekdays, start = (1, 3), datetime.time(18, 30) if offline else datetime.time(19, 30)
            else:
                weekdays, start = (5,), datetime.time(9, 30)
            for s, e in _spans(weekdays, start, minutes, first, last):
                facts = rules.SessionFacts(s, e, fmt, category, inst.division_code)
                if not rules.check_session(facts, calendar):
                    sessions.append(
                        Session(class_group=group, starts_at=s, ends_at=e, division_code=inst.division_code)
                    )
    Session.objects.bulk_create(sessions, batch_size=2000)
    broken = _deliberate_violations(today)
    result = violation_scan(prefix=PRIMARY_COUNTY)
    violation_scan(prefix=SECOND_COUNTY)
    ctx.log(
        f"课程：{n_courses} 门，班级 {n_groups} 个，课次 {len(sessions) + broken} 个；"
        f"扫描发现违规 {result.found} 项（含故意写入的 {broken} 个违规课次和 1 门超指导价课程）"
    )


def _deliberate_violations(today: datetime.date) -> int:
    """A late offline session and a Saturday subject session in 410202, and a course above the ceiling."""
    group = (
        ClassGroup.objects.filter(
            division_code=PRIMARY_COUNTY, course__category="subject", course__format=CourseFormat.OFFLINE
        )
        .select_related("course")
        .order_by("pk")
        .first()
    )
    if group is None:
        return 0
    wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 + 7)
    saturday = wednesday + datetime.timedelta(days=3)
    late = timezone.make_aware(datetime.datetime.combine(wednesday, datetime.time(19, 15)))
    weekend = timezone.make_aware(datetime.datetime.combine(saturday, datetime.time(9, 0)))
    Session.objects.bulk_create(
        [
            Session(
                class_group=group,
                starts_at=late,
                ends_at=late + datetime.timedelta(minutes=90),
                division_code=group.division_code,
                external_id="DEMO-LATE",
            ),
            Session(
                class_group=group,
                starts_at=weekend,
                ends_at=weekend + datetime.timedelta(minutes=90),
                division_code=group.division_code,
                external_id="DEMO-SATURDAY",
            ),
        ]
    )
    course = (
        Course.objects.filter(division_code=PRIMARY_COUNTY, category="subject")
        .exclude(pk=group.course_id)
        .order_by("-pk")
        .first()
    )
    if course is not None:
        benchmark = DEMO_BENCHMARKS_FEN[(course.class_size_tier, rules.format_kind(course.format))]
        ceiling = rules.price_ceiling_fen(course.lesson_minutes, course.format, benchmark)
        Course.objects.filter(pk=course.pk).update(price_per_lesson_fen=ceiling + 2000)
    return 2
